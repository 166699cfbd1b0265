"""The gate: counts per status and severity, and the pass/fail decision with its reasons."""

from __future__ import annotations

from collections.abc import Sequence

from compliance.gate.verdicts import control_verdicts
from compliance.record.findings import (
    SEVERITIES,
    STATUSES,
    Finding,
    Gate,
    Severity,
    Status,
    Summary,
    Target,
    TargetStatus,
    WaiverState,
    at_threshold,
    blocking,
)


def summarise(
    findings: Sequence[Finding],
    waivers: Sequence[WaiverState],
    fail_on: Severity,
    targets: Sequence[Target] = (),
) -> Summary:
    """Counts and the gate decision: fail on blocking failures, on any expired waiver, or on
    a template that could not be judged (listed in error under --keep-going)."""
    by_status: dict[Status, int] = dict.fromkeys(STATUSES, 0)
    by_severity: dict[Severity, dict[Status, int]] = {
        severity: dict.fromkeys(STATUSES, 0) for severity in SEVERITIES
    }
    for finding in findings:
        by_status[finding.status] += 1
        by_severity[finding.severity][finding.status] += 1
    blocked = sum(blocking(finding, fail_on) for finding in findings)
    expired = sum(waiver.state == "expired" for waiver in waivers)
    by_target: dict[TargetStatus, int] = {"judged": 0, "skipped": 0, "error": 0}
    for target in targets:
        by_target[target.status] += 1
    failed = bool(blocked or expired or by_target["error"])
    return Summary(
        by_status=by_status,
        by_severity=by_severity,
        unmapped=sum(finding.unmapped for finding in findings),
        unknown=sum(finding.unknown for finding in findings),
        disagreements=sum(v.disagreement is not None for v in control_verdicts(findings)),
        gate=Gate(
            result="failed" if failed else "passed",
            exit_code=1 if failed else 0,
            fail_on=fail_on,
            blocking=blocked,
            expired_waivers=expired,
            existing=sum(at_threshold(f, fail_on) and f.existing for f in findings),
            unjudged=by_target["error"],
        ),
        targets=by_target,
    )
