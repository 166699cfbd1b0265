"""The report's "Requirement coverage" view: the record's PCI DSS v4.0.1 tree, laid out for an
assessor (twelve principal rows, each with its sections) and the list of what is left to
evidence by hand (every manual requirement, and the part of each partial one no control
decides). Read from the record's ``coverage``, never recomputed: the report shows the run's
evidence as it was recorded.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from compliance.record.findings import FindingsRecord
from compliance.record.requirements import (
    COVERAGE_STATUSES,
    CoverageScope,
    CoverageStatus,
    RequirementCoverage,
    RequirementResults,
)

#: The statuses left to a person, in the order the list gives them.
BY_HAND: tuple[CoverageStatus, ...] = ("partial", "manual")


@dataclass(frozen=True)
class CoverageRow:
    """A principal requirement or a section: how its requirements are met, this run's results."""

    id: str
    title: str
    statuses: dict[CoverageStatus, int]
    results: RequirementResults
    controls: list[str]
    sections: list[CoverageRow] = field(default_factory=list)

    @property
    def tested(self) -> bool:
        """Some finding (or a template in error) counted here."""
        return self.results.total > 0


@dataclass(frozen=True)
class ByHand:
    """A requirement an assessor evidences by hand, and what to supply."""

    id: str
    title: str
    status: CoverageStatus
    note: str


@dataclass(frozen=True)
class ByHandGroup:
    """The by-hand requirements of one principal requirement."""

    id: str
    title: str
    items: list[ByHand]

    def ids(self, status: CoverageStatus) -> list[str]:
        """The ids of its items with ``status``."""
        return [item.id for item in self.items if item.status == status]


@dataclass(frozen=True)
class CoverageView:
    """The whole section; ``principals`` is empty when the record carries no coverage."""

    principals: list[CoverageRow]
    totals: dict[CoverageStatus, int]
    by_hand: list[ByHandGroup]
    #: Whom the statuses are written for (the record's ``coverage.scope``).
    scope: CoverageScope = "platform"

    @property
    def defined(self) -> int:
        """How many defined requirements the tree lists."""
        return sum(self.totals.values())

    @property
    def left_by_hand(self) -> int:
        """How many requirements are evidenced, wholly or in part, by a person."""
        return sum(len(group.items) for group in self.by_hand)


def _row(entry: RequirementCoverage, sections: list[CoverageRow] | None = None) -> CoverageRow:
    return CoverageRow(
        id=entry.id,
        title=entry.title,
        statuses={s: entry.statuses.get(s, 0) for s in COVERAGE_STATUSES},
        results=entry.results,
        controls=entry.controls,
        sections=sections or [],
    )


def coverage_view(record: FindingsRecord) -> CoverageView:
    """The coverage section of ``record`` (empty when it has none)."""
    entries = record.coverage.pci_dss.v4_0_1 if record.coverage else []
    children: dict[str | None, list[RequirementCoverage]] = defaultdict(list)
    for entry in entries:
        children[entry.parent].append(entry)
    principals = [
        _row(p, [_row(s) for s in children[p.id]]) for p in entries if p.level == "principal"
    ]
    totals = {s: sum(p.statuses[s] for p in principals) for s in COVERAGE_STATUSES}
    titles = {p.id: p.title for p in principals}
    grouped: dict[str, list[ByHand]] = defaultdict(list)
    for entry in entries:
        if entry.level == "requirement" and entry.status in BY_HAND:
            grouped[entry.id.split(".")[0]].append(
                ByHand(entry.id, entry.title, entry.status, entry.note or "")
            )
    by_hand = [ByHandGroup(p.id, titles[p.id], grouped[p.id]) for p in principals if grouped[p.id]]
    return CoverageView(
        principals=principals, totals=totals, by_hand=by_hand, scope=record.coverage_scope
    )
