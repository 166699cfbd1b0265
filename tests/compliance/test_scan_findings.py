"""One checkov pass over a YAML template: passes, failures and fail-closed UNKNOWN results."""

from __future__ import annotations

from compliance.record.findings import Finding, FindingsRecord
from policies.catalog import Catalog
from tests.policies.policy_testdata import SMALL_PLATFORM


def _outcomes(record: FindingsRecord, rule_id: str) -> dict[str, str]:
    return {
        f.resource.logical_id: ("unknown" if f.unknown else f.status)
        for f in record.findings
        if f.rule_id == rule_id
    }


def test_builtin_checks_judge_each_resource(small_record: FindingsRecord) -> None:
    assert _outcomes(small_record, "CKV_AWS_53") == {"DataBucket": "fail", "LogBucket": "pass"}
    assert _outcomes(small_record, "CKV_AWS_18") == {"DataBucket": "pass", "LogBucket": "fail"}
    assert _outcomes(small_record, "CKV_AWS_7") == {"DataKey": "pass"}


def test_our_check_unknown_fails_closed(small_record: FindingsRecord) -> None:
    outcomes = _outcomes(small_record, "CKV_TAPTEST_1")
    assert outcomes == {"RegionalRole": "pass", "HelperRole": "fail", "ConditionalRole": "unknown"}
    unknown = next(f for f in small_record.findings if f.unknown)
    assert unknown.status == "fail"
    assert "could not be verified" in unknown.message
    assert small_record.summary.unknown == 1


def test_findings_carry_catalogue_mappings(
    small_record: FindingsRecord, test_catalog: Catalog
) -> None:
    for finding in small_record.findings:
        control = test_catalog.control_for_rule(finding.rule_id)
        assert control is not None, finding.rule_id
        assert finding.control_id == control.id
        assert finding.severity == control.severity
        assert finding.config_rules == control.config_rules
        assert finding.pci_dss.v4_0_1 == control.pci_dss.v4_0_1
        assert finding.pci_dss.v3_2_1 == control.pci_dss.v3_2_1


def test_locations_point_at_the_template_lines(small_record: FindingsRecord) -> None:
    lines = SMALL_PLATFORM.read_text().splitlines()
    finding: Finding = next(f for f in small_record.findings if f.rule_id == "CKV_AWS_7")
    assert finding.location is not None
    assert finding.location.file.endswith("small-platform.yaml")
    assert finding.location.start_line is not None
    assert lines[finding.location.start_line - 1].strip() == "DataKey:"


def test_target_and_gate(small_record: FindingsRecord) -> None:
    (target,) = small_record.targets
    assert target.template.endswith("small-platform.yaml")
    assert target.env is None
    gate = small_record.summary.gate
    # DataBucket's public-access block (critical), LogBucket's logging and two roles (high).
    assert gate.result == "failed"
    assert gate.blocking == 4 + 1 + 2
    assert small_record.summary.by_status["pass"] > 0
