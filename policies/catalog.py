"""The control catalogue: one data file (``catalog.yaml``), validated here with pydantic.

Each control says what it requires, how severe a breach is, which PCI DSS requirements and
AWS Config rules it serves, and which tool rules implement it. The engine maps every tool
finding to a control through :meth:`Catalog.control_for_rule`.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import cache
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from policies.files import load_yaml

CATALOG_PATH = Path(__file__).with_name("catalog.yaml")

Severity = Literal["critical", "high", "medium", "low", "info"]

CONTROL_ID = r"^TAP-[A-Z]{3}-\d{2}$"
#: Dotted numeric PCI DSS requirement ids (e.g. "3.5.1", "10.2.1.2", "1.3").
PCI_ID = r"^\d{1,2}(\.\d{1,2}){0,3}$"


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class PciDss(_Model):
    """PCI DSS requirement ids, per standard version (a control's, and a finding's)."""

    v4_0_1: list[str] = Field(default_factory=list, alias="4.0.1")
    v3_2_1: list[str] = Field(default_factory=list, alias="3.2.1")


class Implementations(_Model):
    """The tool rules that implement a control."""

    checkov: list[str] = Field(default_factory=list, description="our CKV_TAP_* / CKV2_TAP_*")
    checkov_builtin: list[str] = Field(default_factory=list)
    cdk_nag: list[str] = Field(default_factory=list)

    def rule_ids(self) -> list[str]:
        """All tool rule ids, ours first."""
        return [*self.checkov, *self.checkov_builtin, *self.cdk_nag]


class Remediation(_Model):
    """How to fix a failure, with a CDK (Python) snippet."""

    summary: str = Field(min_length=10)
    cdk_python: str = Field(min_length=10)


class Applicability(_Model):
    """Where a control applies, as data: the environment attributes (fields of an
    environment in the environments file) it requires. In an environment whose attributes
    differ it is not applicable by design, which is no risk acceptance and needs no waiver;
    a template judged with no environment is always in scope."""

    environment: dict[str, bool | str] = Field(min_length=1)
    #: Why the control does not apply elsewhere, for the auditor.
    reason: str = Field(min_length=20)

    def excludes(self, attributes: Mapping[str, object]) -> list[str]:
        """The required attributes an environment's ``attributes`` do not have."""
        return [
            f"{key}: {_yaml_value(attributes.get(key))}"
            for key, wanted in self.environment.items()
            if attributes.get(key) != wanted
        ]


def _yaml_value(value: object) -> str:
    return str(value).lower() if isinstance(value, bool) else str(value)


class Control(_Model):
    """One control of the catalogue."""

    id: str = Field(pattern=CONTROL_ID)
    title: str = Field(min_length=5)
    severity: Severity
    rationale: str = Field(min_length=20)
    resource_types: list[str] = Field(min_length=1)
    pci_dss: PciDss
    config_rules: list[str] = Field(default_factory=list)
    implemented_by: Implementations
    remediation: Remediation
    #: Where it applies (default: everywhere).
    applicability: Applicability | None = None

    @model_validator(mode="after")
    def _mapped_to_pci_dss(self) -> Control:
        if not self.pci_dss.v4_0_1 or not self.pci_dss.v3_2_1:
            raise ValueError(f"{self.id}: pci_dss needs requirements of both 4.0.1 and 3.2.1")
        return self


class Catalog(_Model):
    """All controls; tool rule ids map to exactly one control."""

    controls: list[Control] = Field(min_length=1)
    #: The CloudFormation types each cdk-nag rule judges: cdk-nag reports only violations, so
    #: a pass is derived only on a resource of these types that the rule did not flag.
    cdk_nag_rule_types: dict[str, list[str]] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _unique(self) -> Catalog:
        seen_ids: set[str] = set()
        seen_rules: dict[str, str] = {}
        for control in self.controls:
            if control.id in seen_ids:
                raise ValueError(f"duplicate control id {control.id}")
            seen_ids.add(control.id)
            for rule in control.implemented_by.rule_ids():
                if rule in seen_rules:
                    raise ValueError(
                        f"rule {rule} is mapped to both {seen_rules[rule]} and {control.id}"
                    )
                seen_rules[rule] = control.id
        nag_rules = {rule for c in self.controls for rule in c.implemented_by.cdk_nag}
        if missing := sorted(nag_rules - set(self.cdk_nag_rule_types)):
            raise ValueError(f"cdk_nag_rule_types has no entry for {', '.join(missing)}")
        if orphans := sorted(set(self.cdk_nag_rule_types) - nag_rules):
            raise ValueError(
                f"cdk_nag_rule_types names rules no control uses: {', '.join(orphans)}"
            )
        for control in self.controls:
            judged = {t for r in control.implemented_by.cdk_nag for t in self.cdk_nag_rule_types[r]}
            if unlisted := sorted(judged - set(control.resource_types)):
                raise ValueError(f"{control.id}: resource_types misses {', '.join(unlisted)}")
        return self

    def control(self, control_id: str) -> Control:
        """The control with this id (KeyError if none)."""
        for control in self.controls:
            if control.id == control_id:
                return control
        raise KeyError(control_id)

    def control_for_rule(self, rule_id: str) -> Control | None:
        """The control a tool rule id implements, or None when it is unmapped."""
        for control in self.controls:
            if rule_id in control.implemented_by.rule_ids():
                return control
        return None

    def config_rules(self) -> list[str]:
        """Every AWS Config rule identifier any control maps to, sorted."""
        return sorted({rule for c in self.controls for rule in c.config_rules})

    def controls_of_config_rule(self, identifier: str) -> list[Control]:
        """The controls that map to this AWS Config rule identifier, in catalogue order."""
        return [control for control in self.controls if identifier in control.config_rules]


def load_catalog(path: Path = CATALOG_PATH) -> Catalog:
    """Load and validate a catalogue file."""
    with path.open(encoding="utf-8") as handle:
        return Catalog.model_validate(load_yaml(handle))


@cache
def default_catalog() -> Catalog:
    """The project's catalogue, loaded once."""
    return load_catalog()
