"""The record's requirement coverage: every node of the PCI DSS v4.0.1 tree with this run's results.

Counting (one count per finding, at the requirement it maps to and at every ancestor): a pass
is a pass; a failure (an expired waiver waives nothing) is a failure unless the template could
not decide it (``unknown``); a finding under an active waiver is waived; a control scoped out
of the environment by design counts as not applicable, never as a pass and never as unknown.
A template in error was judged by no control, so it adds one unknown to every node a control
maps to. A requirement with no result was not tested: nothing is counted as a pass for it.

The statuses are the tree's, written for this platform (scope ``platform``: ``check`` and
``deploy`` of its own app). Templates of any other app or project (scope ``templates``:
``scan``, ``check`` of another app) lack nothing the platform lacks: a requirement it
scoped out on that ground (basis ``platform``) is ``manual`` there, and each principal and
section counts its requirements' statuses as scoped.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from typing import Literal

from compliance.record.findings import Finding, Target, effective_status
from compliance.record.requirements import (
    COVERAGE_STATUSES,
    Coverage,
    CoverageScope,
    CoverageStatus,
    PciCoverage,
    RequirementCoverage,
    RequirementResults,
    RequirementTree,
    default_tree,
)
from policies.catalog import Catalog

_Result = Literal["passed", "fail", "waived", "unknown", "not_applicable"]
_RESULTS: tuple[_Result, ...] = ("passed", "fail", "waived", "unknown", "not_applicable")


def _result(finding: Finding) -> _Result:
    status = effective_status(finding)
    if status == "fail":
        return "unknown" if finding.unknown else "fail"
    if status == "pass":
        return "passed"
    return "waived" if status == "waived" else "not_applicable"


def _at_and_above(requirements: Sequence[str]) -> set[str]:
    """Every node a requirement id counts at: itself and each ancestor (``3.3.1.1``: also
    ``3.3.1``, ``3.3`` and ``3``)."""
    nodes: set[str] = set()
    for requirement in requirements:
        parts = requirement.split(".")
        nodes.update(".".join(parts[:depth]) for depth in range(1, len(parts) + 1))
    return nodes


def requirement_coverage(
    findings: Sequence[Finding],
    targets: Sequence[Target],
    catalog: Catalog,
    tree: RequirementTree | None = None,
    *,
    scope: CoverageScope = "platform",
) -> Coverage:
    """The whole tree (default: the project's), scoped for ``scope``, with the results of
    ``findings``."""
    tree = tree if tree is not None else default_tree()
    scoped = {defined.id: defined.in_scope(scope) for defined in tree.defined()}
    controls: dict[str, set[str]] = defaultdict(set)
    for control in catalog.controls:
        for node in _at_and_above(control.pci_dss.v4_0_1):
            controls[node].add(control.id)
    counts: dict[str, dict[_Result, int]] = defaultdict(lambda: dict.fromkeys(_RESULTS, 0))
    for finding in findings:
        result = _result(finding)
        for node in _at_and_above(finding.pci_dss.v4_0_1):
            counts[node][result] += 1
    unjudged = sum(target.status == "error" for target in targets)
    statuses: dict[str, dict[CoverageStatus, int]] = defaultdict(
        lambda: dict.fromkeys(COVERAGE_STATUSES, 0)
    )
    for principal in tree.requirements:
        for section in principal.sections:
            for defined in section.requirements:
                statuses[principal.id][scoped[defined.id].status] += 1
                statuses[section.id][scoped[defined.id].status] += 1
    entries = []
    for node_id, level, parent, title, _ in tree.nodes():
        requirement = scoped.get(node_id)  # a defined requirement, as scoped
        results = dict(counts.get(node_id, dict.fromkeys(_RESULTS, 0)))
        if controls.get(node_id):
            results["unknown"] += unjudged
        entries.append(
            RequirementCoverage(
                id=node_id,
                level=level,
                parent=parent,
                title=title,
                status=requirement.status if requirement else None,
                note=requirement.note if requirement else None,
                basis=requirement.basis if requirement else None,
                controls=sorted(controls.get(node_id, ())),
                statuses=statuses.get(node_id, {}),
                results=RequirementResults.model_validate(results),
            )
        )
    return Coverage(scope=scope, pci_dss=PciCoverage.model_validate({"4.0.1": entries}))
