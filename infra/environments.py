"""The deployment environments (dev, staging, prod), declared as data in ``environments.yaml``.

:func:`load_environments` reads and validates the file; anything wrong with it raises
:class:`EnvironmentFileError`, whose message is one line naming the file and the bad field.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Annotated

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    TypeAdapter,
    ValidationInfo,
    computed_field,
    field_validator,
)

from infra.datafile import DataFileError, display, load_yaml

DEFAULT_ENVIRONMENTS_FILE = Path(__file__).with_name("environments.yaml")

AccountId = Annotated[str, StringConstraints(pattern=r"^\d{12}$")]
Region = Annotated[str, StringConstraints(pattern=r"^[a-z]{2}(-gov)?-[a-z]+-\d$")]
AvailabilityZone = Annotated[str, StringConstraints(pattern=r"^[a-z]{2}(-gov)?-[a-z]+-\d[a-z]$")]
#: Lower-case, since it ends up in S3 bucket names.
Suffix = Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9-]{0,19}$")]
KeyReference = Annotated[str, StringConstraints(pattern=r"^(arn:aws[a-z-]*:kms:\S+|alias/\S+)$")]
EnvironmentName = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9-]{0,19}$")]

#: The seed's VPC spans three AZs (maxAzs: 3, natGateways: 3).
AZ_COUNT = 3


class EnvironmentFileError(DataFileError):
    """The environments file is missing, unreadable or invalid (one-line message)."""


class EnvironmentSpec(BaseModel):
    """One environment as written in the file."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    account: AccountId
    region: Region
    availability_zones: list[AvailabilityZone] = Field(min_length=AZ_COUNT, max_length=AZ_COUNT)
    allowed_regions: list[Region] = Field(min_length=1)
    #: Keys from outside the stack (ARNs or aliases) known to be customer-managed: a scan
    #: passes the encryption controls on them instead of reporting them unknown.
    customer_managed_keys: list[KeyReference] = Field(default_factory=list)
    suffix: Suffix
    #: Never destroy data on stack deletion (RETAIN, deletion protection, no auto-delete).
    retain_data: bool = False

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

    @field_validator("allowed_regions")
    @classmethod
    def _includes_region(cls, regions: list[str], info: ValidationInfo) -> list[str]:
        region = info.data.get("region")
        if region and region not in regions:
            raise ValueError(f"must include the stack's own region {region}")
        return regions


class EnvironmentConfig(EnvironmentSpec):
    """One validated environment, named by its key in the file."""

    name: EnvironmentName

    @computed_field  # type: ignore[prop-decorator]
    @property
    def stack_name(self) -> str:
        """The stack id and CloudFormation stack name: ``TapStack-<name>``."""
        return f"TapStack-{self.name}"


_FILE_SCHEMA: TypeAdapter[dict[EnvironmentName, EnvironmentSpec]] = TypeAdapter(
    Annotated[dict[EnvironmentName, EnvironmentSpec], Field(min_length=1)]
)


def load_environments(path: Path = DEFAULT_ENVIRONMENTS_FILE) -> dict[str, EnvironmentConfig]:
    """Read and validate the environments file; keys are the environment names."""
    specs = load_yaml(path, _FILE_SCHEMA, EnvironmentFileError)
    return {name: EnvironmentConfig(name=name, **spec.model_dump()) for name, spec in specs.items()}


def select_environments(
    environments: dict[str, EnvironmentConfig], names: Sequence[str] | None, *, source: Path
) -> list[EnvironmentConfig]:
    """The chosen environments in the given order (all, in file order, when ``names`` is None)."""
    if names is None:
        return list(environments.values())
    unknown = [name for name in names if name not in environments]
    if unknown:
        known = ", ".join(environments)
        raise EnvironmentFileError(
            f"{display(source)}: no environment named {', '.join(unknown)} (known: {known})"
        )
    return [environments[name] for name in dict.fromkeys(names)]
