"""A control's one verdict per resource: the worst of its rules, and where they disagree.

A control is implemented by several rules (our check, checkov's built-ins, cdk-nag's), each
a finding of its own. The control stands or falls once per resource: its verdict is the worst
effective status of its rules (a failure anywhere fails it). Where one rule found a violation
(failed, waived or not) and another passed the same resource, the tools disagree, e.g. an
escape hatch cdk-nag does not see: the verdict names it.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

from compliance.record.findings import (
    RUNTIME_SOURCES,
    ControlVerdict,
    Finding,
    Status,
    effective_status,
    worst_status,
)


def control_verdicts(findings: Sequence[Finding]) -> list[ControlVerdict]:
    """One verdict per (target, control, resource) of the static findings, in their order."""
    grouped: dict[tuple[str, str, str], list[Finding]] = defaultdict(list)
    for finding in findings:
        if finding.control_id and finding.source not in RUNTIME_SOURCES:
            key = (finding.target, finding.control_id, finding.resource.logical_id)
            grouped[key].append(finding)
    verdicts = []
    for (target, control_id, logical_id), group in grouped.items():
        by_rule: dict[str, list[Status]] = defaultdict(list)
        sources: dict[str, str] = {}
        for finding in group:
            by_rule[finding.rule_id].append(effective_status(finding))
            sources[finding.rule_id] = finding.source
        rules = {rule: worst_status(statuses) for rule, statuses in by_rule.items()}
        verdicts.append(
            ControlVerdict(
                target=target,
                control_id=control_id,
                logical_id=logical_id,
                type=group[0].resource.type,
                status=worst_status(rules.values()),
                rules=rules,
                disagreement=_disagreement(rules, sources),
            )
        )
    return verdicts


def _disagreement(rules: dict[str, Status], sources: dict[str, str]) -> str | None:
    violated = [r for r, status in rules.items() if status in ("fail", "waived")]
    passed = [r for r, status in rules.items() if status == "pass"]
    if not (violated and passed):
        return None

    def named(ids: list[str]) -> str:
        return ", ".join(f"{sources[r]} {r}" for r in ids)

    return (
        f"{named(violated)} found a violation that {named(passed)} passed: "
        "the control's verdict is the worst of its rules"
    )
