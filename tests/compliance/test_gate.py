"""The gate: each --fail-on threshold, expired waivers below it, and a stable findings order."""

from __future__ import annotations

from datetime import date

import pytest

from compliance.engine import _order
from compliance.gate.threshold import summarise
from compliance.record.findings import SEVERITIES, Finding, Resource, Severity, WaiverState


def _finding(severity: Severity, status: str = "fail", **extra: object) -> Finding:
    fields: dict[str, object] = {
        "control_id": "TAP-ENC-01",
        "title": "t",
        "severity": severity,
        "status": status,
        "source": "checkov",
        "rule_id": "CKV_AWS_1",
        "target": "T",
        "resource": Resource(logical_id="R", type="AWS::S3::Bucket"),
        "message": "m",
        **extra,
    }
    return Finding.model_validate(fields)


@pytest.mark.parametrize("failing", SEVERITIES)
@pytest.mark.parametrize("fail_on", SEVERITIES)
def test_each_threshold(failing: Severity, fail_on: Severity) -> None:
    gate = summarise([_finding(failing), _finding("critical", "pass")], [], fail_on).gate
    blocks = SEVERITIES.index(failing) <= SEVERITIES.index(fail_on)
    assert gate.exit_code == (1 if blocks else 0)
    assert gate.blocking == (1 if blocks else 0)


@pytest.mark.parametrize("fail_on", SEVERITIES)
def test_a_failure_of_an_unmapped_rule_blocks_at_every_threshold(fail_on: Severity) -> None:
    unmapped = _finding(
        "low", control_id=None, unmapped=True, source="cdk-nag", rule_id="AwsSolutions-IAM4"
    )
    gate = summarise([unmapped], [], fail_on).gate
    assert (gate.exit_code, gate.blocking) == (1, 1)
    waived = unmapped.model_copy(update={"status": "waived"})
    assert summarise([waived], [], fail_on).gate.exit_code == 0


def test_waived_failures_never_block() -> None:
    assert summarise([_finding("critical", "waived")], [], "info").gate.exit_code == 0


def test_expired_waiver_fails_below_the_threshold() -> None:
    expired = WaiverState(
        id="W",
        control="TAP-ENC-01",
        resources=["R"],
        environments=["*"],
        justification="j" * 20,
        approver="a",
        expires=date(2020, 1, 1),
        state="expired",
        matched=1,
    )
    gate = summarise([_finding("info")], [expired], "critical").gate
    assert (gate.exit_code, gate.blocking, gate.expired_waivers) == (1, 0, 1)


def test_order_is_total() -> None:
    """Findings equal on target, control, rule, resource and source still sort one way."""
    a = _finding("high", message="PCI.DSS.321-IAMNoInlinePolicy (Policy::a)")
    b = _finding("high", message="PCI.DSS.321-IAMNoInlinePolicy (Policy::b)")
    c = _finding("high", status="pass")
    assert sorted([b, c, a], key=_order) == sorted([a, c, b], key=_order) == [a, b, c]


def test_the_gate_line_says_unmapped_failures_block_at_every_threshold() -> None:
    """A medium failure of a rule no control maps blocks at --fail-on high: the gate line
    counts it apart, never as "at or above high"."""
    from datetime import UTC, datetime

    from rich.console import Console

    from compliance.outputs.summary import print_summary
    from compliance.record.findings import FindingsRecord

    unmapped = _finding(
        "medium", control_id=None, unmapped=True, source="cdk-nag", rule_id="AwsSolutions-L1"
    )
    lines = {}
    for name, findings in {
        "unmapped only": [unmapped],
        "both": [unmapped, _finding("high")],
    }.items():
        record = FindingsRecord(
            generated_at=datetime.now(UTC),
            summary=summarise(findings, [], "high"),
            findings=findings,
            nag_packs=["AwsSolutionsChecks"],
        )
        console = Console(width=200, record=True)
        print_summary(record, console)
        lines[name] = console.export_text().splitlines()
    assert lines["unmapped only"][-1] == (
        "gate failed: 1 blocking failure(s): 1 of cdk-nag rules no control maps (they block at "
        "every --fail-on)"
    )
    assert lines["both"][-1] == (
        "gate failed: 2 blocking failure(s): 1 at or above high, 1 of cdk-nag rules no control "
        "maps (they block at every --fail-on)"
    )
    assert (
        "  AwsSolutions-L1 (unmapped) medium T/R: m; fix: map the rule to a control in "
        "policies/catalog.yaml, or waive it" in lines["unmapped only"]
    )
