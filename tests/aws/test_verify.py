"""verify: AWS Config verdicts (Stubber: moto answers every compliance read with HTTP 500),
disagreements both ways, a rule deleted out of band, --wait, drift."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.stub import Stubber

from compliance.aws.compare import config_findings, disagreements
from compliance.aws.config_rules import (
    DeployedRule,
    deployed_rules,
    read_compliance,
    wait_for_evaluations,
)
from compliance.aws.deployed_template import check_templates
from compliance.aws.drift import detect_drift
from compliance.aws.live.body import live_body
from compliance.aws.live.judge import judge_live, judged_types
from compliance.aws.options import VerifyOptions
from compliance.aws.session import AwsSession
from compliance.aws.verify import _print_config, _verified
from compliance.record.findings import Comparison, Finding, Resource, RuntimeCheck, RuntimeRule
from policies.catalog import default_catalog
from policies.cfn.template import load_template
from policies.context import Context
from scripts.local_aws import LocalAws
from tests.aws.conftest import ACCOUNT, REGION

WHEN = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)
RULES = [
    DeployedRule("RuleTls", "tls-only", "S3_BUCKET_SSL_REQUESTS_ONLY"),
    DeployedRule("RuleKms", "kms-default", "S3_DEFAULT_ENCRYPTION_KMS"),
    DeployedRule("RuleRotation", "key-rotation", "CMK_BACKING_KEY_ROTATION_ENABLED"),
    DeployedRule("RuleGone", "gone", "RDS_STORAGE_ENCRYPTED"),
]


def _result(rule: str, kind: str, resource: str, compliance: str) -> dict[str, Any]:
    return {
        "EvaluationResultIdentifier": {
            "EvaluationResultQualifier": {
                "ConfigRuleName": rule,
                "ResourceType": kind,
                "ResourceId": resource,
            },
        },
        "ComplianceType": compliance,
        "ResultRecordedTime": WHEN,
    }


def _stubbed_reads(stub: Stubber) -> None:
    for rule in RULES[:3]:
        stub.add_response(
            "describe_config_rules",
            {"ConfigRules": [{"ConfigRuleName": rule.name, "Source": {"Owner": "AWS"}}]},
            {"ConfigRuleNames": [rule.name]},
        )
    stub.add_client_error(
        "describe_config_rules",
        "NoSuchConfigRuleException",
        "no rule gone",
        400,
        expected_params={"ConfigRuleNames": ["gone"]},
    )
    names = ["tls-only", "kms-default", "key-rotation"]
    stub.add_response(
        "describe_compliance_by_config_rule",
        {
            "ComplianceByConfigRules": [
                {"ConfigRuleName": "tls-only", "Compliance": {"ComplianceType": "COMPLIANT"}},
                {
                    "ConfigRuleName": "kms-default",
                    "Compliance": {"ComplianceType": "NON_COMPLIANT"},
                },
            ],
            "NextToken": "page-2",
        },
        {"ConfigRuleNames": names},
    )
    stub.add_response(
        "describe_compliance_by_config_rule",
        {
            "ComplianceByConfigRules": [
                {
                    "ConfigRuleName": "key-rotation",
                    "Compliance": {"ComplianceType": "INSUFFICIENT_DATA"},
                },
            ]
        },
        {"ConfigRuleNames": names, "NextToken": "page-2"},
    )
    kinds = ["COMPLIANT", "NON_COMPLIANT"]
    stub.add_response(
        "get_compliance_details_by_config_rule",
        {
            "EvaluationResults": [_result("tls-only", "AWS::S3::Bucket", "data-a", "COMPLIANT")],
            "NextToken": "more",
        },
        {"ConfigRuleName": "tls-only", "ComplianceTypes": kinds},
    )
    stub.add_response(
        "get_compliance_details_by_config_rule",
        {"EvaluationResults": [_result("tls-only", "AWS::S3::Bucket", "data-b", "COMPLIANT")]},
        {"ConfigRuleName": "tls-only", "ComplianceTypes": kinds, "NextToken": "more"},
    )
    stub.add_response(
        "get_compliance_details_by_config_rule",
        {
            "EvaluationResults": [
                _result("kms-default", "AWS::S3::Bucket", "data-a", "COMPLIANT"),
                _result("kms-default", "AWS::S3::Bucket", "data-b", "NON_COMPLIANT"),
            ]
        },
        {"ConfigRuleName": "kms-default", "ComplianceTypes": kinds},
    )
    stub.add_response(
        "get_compliance_details_by_config_rule",
        {"EvaluationResults": []},
        {"ConfigRuleName": "key-rotation", "ComplianceTypes": kinds},
    )


def test_config_verdicts_every_page_and_not_tested() -> None:
    config = boto3.client("config", region_name=REGION)
    with Stubber(config) as stub:
        _stubbed_reads(stub)
        rules, evaluations = read_compliance(config, RULES)
        stub.assert_no_pending_responses()
    assert [(r.name, r.compliance) for r in rules] == [
        ("tls-only", "COMPLIANT"),
        ("kms-default", "NON_COMPLIANT"),
        ("key-rotation", "NOT_TESTED"),  # evaluated by nobody yet: never "compliant"
        ("gone", "MISSING"),  # the stack created it, AWS Config lacks it: a failure
    ]
    assert rules[3].note and "deleted out of band" in rules[3].note
    assert [(e.rule.name, e.resource_id, e.compliance) for e in evaluations] == [
        ("tls-only", "data-a", "COMPLIANT"),
        ("tls-only", "data-b", "COMPLIANT"),  # the second page
        ("kms-default", "data-a", "COMPLIANT"),
        ("kms-default", "data-b", "NON_COMPLIANT"),
    ]


def _static(logical_id: str, rule: str, status: str, unknown: bool = False) -> Finding:
    return Finding(
        control_id="TAP-ENC-01",
        title="S3 bucket default encryption uses a customer-managed KMS key",
        severity="high",
        status=status,
        source="checkov",
        rule_id="CKV_TAP_1",
        target="TapStack-dev",
        resource=Resource(logical_id=logical_id, type="AWS::S3::Bucket"),
        config_rules=[rule],
        message="static",
        unknown=unknown,
    )


def test_each_disagreement_is_flagged_both_ways() -> None:
    config = boto3.client("config", region_name=REGION)
    with Stubber(config) as stub:
        _stubbed_reads(stub)
        _, evaluations = read_compliance(config, RULES)
    physical = {"DataA": "data-a", "DataB": "data-b"}
    runtime = config_findings(
        evaluations, target="TapStack-dev", physical=physical, catalog=default_catalog()
    )
    assert {(f.resource.logical_id, f.rule_id, f.status, f.source) for f in runtime} == {
        ("DataA", "S3_BUCKET_SSL_REQUESTS_ONLY", "pass", "aws-config"),
        ("DataB", "S3_BUCKET_SSL_REQUESTS_ONLY", "pass", "aws-config"),
        ("DataA", "S3_DEFAULT_ENCRYPTION_KMS", "pass", "aws-config"),
        ("DataB", "S3_DEFAULT_ENCRYPTION_KMS", "fail", "aws-config"),
    }
    assert {f.control_id for f in runtime} == {"TAP-TLS-01", "TAP-ENC-01"}
    static = [
        _static("DataA", "S3_DEFAULT_ENCRYPTION_KMS", "fail"),  # static fail, runtime compliant
        _static("DataB", "S3_DEFAULT_ENCRYPTION_KMS", "pass"),  # static pass, runtime violation
        _static("DataA", "S3_BUCKET_SSL_REQUESTS_ONLY", "pass"),  # agree
        _static(
            "DataB", "S3_BUCKET_SSL_REQUESTS_ONLY", "pass", unknown=True
        ),  # unknown: not a pass
    ]
    found = disagreements([*static, *runtime])
    assert [(d.logical_id, d.config_rule, d.kind) for d in found] == [
        ("DataB", "S3_BUCKET_SSL_REQUESTS_ONLY", "static-stricter"),
        ("DataA", "S3_DEFAULT_ENCRYPTION_KMS", "static-stricter"),
        ("DataB", "S3_DEFAULT_ENCRYPTION_KMS", "drift"),
    ]
    assert "drift or an out-of-band change" in found[2].message


def test_rules_are_named_as_the_stack_created_them() -> None:
    template = {
        "Resources": {
            "Named": {
                "Type": "AWS::Config::ConfigRule",
                "Properties": {
                    "ConfigRuleName": "declared",
                    "Source": {"Owner": "AWS", "SourceIdentifier": "A_RULE"},
                },
            },
            "Generated": {
                "Type": "AWS::Config::ConfigRule",
                "Properties": {"Source": {"Owner": "AWS", "SourceIdentifier": "B_RULE"}},
            },
            "Other": {"Type": "AWS::S3::Bucket"},
        }
    }
    rules = deployed_rules(template, {"Generated": "TapStack-dev-Generated-1A2B"})
    assert rules == [
        DeployedRule("Generated", "TapStack-dev-Generated-1A2B", "B_RULE"),
        DeployedRule("Named", "declared", "A_RULE"),
    ]


def test_the_gate_and_verify_name_a_config_rule_alike(tmp_path: Path) -> None:
    rule = "AWS::Config::ConfigRule"
    template = {
        "Resources": {
            "Managed": {
                "Type": rule,
                "Properties": {"Source": {"Owner": "AWS", "SourceIdentifier": "A_RULE"}},
            },
            "Guard": {
                "Type": rule,
                "Properties": {"ConfigRuleName": "tap-guard", "Source": {"Owner": "CUSTOM_POLICY"}},
            },
            "Unnamed": {
                "Type": rule,
                "Properties": {
                    "ConfigRuleName": {"Fn::Sub": "${AWS::StackName}-guard"},
                    "Source": {"Owner": "CUSTOM_POLICY"},
                },
            },
        }
    }
    path = tmp_path / "template.json"
    path.write_text(json.dumps(template), encoding="utf-8")
    assert load_template(path).config_rules() == ["A_RULE", "tap-guard"]
    identifiers = [r.identifier for r in deployed_rules(template, {})]
    assert identifiers == ["tap-guard", "A_RULE", "Unnamed"]  # by logical id; else the id


def test_verify_needs_the_evidence_folder(
    tmp_path: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    from compliance.cli import main

    assert main(["verify", "--env", "dev", "--out", str(tmp_path)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "no findings record: run `tap-compliance deploy` first" in err[0]


def test_a_rule_the_stack_did_not_create_is_not_tested_one_it_did_is_missing() -> None:
    config = boto3.client("config", region_name=REGION)
    rules = [RULES[3], DeployedRule("RuleNever", "never-made", "RDS_STORAGE_ENCRYPTED")]
    with Stubber(config) as stub:
        for name in ("gone", "never-made"):
            stub.add_client_error(
                "describe_config_rules",
                "NoSuchConfigRuleException",
                "no rule",
                400,
                expected_params={"ConfigRuleNames": [name]},
            )
        verdicts, _ = read_compliance(config, rules, created={"RuleGone"})
        stub.assert_no_pending_responses()
    assert [(r.name, r.compliance) for r in verdicts] == [
        ("gone", "MISSING"),
        ("never-made", "NOT_TESTED"),
    ]


def test_wait_starts_the_evaluations_and_waits_for_newer_verdicts() -> None:
    config = boto3.client("config", region_name=REGION)
    names = [f"rule-{n:02}" for n in range(27)]  # two StartConfigRulesEvaluation calls
    rules = [DeployedRule(f"R{n}", n, "S3_BUCKET_SSL_REQUESTS_ONLY") for n in names]
    older, newer = datetime(2026, 11, 30, 11, 0, tzinfo=UTC), datetime(2026, 11, 30, 13, tzinfo=UTC)
    slept: list[float] = []
    with Stubber(config) as stub:
        stub.add_response("start_config_rules_evaluation", {}, {"ConfigRuleNames": names[:25]})
        stub.add_response("start_config_rules_evaluation", {}, {"ConfigRuleNames": names[25:]})
        status = [
            {
                "ConfigRuleName": n,
                "LastSuccessfulEvaluationTime": older if n == "rule-03" else newer,
            }
            for n in names
        ]
        stub.add_response(
            "describe_config_rule_evaluation_status",
            {"ConfigRulesEvaluationStatus": status},
            {"ConfigRuleNames": names},
        )
        stub.add_response(  # rule-03 was evaluated before the deployment only: asked again
            "describe_config_rule_evaluation_status",
            {"ConfigRulesEvaluationStatus": [{**status[3], "LastSuccessfulEvaluationTime": newer}]},
            {"ConfigRuleNames": ["rule-03"]},
        )
        pending = wait_for_evaluations(
            config, rules, newer_than=WHEN, timeout=60, poll=0.5, sleep=slept.append
        )
        stub.assert_no_pending_responses()
    assert pending == [] and slept == [0.5]
    with Stubber(config) as stub:  # the deadline passed: the rules still waited for
        stub.add_response("start_config_rules_evaluation", {}, {"ConfigRuleNames": ["rule-03"]})
        stub.add_response(
            "describe_config_rule_evaluation_status",
            {"ConfigRulesEvaluationStatus": [status[3]]},
            {"ConfigRuleNames": ["rule-03"]},
        )
        pending = wait_for_evaluations(config, rules[3:4], newer_than=WHEN, timeout=0)
    assert pending == ["rule-03"]


def test_drift_detected_each_drifted_resource_named() -> None:
    cloudformation = boto3.client("cloudformation", region_name=REGION)
    with Stubber(cloudformation) as stub:
        stub.add_response(
            "detect_stack_drift", {"StackDriftDetectionId": "d-1"}, {"StackName": "TapStack-dev"}
        )
        running = {
            "StackId": "arn:aws:cloudformation:us-east-1:111111111111:stack/TapStack-dev/1",
            "StackDriftDetectionId": "d-1",
            "DetectionStatus": "DETECTION_IN_PROGRESS",
            "Timestamp": WHEN,
        }
        stub.add_response(
            "describe_stack_drift_detection_status", running, {"StackDriftDetectionId": "d-1"}
        )
        done = {**running, "DetectionStatus": "DETECTION_COMPLETE", "StackDriftStatus": "DRIFTED"}
        stub.add_response(
            "describe_stack_drift_detection_status", done, {"StackDriftDetectionId": "d-1"}
        )
        stub.add_response(
            "describe_stack_resource_drifts",
            {
                "StackResourceDrifts": [
                    {
                        "StackId": running["StackId"],
                        "LogicalResourceId": "BucketsIngestionBucket070AAFA1",
                        "ResourceType": "AWS::S3::Bucket",
                        "StackResourceDriftStatus": "MODIFIED",
                        "Timestamp": WHEN,
                        "PropertyDifferences": [
                            {
                                "PropertyPath": "/BucketEncryption",
                                "ExpectedValue": "a",
                                "ActualValue": "b",
                                "DifferenceType": "NOT_EQUAL",
                            }
                        ],
                    }
                ]
            },
            {
                "StackName": "TapStack-dev",
                "StackResourceDriftStatusFilters": ["MODIFIED", "DELETED"],
            },
        )
        found = detect_drift(
            cloudformation, "TapStack-dev", timeout=10, poll=0, sleep=lambda _: None
        )
        stub.assert_no_pending_responses()
    assert found.available and found.status == "DRIFTED"
    assert [(d.logical_id, d.status, d.differences) for d in found.drifted] == [
        ("BucketsIngestionBucket070AAFA1", "MODIFIED", ["/BucketEncryption: NOT_EQUAL"])
    ]


def test_drift_the_endpoint_cannot_detect_is_not_available_never_no_drift() -> None:
    cloudformation = boto3.client("cloudformation", region_name=REGION)
    with Stubber(cloudformation) as stub:
        stub.add_client_error(
            "detect_stack_drift", "ValidationError", "Drift detection is not supported", 400
        )
        found = detect_drift(cloudformation, "TapStack-dev")
    assert not found.available and found.status is None and not found.drifted
    assert found.note and found.note.startswith("drift not available: DetectStackDrift")


def test_verify_options_are_declared_once_as_fields() -> None:
    from compliance.cli.commands import _aws_options
    from compliance.cli.parser import build_parser
    from compliance.environments import resolve_environments

    args = build_parser(None).parse_args(
        ["verify", "--env", "dev", "--wait", "30", "--allow-untested"]
    )
    options = _aws_options(VerifyOptions, args, resolve_environments("dev")[0])
    assert (options.wait, options.allow_untested, options.drift_timeout) == (30.0, True, 120.0)
    defaults = build_parser(None).parse_args(["verify", "--env", "dev"])
    assert (defaults.wait, defaults.allow_untested) == (0.0, False)


def _check(**fields: Any) -> RuntimeCheck:
    return RuntimeCheck(
        verified_at=WHEN, env="dev", stack="TapStack-dev", account=ACCOUNT, region=REGION, **fields
    )


def test_nothing_verified_when_every_control_is_not_tested() -> None:
    untested = Comparison(
        control_id="TAP-ENC-01", logical_id="Data", static="pass", live="not tested: denied"
    )
    nothing = Comparison(control_id="TAP-ENC-01", logical_id="Data", static="pass")
    rule = RuntimeRule(
        name="r", identifier="R", logical_id="R", compliance="NOT_TESTED", answered_by="x"
    )
    assert not _verified(_check(comparisons=[untested, nothing], rules=[rule]))
    judged = Comparison(control_id="TAP-ENC-01", logical_id="Data", static="pass", live="pass")
    assert _verified(_check(comparisons=[judged]))
    decided = rule.model_copy(update={"compliance": "MISSING"})
    assert _verified(_check(rules=[decided]))


def test_keys_outside_the_stack_are_judged_as_kms_describes_them(
    local_aws: LocalAws, tmp_path: Path
) -> None:
    """A customer-managed key from elsewhere passes TAP-ENC-01 live, an AWS-managed one fails,
    SSE-S3 fails: the same check, on what the account says."""
    local_aws.reset()
    s3 = local_aws.client("s3", ACCOUNT, REGION)
    key = local_aws.client("kms", ACCOUNT, REGION).create_key()["KeyMetadata"]["Arn"]
    buckets = {
        "Imported": ("imported-key-bucket", {"SSEAlgorithm": "aws:kms", "KMSMasterKeyID": key}),
        "AwsManaged": (
            "aws-managed-bucket",
            {"SSEAlgorithm": "aws:kms", "KMSMasterKeyID": "alias/aws/s3"},
        ),
        "S3Managed": ("s3-managed-bucket", {"SSEAlgorithm": "AES256"}),
    }
    for name, rule in buckets.values():
        s3.create_bucket(Bucket=name)
        s3.put_bucket_encryption(
            Bucket=name,
            ServerSideEncryptionConfiguration={
                "Rules": [{"ApplyServerSideEncryptionByDefault": rule}]
            },
        )
    session = AwsSession.open(profile=None, region=REGION, endpoint_url=local_aws.endpoint_url)
    reader = session.assume(f"arn:aws:iam::{ACCOUNT}:role/cdk-hnb659fds-lookup-role")
    deployed: dict[str, Any] = {"Resources": {b: {"Type": "AWS::S3::Bucket"} for b in buckets}}
    deployed["Resources"]["Foreign"] = {
        "Type": "AWS::S3::BucketPolicy",
        "Properties": {"Bucket": "someone-elses-bucket", "PolicyDocument": {}},
    }
    physical = {logical_id: name for logical_id, (name, _) in buckets.items()}
    live = live_body(reader, deployed, physical, judged_types())
    assert live.customer_keys == (key,)
    findings, resources = judge_live(
        live,
        out=tmp_path,
        target="TapStack-dev",
        context=Context(),
        static=[],
        catalog=default_catalog(),
    )
    verdicts = {
        f.resource.logical_id: (f.status, f.message.split(": failed ")[-1])
        for f in findings
        if f.control_id == "TAP-ENC-01"
    }
    assert verdicts == {
        "Imported": (
            "pass",
            "TAP-ENC-01: S3 bucket default encryption uses a customer-managed KMS key: passed "
            "(SSE-KMS with a customer-managed key)",
        ),
        "AwsManaged": ("fail", "(KMSMasterKeyID is an AWS-managed key (alias/aws/s3))"),
        "S3Managed": ("fail", "(SSEAlgorithm AES256 is not a KMS key)"),
    }
    imported = next(r for r in resources if r.logical_id == "Imported")
    assert imported.apis == [
        "s3:GetBucketEncryption",
        "kms:DescribeKey",
        "s3:GetPublicAccessBlock",
        "s3:GetBucketAcl",
        "s3:GetBucketPolicy",
    ]
    assert (tmp_path / "live" / "Imported.json").is_file()
    foreign = next(r for r in resources if r.logical_id == "Foreign")
    assert (foreign.state, foreign.note) == (
        "not-tested",
        "read with the AWS::S3::Bucket it names, which is not of this stack",
    )


def _described(name: str, status: str) -> dict[str, Any]:
    return {
        "Stacks": [
            {
                "StackName": name,
                "StackId": f"arn:aws:cloudformation:us-east-1:{ACCOUNT}:stack/{name}/1",
                "CreationTime": WHEN,
                "StackStatus": status,
            }
        ]
    }


def test_the_deployed_templates_are_hashed_against_the_gated_ones() -> None:
    """The stack runs the gated bytes; its nested stack runs other bytes and is rolled back."""
    body, other = '{"Resources": {}}\n', '{"Resources": {"X": {}}}\n'
    gated = hashlib.sha256(body.encode()).hexdigest()
    nested_arn = f"arn:aws:cloudformation:us-east-1:{ACCOUNT}:stack/TapStack-dev-Nested/2"
    cloudformation = boto3.client("cloudformation", region_name=REGION)
    with Stubber(cloudformation) as stub:
        for stack, status, text in (
            ("TapStack-dev", "UPDATE_COMPLETE", body),
            (nested_arn, "UPDATE_ROLLBACK_COMPLETE", other),
        ):
            stub.add_response("describe_stacks", _described(stack, status), {"StackName": stack})
            stub.add_response(
                "get_template",
                {"TemplateBody": text},
                {"StackName": stack, "TemplateStage": "Processed"},
            )
        checks = check_templates(
            cloudformation, "TapStack-dev", "TapStack-dev", gated, {"Nested": (nested_arn, gated)}
        )
        stub.assert_no_pending_responses()
    assert [(c.stack, c.matches) for c in checks] == [
        ("TapStack-dev", True),
        ("TapStack-dev/Nested", False),
    ]
    assert checks[0].message == f"deployed template is the gated one (sha256 {gated})"
    assert checks[1].message == (
        f"deployed template differs: sha256 {hashlib.sha256(other.encode()).hexdigest()}, "
        f"gated {gated}; the stack is UPDATE_ROLLBACK_COMPLETE, not in a complete state"
    )


def test_volumes_and_launch_templates_are_read_as_they_run(
    local_aws: LocalAws, tmp_path: Path
) -> None:
    """TAP-ENC-04 on an EBS volume and a launch template, from ec2's own answers."""
    local_aws.reset()
    ec2 = local_aws.client("ec2", ACCOUNT, REGION)
    zone = f"{REGION}a"
    plain = ec2.create_volume(AvailabilityZone=zone, Size=8)["VolumeId"]
    sealed = ec2.create_volume(AvailabilityZone=zone, Size=8, Encrypted=True)["VolumeId"]
    device = {"DeviceName": "/dev/xvda", "Ebs": {"VolumeSize": 8, "Encrypted": True}}
    template = ec2.create_launch_template(
        LaunchTemplateName="sealed", LaunchTemplateData={"BlockDeviceMappings": [device]}
    )["LaunchTemplate"]["LaunchTemplateId"]
    session = AwsSession.open(profile=None, region=REGION, endpoint_url=local_aws.endpoint_url)
    reader = session.assume(f"arn:aws:iam::{ACCOUNT}:role/cdk-hnb659fds-lookup-role")
    deployed = {
        "Resources": {
            "Plain": {"Type": "AWS::EC2::Volume"},
            "Sealed": {"Type": "AWS::EC2::Volume"},
            "Launch": {"Type": "AWS::EC2::LaunchTemplate"},
        }
    }
    physical = {"Plain": plain, "Sealed": sealed, "Launch": template}
    live = live_body(reader, deployed, physical, judged_types())
    findings, _ = judge_live(
        live,
        out=tmp_path,
        target="TapStack-dev",
        context=Context(),
        static=[],
        catalog=default_catalog(),
    )
    assert {
        (f.resource.logical_id, f.status) for f in findings if f.control_id == "TAP-ENC-04"
    } == {("Plain", "fail"), ("Sealed", "pass"), ("Launch", "pass")}


