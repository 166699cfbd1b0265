"""cdk-nag violations → findings: failures by construct path, derived passes, nothing dropped."""

from __future__ import annotations

from pathlib import Path

import pytest

from compliance.errors import InputError
from compliance.judging.results import ScannedTemplate, from_nag
from compliance.synthesis.assembly import Stack
from compliance.synthesis.nag import ATTACHED, REPORT, NagViolation, read_violations
from policies.catalog import Catalog
from policies.cfn.template import load_template
from policies.nag_packs import RuleMap, default_nag_packs
from tests.policies.policy_testdata import SMALL_PLATFORM

LOGGING = "PCI.DSS.321-S3BucketLoggingEnabled"


def _scanned() -> ScannedTemplate:
    stack = Stack(
        artifact_id="Small",
        stack_name="Small",
        template=SMALL_PLATFORM,
        account=None,
        region=None,
        logical_ids={"Small/Logs/Resource": "LogBucket", "Small/Data/Resource": "DataBucket"},
        construct_path="Small",
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
        read_violations(tmp_path, ["PCI.DSS.321"])


def test_a_clean_report_has_no_violations(tmp_path: Path) -> None:
    (tmp_path / REPORT).write_text('{"title": "Validation Report", "pluginReports": []}')
    (tmp_path / ATTACHED).write_text('{"packs": ["PCI.DSS.321"]}')
    assert read_violations(tmp_path, ["PCI.DSS.321"]) == []


@pytest.mark.parametrize(
    ("note", "problem"),
    [
        (None, "no note of the cdk-nag packs that ran"),
        ("{", "no note of the cdk-nag packs that ran"),
        ('{"packs": ["PCI.DSS.321"]}', "cdk-nag pack AwsSolutions did not run"),
    ],
)
def test_a_selected_pack_that_did_not_run_is_an_error(
    tmp_path: Path, note: str | None, problem: str
) -> None:
    (tmp_path / REPORT).write_text('{"pluginReports": []}')
    if note is not None:
        (tmp_path / ATTACHED).write_text(note)
    with pytest.raises(InputError, match=problem):
        read_violations(tmp_path, ["PCI.DSS.321", "AwsSolutions"])


def test_only_the_selected_packs_are_read(tmp_path: Path) -> None:
    def plugin(name: str, rule: str) -> str:
        return (
            f'{{"pluginName": "{name}", "violations": [{{"ruleName": "{rule}", '
            '"description": "d", "violatingConstructs": [{"constructPath": "/S/R"}]}]}'
        )

    (tmp_path / REPORT).write_text(
        '{"pluginReports": ['
        + ", ".join(
            [
                plugin("PCI.DSS.321", "PCI.DSS.321-S3BucketLoggingEnabled"),
                plugin("AwsSolutions", "AwsSolutions-S1"),
                plugin("CloudFormation Validate", "x"),
            ]
        )
        + "]}"
    )
    (tmp_path / ATTACHED).write_text('{"packs": ["PCI.DSS.321", "AwsSolutions"]}')
    assert [v.rule_id for v in read_violations(tmp_path, ["AwsSolutions"])] == ["AwsSolutions-S1"]


def test_another_packs_rules_map_through_their_rule_function(test_catalog: Catalog) -> None:
    """With NIST 800-53 r5 and AWS Solutions selected: a rule running the same rule function
    as a catalogued PCI DSS rule serves its control (violations and derived passes); a rule
    no control maps is unmapped, and no PCI DSS rule is judged."""
    rules = RuleMap(test_catalog, default_nag_packs(), ["NIST80053R5Checks", "AwsSolutionsChecks"])
    violations = [
        _violation("NIST.800.53.R5-S3BucketLoggingEnabled", "Small/Logs/Resource"),
        _violation("AwsSolutions-IAM4", "Small/Data/Resource"),
    ]
    findings = from_nag(violations, _scanned(), test_catalog, rules)
    nist = {
        f.resource.logical_id: f
        for f in findings
        if f.rule_id == "NIST.800.53.R5-S3BucketLoggingEnabled"
    }
    assert (nist["LogBucket"].status, nist["LogBucket"].control_id) == ("fail", "TAP-LOG-01")
    assert (nist["DataBucket"].status, nist["DataBucket"].control_id) == ("pass", "TAP-LOG-01")
    # AwsSolutions-S1 runs the same function: a derived pass on both buckets
    assert {f.status for f in findings if f.rule_id == "AwsSolutions-S1"} == {"pass"}
    (iam,) = [f for f in findings if f.rule_id == "AwsSolutions-IAM4"]
    assert (iam.unmapped, iam.control_id, iam.status) == (True, None, "fail")
    assert not [f for f in findings if f.rule_id.startswith("PCI.DSS.321-")]


def test_an_acknowledgment_of_another_packs_rule_names_its_control(test_catalog: Catalog) -> None:
    """A NIST 800-53 acknowledgment in the template (``cdk_nag: rules_to_suppress``) is shown on
    the findings of the control its rule serves, whatever tool judged them."""
    from compliance.judging.suppressions import attach
    from compliance.record.findings import Finding, Resource, Suppression

    finding = Finding.model_validate(
        {
            "control_id": "TAP-LOG-01",
            "title": "t",
            "severity": "high",
            "status": "fail",
            "source": "checkov",
            "rule_id": "CKV_AWS_18",
            "target": "Small",
            "resource": Resource(logical_id="DataBucket", type="AWS::S3::Bucket"),
            "message": "m",
        }
    )
    written = {
        "Small": {
            "DataBucket": [
                Suppression(
                    tool="cdk-nag", rule_id="NIST.800.53.R5-S3BucketLoggingEnabled", comment="c"
                )
            ]
        }
    }
    (shown,) = attach([finding], written, test_catalog)
    assert [s.rule_id for s in shown.suppressions] == ["NIST.800.53.R5-S3BucketLoggingEnabled"]
    assert shown.status == "fail"  # shown, never obeyed
