"""The record as GitLab's code-quality report (``artifacts:reports:codequality``).

GitLab reads a JSON array of issues, each with ``description``, ``check_name``,
``fingerprint``, ``severity`` (info, minor, major, critical, blocker) and ``location``
(``path`` relative to the repository root, ``lines.begin``): a subset of the Code Climate
issue format (https://docs.gitlab.com/ci/testing/code_quality/#code-quality-report-format).

Only what blocks or must be looked at is an issue: failures, unknowns (the template could not
settle the verdict: never a pass, counted as a failure) and waivers that expired. Passes, active
waivers and controls not applicable by design are left out (the JSON record lists them).
GitLab keys an issue by its fingerprint and compares the issues of a merge request with those
of its target branch by it, so a fingerprint is the record's own (stable across line moves,
:mod:`compliance.record.fingerprints`); the findings that share one (two tools judging one
control on one resource) are one issue, naming what each tool said.
"""

from __future__ import annotations

import json
from typing import Any

from compliance.record.findings import (
    Finding,
    FindingsRecord,
    Severity,
    effective_status,
    severity_rank,
)
from compliance.record.fingerprints import with_fingerprints

#: Ours, highest first, onto GitLab's five levels, highest first: one to one, order kept.
SEVERITY: dict[Severity, str] = {
    "critical": "blocker",
    "high": "critical",
    "medium": "major",
    "low": "minor",
    "info": "info",
}


def to_gitlab(record: FindingsRecord) -> str:
    """The code-quality report: one issue per fingerprint that fails, in the record's order."""
    failing = [
        f
        for f in with_fingerprints(record.findings, record.targets)
        if effective_status(f) == "fail"
    ]
    groups: dict[str, list[Finding]] = {}
    for finding in failing:
        groups.setdefault(finding.fingerprint or "", []).append(finding)
    templates = {target.name: target.template for target in record.targets}
    issues = [_issue(fingerprint, group, templates) for fingerprint, group in groups.items()]
    return json.dumps(issues, indent=2) + "\n"


def _issue(fingerprint: str, group: list[Finding], templates: dict[str, str]) -> dict[str, Any]:
    first = group[0]
    worst = min((f.severity for f in group), key=severity_rank)
    return {
        "description": _description(group),
        "check_name": first.control_id or first.rule_id,
        "fingerprint": fingerprint,
        "severity": SEVERITY[worst],
        "location": _location(first, templates),
    }


def _description(group: list[Finding]) -> str:
    """``TAP-ENC-01 <title>: <resource> (<type>) in <target>: <what each tool said>``."""
    first = group[0]
    said = "; ".join(f"{_verdict(f)} ({f.source} {f.rule_id})" for f in group)
    resource = f"{first.resource.logical_id} ({first.resource.type}) in {first.target}"
    return f"{first.control_id or first.rule_id} {first.title}: {resource}: {said}"


def _verdict(finding: Finding) -> str:
    """The tool's message (an expired waiver's already names it); an unknown says so."""
    if finding.unknown:
        return f"unknown, counted as a failure: {finding.message}"
    return finding.message


def _location(finding: Finding, templates: dict[str, str]) -> dict[str, Any]:
    """The app's line that made the resource, else the template's; line 1 when not known."""
    where = finding.source_location or finding.location
    path = where.file if where else templates.get(finding.target, finding.target)
    line = where.start_line if where and where.start_line else 1
    return {"path": path.removeprefix("./"), "lines": {"begin": line}}
