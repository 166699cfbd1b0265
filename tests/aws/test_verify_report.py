"""The reports after deploy and verify: the deployment on the cover, static and AWS Config
verdicts side by side per rule, every disagreement flagged, "not tested" never "compliant"."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from compliance.aws.compare import config_findings, disagreements
from compliance.aws.config_rules import DeployedRule, Evaluation
from compliance.outputs.report.render import render
from compliance.record.deployment import DeploymentRecord, GateResult, TemplateSent
from compliance.record.findings import (
    Comparison,
    DeployedTemplate,
    DriftCheck,
    FindingsRecord,
    LiveResource,
    RuntimeCheck,
    RuntimeRule,
)
from compliance.record.load import load_record
from policies.catalog import load_catalog

FIXTURES = Path(__file__).parents[1] / "fixtures" / "records"
WHEN = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)
SHA = "ab" * 32


def _verified() -> FindingsRecord:
    record = load_record(FIXTURES / "tap-sample.json")
    catalog = load_catalog(FIXTURES / "catalog.yaml")
    rule = DeployedRule("RuleKms", "tap-kms-default", "S3_DEFAULT_ENCRYPTION_KMS")
    evaluations = [
        Evaluation(rule, "AWS::S3::Bucket", "data-bucket", "NON_COMPLIANT", WHEN, None),
        Evaluation(rule, "AWS::S3::Bucket", "logs-bucket", "COMPLIANT", WHEN, None),
    ]
    physical = {"DataBucketE3889A50": "data-bucket", "LogsBucket9C4D8843": "logs-bucket"}
    runtime = config_findings(
        evaluations, target="TapStack-dev", physical=physical, catalog=catalog
    )
    check = RuntimeCheck(
        verified_at=WHEN,
        env="dev",
        stack="TapStack-dev",
        account="111111111111",
        region="us-east-1",
        rules=[
            RuntimeRule(
                name="tap-kms-default",
                identifier="S3_DEFAULT_ENCRYPTION_KMS",
                logical_id="RuleKms",
                compliance="NON_COMPLIANT",
                answered_by="x",
            ),
            RuntimeRule(
                name="tap-rotation",
                identifier="CMK_BACKING_KEY_ROTATION_ENABLED",
                logical_id="RuleRotation",
                compliance="NOT_TESTED",
                answered_by="x",
            ),
        ],
        disagreements=disagreements([*record.findings, *runtime]),
        templates=[
            DeployedTemplate(
                stack="TapStack-dev",
                stack_status="UPDATE_COMPLETE",
                sha256="cd" * 32,
                gated_sha256=SHA,
                matches=False,
                message=f"deployed template differs: sha256 {'cd' * 32}, gated {SHA}",
            )
        ],
        live=[
            LiveResource(
                logical_id="DataBucketE3889A50",
                type="AWS::S3::Bucket",
                physical_id="data-bucket",
                state="read",
                apis=["s3:GetBucketEncryption"],
                evidence="live/DataBucketE3889A50.json",
            ),
            LiveResource(
                logical_id="Db",
                type="AWS::RDS::DBCluster",
                state="not-tested",
                note="s3:GetBucketEncryption was denied (AccessDenied)",
            ),
        ],
        drift=DriftCheck(available=False, note="drift not available: not supported"),
        comparisons=[
            Comparison(
                control_id="TAP-ENC-01",
                logical_id="DataBucketE3889A50",
                static="pass",
                live="fail",
                config="fail",
                disagreement="compliant in the template, non-compliant live: an out-of-band change",
            )
        ],
    )
    deployment = DeploymentRecord(
        env="dev",
        stack_name="TapStack-dev",
        account="111111111111",
        region="us-east-1",
        method="change-set",
        stack_id="arn:aws:cloudformation:us-east-1:111111111111:stack/x/1",
        template=TemplateSent(sha256=SHA, bytes=81_000, delivery="s3-url", url="https://s3/x"),
        gate=GateResult(result="passed", exit_code=0, fail_on="high", record="findings.json"),
        started_at=WHEN,
        ended_at=WHEN,
        outcome="created",
    )
    return record.model_copy(
        update={
            "findings": [*record.findings, *runtime],
            "runtime": check,
            "deployment": deployment,
        }
    )


def test_both_disagreements_are_found() -> None:
    check = _verified().runtime
    assert check is not None
    assert [(d.logical_id, d.kind) for d in check.disagreements] == [
        ("DataBucketE3889A50", "drift"),
        ("LogsBucket9C4D8843", "static-stricter"),
    ]


def test_html_shows_deployment_and_runtime_side_by_side() -> None:
    catalog = load_catalog(FIXTURES / "catalog.yaml")
    record = _verified()
    html = render(record, "html", catalog=catalog)
    assert f"SHA-256 {SHA}" in html and "<strong>created</strong>" in html
    kms = html[html.index('id="rule-S3_DEFAULT_ENCRYPTION_KMS"') :]
    kms = kms[: kms.index("</article>")]
    assert "Static / AWS Config" in kms and "NON_COMPLIANT" in kms
    assert "drift or an out-of-band change" in kms and "checks less than the control" in kms
    rotation = html[html.index('id="rule-CMK_BACKING_KEY_ROTATION_ENABLED"') :]
    rotation = rotation[: rotation.index("</article>")]
    assert "not tested" in rotation and "COMPLIANT" not in rotation
    assert render(record, "html", catalog=catalog) == html  # the same record, the same bytes


def test_markdown_lists_static_vs_runtime() -> None:
    md = render(_verified(), "md", catalog=load_catalog(FIXTURES / "catalog.yaml"))
    assert "### Static vs AWS Config" in md
    assert r"| S3\_DEFAULT\_ENCRYPTION\_KMS | fail | NON\_COMPLIANT |" in md
    assert "DataBucketE3889A50: drift" in md and "LogsBucket9C4D8843: static-stricter" in md
    assert r"| CMK\_BACKING\_KEY\_ROTATION\_ENABLED | no static evidence | not tested |" in md
    assert f"template SHA-256 {SHA}" in md


def test_static_live_config_and_drift_side_by_side() -> None:
    catalog = load_catalog(FIXTURES / "catalog.yaml")
    md = render(_verified(), "md", catalog=catalog)
    assert f"- Template: deployed template differs: sha256 {'cd' * 32}, gated {SHA}" in md
    assert (
        "- Live configuration: 1 resource(s) read; per control and resource 0 compliant, "
        "1 non-compliant, 0 waived, 1 resource(s) not tested" in md
    )
    assert "- Drift: drift not available: not supported" in md
    assert (
        "| TAP-ENC-01 | DataBucketE3889A50 | pass | fail | fail | — | compliant in the "
        "template, non-compliant live: an out-of-band change |" in md
    )
    html = render(_verified(), "html", catalog=catalog)
    assert "Static vs runtime, per control and resource" in html
    assert '1 resource(s) <span class="badge roc-not-tested">not tested</span>' in html
    assert "drift not available: not supported" in html


def test_the_verified_record_round_trips(tmp_path: Path) -> None:
    path = tmp_path / "findings.json"
    path.write_text(_verified().to_json())
    assert load_record(path) == _verified()
