"""What every AWS command is told: the environment, the evidence folder, credentials, endpoint."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from compliance.environments import EnvInfo


@dataclass(frozen=True)
class AwsOptions:
    """The options ``deploy`` and ``verify`` share."""

    env: EnvInfo
    #: The evidence folder: the gated record and assembly, ``deployment.json``.
    out: Path
    #: The AWS profile (None: boto3's usual credential chain).
    profile: str | None = None
    #: Another AWS endpoint (a local emulator).
    endpoint_url: str | None = None
