"""cdk-nag violations → findings: failures by construct path, derived passes, nothing dropped."""

from __future__ import annotations

from pathlib import Path

import pytest
from engine_testdata import SMALL_PLATFORM

from compliance.assembly import Stack
from compliance.errors import InputError
from compliance.findings import ScannedTemplate, from_nag
from compliance.nag import REPORT, NagViolation, read_violations
from policies.catalog import Catalog
from policies.cfn.template import load_template

LOGGING = "PCI.DSS.321-S3BucketLoggingEnabled"


def _scanned() -> ScannedTemplate:
    stack = Stack(
        artifact_id="Small",
        stack_name="Small",
        template=SMALL_PLATFORM,
        account=None,
        region=None,
        logical_ids={"Small/Logs/Resource": "LogBucket", "Small/Data/Resource": "DataBucket"},
    )
    return ScannedTemplate("Small", load_template(SMALL_PLATFORM), "small.yaml", stack)


def _violation(rule_id: str, path: str) -> NagViolation:
    return NagViolation(rule_id, None, "broken", "error", path)


def test_violations_fail_and_other_resources_pass(test_catalog: Catalog) -> None:
    findings = from_nag([_violation(LOGGING, "Small/Logs/Resource")], _scanned(), test_catalog)
    logging = {f.resource.logical_id: f for f in findings if f.rule_id == LOGGING}
    assert logging["LogBucket"].status == "fail"
    assert logging["LogBucket"].resource.construct_path == "Small/Logs/Resource"
    assert logging["DataBucket"].status == "pass"
    assert logging["DataBucket"].control_id == "TAP-LOG-01"
    assert "reported no violation" in logging["DataBucket"].message


def test_unmapped_and_unresolved_violations_are_kept(test_catalog: Catalog) -> None:
    violations = [
        _violation("PCI.DSS.321-S3BucketReplicationEnabled", "Small/Data/Resource"),
        _violation(LOGGING, "Small/Unknown/Resource"),
        _violation(LOGGING, "Other/Logs/Resource"),
    ]
    findings = [f for f in from_nag(violations, _scanned(), test_catalog) if f.status == "fail"]
    unmapped = next(f for f in findings if f.unmapped)
    assert (unmapped.control_id, unmapped.severity) == (None, "medium")
    assert {f.resource.logical_id for f in findings} == {"DataBucket", "Small/Unknown/Resource"}


def test_a_missing_report_is_an_error_not_a_clean_run(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="validation report was not written"):
        read_violations(tmp_path)


def test_a_clean_report_has_no_violations(tmp_path: Path) -> None:
    (tmp_path / REPORT).write_text('{"title": "Validation Report", "pluginReports": []}')
    assert read_violations(tmp_path) == []
