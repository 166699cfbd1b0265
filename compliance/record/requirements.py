"""The PCI DSS v4.0.1 requirement tree (reference data) and the record's coverage of it.

The tree is ``reports/data/pci_dss_v4_tree.yaml``: the twelve principal requirements, their
sections and the standard's defined requirements, each defined one ``automated``, ``partial``,
``manual`` or ``not-applicable`` with a note (not applicable: with its ``basis``, ``aws`` or
``platform``). The controls of a requirement are not written there: they come from the
catalogue (``pci_dss."4.0.1"`` of each control), so the two cannot drift apart.
:mod:`compliance.record.coverage` computes the record's ``coverage`` from it.
"""

from __future__ import annotations

from collections.abc import Iterator
from functools import cache
from pathlib import Path
from typing import Final, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

import reports
from compliance.datafile import DataFileError, load_yaml
from compliance.errors import by_id
from compliance.record.model import RecordModel

TREE_PATH: Final = Path(reports.__file__).parent / "data" / "pci_dss_v4_tree.yaml"
#: The code of the app whose scoping the tree states: the platform's ``infra/``, beside the
#: tree's ``reports/`` in this project.
PLATFORM_APP: Final = Path(reports.__file__).resolve().parent.parent / "infra"

#: How a defined requirement is met on this platform.
CoverageStatus = Literal["automated", "partial", "manual", "not-applicable"]
COVERAGE_STATUSES: tuple[CoverageStatus, ...] = ("automated", "partial", "manual", "not-applicable")
#: Why a requirement is not applicable: ``aws``, AWS carries it for every workload in AWS
#: (shared responsibility); ``platform``, this platform has nothing of the kind.
NotApplicableBasis = Literal["aws", "platform"]
#: Whom the statuses are written for: ``platform``, this platform's app (:data:`PLATFORM_APP`,
#: judged by ``check`` or ``deploy``); ``templates``, templates of any other app or project
#: (``scan``, ``check --app``), where what the platform scoped out for what it lacks is the
#: assessor's to evidence or scope out.
CoverageScope = Literal["platform", "templates"]
#: The note of a requirement the platform scoped out, in a record of templates of any project.
SCOPED_OUT_NOTE: Final = (
    "The TAP platform scopes this out as not applicable. Its reason: {note} The judged "
    "templates are not that platform's: the assessor evidences it for them or scopes it out."
)
#: Where a node sits in the tree.
Level = Literal["principal", "section", "requirement"]


