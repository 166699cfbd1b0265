"""What the AWS commands are told: the environment, the evidence folder, credentials, endpoint,
and deploy's own options. Each field of :class:`DeployOptions` beyond :class:`AwsOptions` is
declared once, here: the command line's ``--field-name`` is built from it (its type, default
and the ``help`` of its metadata)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

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


Method = Literal["change-set", "direct"]


@dataclass(frozen=True)
class DeployOptions(AwsOptions):
    """What ``deploy`` was asked for: a bool is a flag, a ``Literal`` its choices, a float a
    number above 0, a tuple of strings a repeatable option. The command line adds each
    default to the help."""

    method: Method = field(
        default="change-set",
        metadata={
            "help": "change-set: create a change set, show it and check it against the gated "
            "template, then execute it; direct: CreateStack or UpdateStack, nothing to show "
            "before (refused in prod without --allow-replace)"
        },
    )
    yes: bool = field(default=False, metadata={"help": "deploy without asking"})
    dry_run: bool = field(default=False, metadata={"help": "show the change set, deploy nothing"})
    allow_replace: bool = field(
        default=False, metadata={"help": "accept replacing data stores in prod"}
    )
    timeout: float = field(
        default=3600.0,
        metadata={"help": "wall time of the deployment after the gate, in seconds"},
    )
    poll: float = field(
        default=5.0, metadata={"help": "seconds between two reads of the stack's events"}
    )
    no_cache: bool = field(
        default=False,
        metadata={
            "help": "synthesize and judge even when a content hash proves the inputs unchanged"
        },
    )
    context: tuple[str, ...] = field(
        default=(),
        metadata={"help": "context given to the app, as cdk deploy -c KEY=VALUE (repeatable)"},
    )


@dataclass(frozen=True)
class VerifyOptions(AwsOptions):
    """What ``verify`` was asked for (each field a ``--field-name``, as for deploy)."""

    wait: float = field(
        default=0.0,
        metadata={
            "help": "start AWS Config's evaluations of the stack's rules and wait up to SECONDS "
            "for verdicts newer than the deployment (0: read the verdicts AWS Config holds, "
            "start none)"
        },
    )
    allow_untested: bool = field(
        default=False, metadata={"help": "exit 0 even when nothing could be verified"}
    )
    drift_timeout: float = field(
        default=120.0, metadata={"help": "longest wait for drift detection, in seconds"}
    )
