"""Settings every environment shares (tags, AWS Config rules), declared in ``platform.yaml``."""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field

from compliance.datafile import DataFileError, load_yaml

DEFAULT_PLATFORM_FILE = Path(__file__).with_name("platform.yaml")


class PlatformFileError(DataFileError):
    """The platform settings file is missing or invalid (one-line message)."""


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ConfigRuleSpec(_Model):
    """One AWS Config managed rule: its construct id, rule identifier and description."""

    id: str = Field(pattern=r"^[A-Za-z][A-Za-z0-9]*$")
    identifier: str = Field(pattern=r"^[A-Z0-9_]+$")
    description: str = Field(min_length=1)


class PlatformSettings(_Model):
    """The shared tags and Config rules."""

    tags: dict[str, str]
    config_rules: list[ConfigRuleSpec] = Field(min_length=1)
    #: The rules the hardening layer adds to the seed's.
    hardening_config_rules: list[ConfigRuleSpec] = Field(default_factory=list)


def load_platform(path: Path = DEFAULT_PLATFORM_FILE) -> PlatformSettings:
    """Read and validate the platform settings file."""
    return load_yaml(path, PlatformSettings, PlatformFileError)