class _TreeModel(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class TreeRequirement(_TreeModel):
    """A defined requirement (e.g. ``3.5.1``, ``3.3.1.1``) and how the platform meets it."""

    #: Three to five numbers (``3.5.1``, ``3.3.1.1``, ``9.5.1.2.1``).
    id: str = Field(pattern=r"^\d{1,2}(\.\d{1,2}){2,4}$")
    title: str = Field(min_length=5)
    status: CoverageStatus
    #: partial: which part a control covers; manual: the evidence a person supplies;
    #: not-applicable: why. Required for all three.
    note: str | None = None
    #: not-applicable only, and required there: on what ground.
    basis: NotApplicableBasis | None = None

    @model_validator(mode="after")
    def _noted(self) -> TreeRequirement:
        if self.status != "automated" and not (self.note and self.note.strip()):
            raise ValueError(f"{self.id}: a {self.status} requirement needs a note")
        if self.status == "not-applicable" and self.basis is None:
            raise ValueError(f"{self.id}: a not-applicable requirement needs a basis")
        if self.status != "not-applicable" and self.basis is not None:
            raise ValueError(f"{self.id}: only a not-applicable requirement has a basis")
        return self

    def in_scope(self, scope: CoverageScope) -> TreeRequirement:
        """The requirement as a record of ``scope`` holds it: for templates of any project,
        one the platform scoped out for what it lacks is ``manual``, its reason kept."""
        if scope == "platform" or self.basis != "platform":
            return self
        note = SCOPED_OUT_NOTE.format(note=(self.note or "").strip())
        return TreeRequirement(id=self.id, title=self.title, status="manual", note=note)


class TreeSection(_TreeModel):
    """A second-level section (e.g. ``3.5``) and its defined requirements."""

    id: str = Field(pattern=r"^\d{1,2}\.\d{1,2}$")
    title: str = Field(min_length=5)
    requirements: list[TreeRequirement] = Field(min_length=1)

    @model_validator(mode="after")
    def _nested(self) -> TreeSection:
        if strays := [r.id for r in self.requirements if not r.id.startswith(self.id + ".")]:
            raise ValueError(f"{', '.join(strays)}: not under section {self.id}")
        return self


class TreePrincipal(_TreeModel):
    """A principal requirement (1-12) and its sections."""

    id: str = Field(pattern=r"^\d{1,2}$")
    title: str = Field(min_length=5)
    sections: list[TreeSection] = Field(min_length=1)

    @model_validator(mode="after")
    def _nested(self) -> TreePrincipal:
        if strays := [s.id for s in self.sections if s.id.split(".")[0] != self.id]:
            raise ValueError(f"{', '.join(strays)}: not under requirement {self.id}")
        return self


class RequirementTree(_TreeModel):
    """The PCI DSS v4.0.1 tree, principal requirements in order."""

    requirements: list[TreePrincipal] = Field(min_length=1)

    @model_validator(mode="after")
    def _unique(self) -> RequirementTree:
        ids = [node_id for node_id, *_ in self.nodes()]
        if duplicates := sorted({i for i in ids if ids.count(i) > 1}):
            raise ValueError(f"listed twice: {', '.join(duplicates)}")
        return self

    def nodes(self) -> Iterator[tuple[str, Level, str | None, str, TreeRequirement | None]]:
        """Every node in order: id, level, parent id, title and (defined requirements) itself."""
        for principal in self.requirements:
            yield principal.id, "principal", None, principal.title, None
            for section in principal.sections:
                yield section.id, "section", principal.id, section.title, None
                for requirement in section.requirements:
                    yield requirement.id, "requirement", section.id, requirement.title, requirement

    def defined(self) -> list[TreeRequirement]:
        """The defined requirements, in order."""
        return [r for p in self.requirements for s in p.sections for r in s.requirements]


class TreeError(DataFileError):
    """The requirement tree file is missing or invalid (one line naming it)."""


def load_tree(path: Path = TREE_PATH) -> RequirementTree:
    """Read and validate a requirement tree file."""
    where = by_id({"requirements": "requirement", "sections": "section"})
    return load_yaml(path, RequirementTree, TreeError, where=where)


@cache
def default_tree() -> RequirementTree:
    """The project's PCI DSS v4.0.1 tree, loaded once."""
    return load_tree()


class RequirementResults(RecordModel):
    """This run's findings mapped to a requirement (or below it), by result."""

    passed: int = Field(default=0, alias="pass")
    fail: int = 0
    waived: int = 0
    #: Failures the template could not decide, and templates in error (judged by no control).
    unknown: int = 0
    #: Controls the catalogue scopes out of the environment by design (neither pass nor fail).
    not_applicable: int = Field(default=0, alias="not-applicable")

    @property
    def total(self) -> int:
        """Every result counted."""
        return self.passed + self.fail + self.waived + self.unknown + self.not_applicable


class RequirementCoverage(RecordModel):
    """One node of the tree in the record: what it is, how it is met, what this run found."""

    id: str
    level: Level
    #: The section of a defined requirement, the principal requirement of a section.
    parent: str | None = None
    title: str
    #: Defined requirements only; a principal or section counts its requirements' (``statuses``).
    status: CoverageStatus | None = None
    note: str | None = None
    #: A not-applicable requirement: on what ground (``aws`` or ``platform``).
    basis: NotApplicableBasis | None = None
    #: Catalogue controls mapped to it (a principal or section: to any requirement below it).
    controls: list[str] = Field(default_factory=list)
    #: A principal or section: how many of its defined requirements have each status.
    statuses: dict[CoverageStatus, int] = Field(default_factory=dict)
    results: RequirementResults = Field(default_factory=RequirementResults)


class PciCoverage(RecordModel):
    """Coverage per PCI DSS version (v4.0.1 only: v3.2.1 is retired)."""

    v4_0_1: list[RequirementCoverage] = Field(default_factory=list, alias="4.0.1")


class Coverage(RecordModel):
    """The record's ``coverage``: the requirement tree with this run's results."""

    #: Whom the statuses are written for (a record before the field: ``platform``).
    scope: CoverageScope = "platform"

    pci_dss: PciCoverage = Field(default_factory=PciCoverage)
