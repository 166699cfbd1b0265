"""Nothing is judged silently away: undeclared names, decided conditions, in-template
suppressions (the bucket policies of undeclared buckets: tests/fixtures/policies; the
references read: tests/policies/test_references.py)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from compliance.cli import main
from tests.compliance.engine_testdata import ROOT

SCAN = ROOT / "tests" / "fixtures" / "scan"
_EMPTY_WAIVERS = "waivers: []\n"


@pytest.fixture(autouse=True)
def _at_root(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)


def _scan(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, dict]:  # type: ignore[type-arg]
    code = main(["scan", *args, "--format", "json"])
    return code, json.loads(capsys.readouterr().out)


def _verdicts(record: dict, rule: str) -> dict[str, str]:  # type: ignore[type-arg]
    return {
        f["resource"]["logical_id"]: f["status"] for f in record["findings"] if f["rule_id"] == rule
    }


def _states(record: dict, rule: str) -> dict[str, str]:  # type: ignore[type-arg]
    return {
        f["resource"]["logical_id"]: "unknown" if f["unknown"] else f["status"]
        for f in record["findings"]
        if f["rule_id"] == rule
    }


def test_a_ref_to_an_undeclared_name_fails_and_the_rest_is_judged(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """As cfn-lint does: the error is reported (the gate fails), the rest is judged, and
    what depends on the broken reference (the policy's link to its role) is unknown."""
    code, record = _scan(capsys, "tests/fixtures/scan/undeclared-reference.yaml")
    assert code == 1
    (error,) = [f for f in record["findings"] if f["source"] == "template"]
    assert error["rule_id"] == "template:undeclared-reference"
    assert error["resource"] == {
        "logical_id": "RegionalDeny",
        "type": "AWS::IAM::Policy",
        "construct_path": None,
    }
    assert error["status"] == "fail" and error["unmapped"]
    assert (
        "Resources.RegionalDeny: AppRoel is neither a parameter, a resource nor a pseudo"
        in (error["message"])
    )
    assert error["location"]["start_line"] == 11  # RegionalDeny's line
    assert _states(record, "CKV2_TAP_10") == {"AppRole": "unknown"}
    assert record["summary"]["gate"]["result"] == "failed"


def test_a_null_value_fails_and_what_reads_it_is_unknown(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, record = _scan(capsys, "tests/fixtures/scan/null-value.yaml")
    assert code == 1
    errors = [
        (f["rule_id"], f["resource"]["logical_id"])
        for f in record["findings"]
        if f["source"] == "template"
    ]
    assert errors == [("template:null-value", "NullEncryption")]
    # never "no BucketEncryption": the null is not an absent property
    assert _states(record, "CKV_TAP_1") == {"GoodBucket": "pass", "NullEncryption": "unknown"}
    assert _states(record, "CKV_TAP_6") == {"Key": "pass"}
    # checkov's built-ins do not read the broken resource either
    builtins = {
        (f["rule_id"], f["resource"]["logical_id"]): "unknown" if f["unknown"] else f["status"]
        for f in record["findings"]
        if f["rule_id"].startswith("CKV_AWS")
    }
    assert {s for (_, lid), s in builtins.items() if lid == "NullEncryption"} == {"unknown"}
    assert {s for (_, lid), s in builtins.items() if lid == "GoodBucket"} == {"fail"}


def test_conditions_the_text_decides_are_decided(capsys: pytest.CaptureFixture[str]) -> None:
    _, record = _scan(capsys, str(SCAN / "decided-conditions.yaml"))
    assert "NotCreatedBucket" not in {f["resource"]["logical_id"] for f in record["findings"]}
    assert _verdicts(record, "CKV_TAP_1") == {"EncryptedByIf": "pass", "NoEncryptionByIf": "fail"}
    assert _verdicts(record, "CKV_TAP_6") == {"Key": "pass"}
    assert record["targets"][0]["note"] is None


def test_a_template_whose_every_resource_is_conditioned_away_is_judged_with_a_note(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, record = _scan(capsys, str(SCAN / "all-conditioned-away.yaml"))
    assert code == 0
    assert record["findings"] == []
    assert record["targets"][0]["note"] == (
        "nothing to judge: every resource is under a condition the template makes always "
        "false (Never)"
    )


def test_inline_suppressions_hide_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    waivers = tmp_path / "w.yaml"
    waivers.write_text(_EMPTY_WAIVERS)
    code, record = _scan(capsys, str(SCAN / "inline-suppressions.yaml"), "--waivers", str(waivers))
    assert code == 1
    suppressed = {
        (f["rule_id"], f["resource"]["logical_id"]): (f["status"], f["suppressions"])
        for f in record["findings"]
        if f["suppressions"]
    }
    website = "public website bucket, fine"
    assert suppressed == {
        ("CKV_TAP_8", "SkippedPublicBucket"): (
            "fail",
            [{"tool": "checkov", "rule_id": "CKV_TAP_8", "comment": website}],
        ),
        ("CKV2_TAP_9", "SkippedPublicBucket"): (
            "fail",
            [{"tool": "checkov", "rule_id": "CKV2_TAP_9", "comment": website}],
        ),
        ("CKV_TAP_1", "BridgecrewSkip"): (
            "fail",
            [{"tool": "checkov", "rule_id": "CKV_TAP_1", "comment": None}],
        ),
        # the acknowledged cdk-nag rule belongs to TAP-PUB-02: shown on its checkov verdict
        ("CKV2_TAP_9", "AcknowledgedBucket"): (
            "pass",
            [
                {
                    "tool": "cdk-nag",
                    "rule_id": "PCI.DSS.321-S3BucketPublicReadProhibited",
                    "comment": "accepted by the website team",
                }
            ],
        ),
    }
    blocking = {
        (f["control_id"], f["resource"]["logical_id"])
        for f in record["findings"]
        if f["status"] == "fail" and f["severity"] == "critical"
    }
    assert {
        ("TAP-PUB-01", "SkippedPublicBucket"),
        ("TAP-PUB-02", "SkippedPublicBucket"),
    } <= blocking


@pytest.mark.parametrize("fmt", ["sarif", "junit", "md", "html"])
def test_a_suppression_is_shown_in_every_output(
    fmt: str, capsys: pytest.CaptureFixture[str]
) -> None:
    main(["scan", str(SCAN / "inline-suppressions.yaml"), "--format", fmt])
    out = capsys.readouterr().out
    assert "public website bucket, fine" in out
    assert "suppressed in the template" in out


def test_only_a_waiver_accepts_a_suppressed_failure(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    waivers = tmp_path / "w.yaml"
    waivers.write_text(
        "waivers:\n"
        "  - id: WEB-01\n"
        "    control: TAP-PUB-01\n"
        "    resources: [SkippedPublicBucket]\n"
        "    justification: the website bucket is public by design, reviewed quarterly\n"
        "    approver: Security Officer\n"
        "    approved: 2999-01-01\n"
        "    expires: 2999-06-30\n"  # valid on any day the tests run
    )
    _, record = _scan(capsys, str(SCAN / "inline-suppressions.yaml"), "--waivers", str(waivers))
    statuses = {
        f["rule_id"]: f["status"]
        for f in record["findings"]
        if f["resource"]["logical_id"] == "SkippedPublicBucket" and f["suppressions"]
    }
    assert statuses == {"CKV_TAP_8": "waived", "CKV2_TAP_9": "fail"}


def test_a_cdk_nag_acknowledgment_in_the_app_is_a_failure_in_check(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """cdk-nag reports nothing on an acknowledged rule; the gate does not read that as a pass."""
    waivers = tmp_path / "w.yaml"
    waivers.write_text(_EMPTY_WAIVERS)
    out = tmp_path / "out"
    app = "tests.compliance.cdk_apps:acknowledging_app"
    main(["check", "--app", app, "--out", str(out), "--waivers", str(waivers)])
    capsys.readouterr()
    record = json.loads((out / "findings.json").read_text())
    acknowledged = [
        f
        for f in record["findings"]
        if f["rule_id"] == "PCI.DSS.321-S3BucketSSLRequestsOnly" and f["source"] == "cdk-nag"
    ]
    assert [(f["status"], f["suppressions"]) for f in acknowledged] == [
        (
            "fail",
            [
                {
                    "tool": "cdk-nag",
                    "rule_id": "PCI.DSS.321-S3BucketSSLRequestsOnly",
                    "comment": "TLS is enforced by the proxy in front of it",
                }
            ],
        )
    ]
    assert "not judged, the app acknowledged it" in acknowledged[0]["message"]
    # another app than the platform's infra/: what the platform scoped out is not its to claim
    assert record["coverage"]["scope"] == "templates"
