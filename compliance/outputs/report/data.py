"""Reference data of the audit report: PCI DSS requirement titles and AWS Config rule texts.

Both live as YAML beside the templates (``reports/data/``); this module only validates and
looks them up.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

import reports
from compliance.datafile import DataFileError, load_yaml

DATA_DIR = Path(reports.__file__).parent / "data"

PciVersion = Literal["4.0.1", "3.2.1"]
PCI_VERSIONS: tuple[PciVersion, ...] = ("4.0.1", "3.2.1")


class RequirementTitle(BaseModel):
    """A requirement's title, and the id it was taken from when that is an ancestor."""

    model_config = ConfigDict(frozen=True)

    text: str | None
    from_id: str | None = None


class RocRule(BaseModel):
    """One ROC status and when the report assigns it."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    status: str
    meaning: str


class ReferenceData(BaseModel):
    """PCI DSS titles per version, AWS Config rule descriptions, the ROC status rules."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    pci_titles: dict[PciVersion, dict[str, str]]
    config_rules: dict[str, str] = Field(default_factory=dict)
    roc_rules: list[RocRule] = Field(default_factory=list)

    def requirement_title(self, version: PciVersion, requirement: str) -> RequirementTitle:
        """The title of ``requirement``, else of its nearest listed ancestor, else none."""
        titles = self.pci_titles.get(version, {})
        parts = requirement.split(".")
        for depth in range(len(parts), 0, -1):
            candidate = ".".join(parts[:depth])
            if candidate in titles:
                inherited = None if candidate == requirement else candidate
                return RequirementTitle(text=titles[candidate], from_id=inherited)
        return RequirementTitle(text=None)

    def principal_title(self, version: PciVersion, requirement: str) -> str | None:
        """The title of the principal requirement (1-12) ``requirement`` belongs to."""
        return self.pci_titles.get(version, {}).get(requirement.split(".")[0])

    def config_rule_description(self, identifier: str) -> str | None:
        """What the AWS Config managed rule checks, when the data file knows it."""
        return self.config_rules.get(identifier)


class ReferenceDataError(DataFileError):
    """A reference data file is missing or invalid: a line a problem, each naming it."""


def load_reference_data(data_dir: Path = DATA_DIR) -> ReferenceData:
    """Load and validate the report's data files, each file's problems named in it."""
    return ReferenceData(
        pci_titles=load_yaml(
            data_dir / "pci_dss.yaml", dict[PciVersion, dict[str, str]], ReferenceDataError
        ),
        config_rules=load_yaml(data_dir / "config_rules.yaml", dict[str, str], ReferenceDataError),
        roc_rules=load_yaml(data_dir / "roc_statuses.yaml", list[RocRule], ReferenceDataError),
    )


@cache
def default_reference_data() -> ReferenceData:
    """The project's reference data, loaded once."""
    return load_reference_data()
