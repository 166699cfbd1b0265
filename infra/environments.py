"""The deployment environments (dev, staging, prod), declared as data in ``environments.yaml``.

The file is a contract between this app and the compliance engine: the engine reads each
environment's stack name, region, allowed regions and customer-managed keys with
:class:`compliance.environments.EnvironmentSpec`; this app's :class:`EnvironmentSpec` builds on
it with what only the app needs (account, availability zones, suffix, data retention), so every
field has one definition. cdk.json's context ``tap-compliance:environments-file`` tells the
engine where the file is.

:func:`load_environments` reads and validates the file; anything wrong with it raises
:class:`EnvironmentFileError`: a line a problem, each naming the file, its line and the field.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

from pydantic import ConfigDict, Field, StringConstraints, ValidationInfo, field_validator

from compliance import environments as shared
from compliance.environments import (
    EnvironmentFileError,
    EnvironmentName,
    KeyReference,
    Region,
    read_environments,
    select_environments,
)

__all__ = [
    "DEFAULT_ENVIRONMENTS_FILE",
    "EnvironmentConfig",
    "EnvironmentFileError",
    "EnvironmentSpec",
    "KeyReference",
    "Region",
    "load_environments",
    "select_environments",
]

DEFAULT_ENVIRONMENTS_FILE = Path(__file__).with_name("environments.yaml")

AccountId = Annotated[str, StringConstraints(pattern=r"^\d{12}$")]
AvailabilityZone = Annotated[str, StringConstraints(pattern=r"^[a-z]{2}(-gov)?-[a-z]+-\d[a-z]$")]
#: Lower-case, since it ends up in S3 bucket names.
Suffix = Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9-]{0,19}$")]

#: The seed's VPC spans three AZs (maxAzs: 3, natGateways: 3).
AZ_COUNT = 3


class EnvironmentSpec(shared.EnvironmentSpec):
    """One environment as written in the file: the engine's fields and the app's."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    account: AccountId
    availability_zones: list[AvailabilityZone] = Field(min_length=AZ_COUNT, max_length=AZ_COUNT)
    suffix: Suffix

    @field_validator("availability_zones")
    @classmethod
    def _zones_in_region(cls, zones: list[str], info: ValidationInfo) -> list[str]:
        region = info.data.get("region")
        foreign = [zone for zone in zones if region and zone[:-1] != region]
        if foreign:
            raise ValueError(f"{', '.join(foreign)} not in region {region}")
        if len(set(zones)) != len(zones):
            raise ValueError("zones must be distinct")
        return zones


class EnvironmentConfig(EnvironmentSpec):
    """One validated environment, named by its key in the file."""

    name: EnvironmentName


def load_environments(path: Path = DEFAULT_ENVIRONMENTS_FILE) -> dict[str, EnvironmentConfig]:
    """Read and validate the environments file; keys are the environment names."""
    specs = read_environments(path, EnvironmentSpec)
    return {name: EnvironmentConfig(name=name, **spec.model_dump()) for name, spec in specs.items()}