def test_off_a_terminal_the_config_rules_table_shows_every_name_whole() -> None:
    """A CI log 80 columns wide: rule names that differ only near their end read whole, with
    their identifiers and notes, never cut short."""
    import io

    from rich.console import Console

    from compliance.gate.threshold import summarise
    from compliance.record.findings import FindingsRecord

    identifiers = ["API_GW_CACHE_ENABLED_AND_ENCRYPTED", "API_GW_EXECUTION_LOGGING_ENABLED"]
    rules = [
        RuntimeRule(
            name=f"GovernanceApiGwCacheEnabledAndEncryptedRule{n:08X}",
            identifier=identifiers[n % 2],
            logical_id=f"Rule{n}",
            compliance="NOT_TESTED",
            answered_by="config:DescribeComplianceByConfigRule",
            note="no such rule in AWS Config, and the stack lists no such resource",
        )
        for n in range(6)
    ]
    record = FindingsRecord(generated_at=WHEN, summary=summarise([], [], "high"))
    buffer = io.StringIO()
    console = Console(file=buffer, width=80, force_terminal=False, color_system=None)
    _print_config(console, record, _check(rules=rules))
    text = buffer.getvalue()
    assert "…" not in text
    cells = [[c.strip() for c in line.split("│")[1:-1]] for line in text.splitlines()]
    rows = [row for row in cells if row and row[0].startswith("Governance")]
    assert [(r[0], r[1], r[4]) for r in rows] == [(r.name, r.identifier, r.note) for r in rules]
