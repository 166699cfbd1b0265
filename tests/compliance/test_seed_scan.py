"""The frozen faithful-seed template, scanned: the gate fails and lists the known violations."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from compliance.cli import main
from tests.compliance.engine_testdata import ROOT

SEED = ROOT / "tests" / "fixtures" / "seed" / "TapStack-dev.template.json"
#: CDK-generated roles the seed never gave the regional deny (TAP-IAM-01, high).
SEED_ROLES_WITHOUT_DENY = {
    "ApiTradingApiCloudWatchRoleA7AF5EC1",
    "CustomS3AutoDeleteObjectsCustomResourceProviderRole3B1BD092",
    "CustomVpcRestrictDefaultSGCustomResourceProviderRole26592FE0",
    "LogRetentionaae0aa3c5b4d4f87b02d85b201efdd8aServiceRole9741ECFB",
}
#: The seed's four buckets have no server access logging (TAP-LOG-01, medium).
SEED_BUCKETS_WITHOUT_LOGGING = {
    "BucketsAnalyticsBucketD7328E4F",
    "BucketsArchivalBucket629F00A4",
    "BucketsIngestionBucket070AAFA1",
    "GovernanceConfigBucketFA253B80",
}


def test_seed_fails_the_gate_listing_known_violations(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    no_waivers = tmp_path / "waivers.yaml"
    no_waivers.write_text("waivers: []\n")
    code = main(["scan", str(SEED), "--format", "json", "--waivers", str(no_waivers)])
    record = json.loads(capsys.readouterr().out)
    assert code == 1
    gate = record["summary"]["gate"]
    # high: the helper roles' regional deny, and the 11 stores and keys DESTROY deletes
    assert gate["result"] == "failed" and gate["blocking"] == len(SEED_ROLES_WITHOUT_DENY) + 11
    failing = {
        (f["control_id"], f["resource"]["logical_id"])
        for f in record["findings"]
        if f["status"] == "fail"
    }
    assert {("TAP-IAM-01", role) for role in SEED_ROLES_WITHOUT_DENY} <= failing
    assert {("TAP-LOG-01", bucket) for bucket in SEED_BUCKETS_WITHOUT_LOGGING} <= failing
    passing = {f["control_id"] for f in record["findings"] if f["status"] == "pass"}
    assert {"TAP-ENC-01", "TAP-ENC-02", "TAP-ENC-03", "TAP-PUB-01", "TAP-TLS-01"} <= passing
    # Our checks say why: the message carries the check's own reason, not only pass/fail.
    role_messages = {
        f["message"]
        for f in record["findings"]
        if f["control_id"] == "TAP-IAM-01"
        and f["resource"]["logical_id"] in SEED_ROLES_WITHOUT_DENY
    }
    assert role_messages == {
        "TAP-IAM-01: every IAM role denies all actions outside the allowed regions: failed "
        "(no Deny of * on * with StringNotEquals aws:RequestedRegion limited to us-east-1)"
    }


def test_scan_of_a_cdk_out_folder_knows_construct_paths(
    synthesized_assembly: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    main(["scan", str(synthesized_assembly), "--format", "json"])
    record = json.loads(capsys.readouterr().out)
    assert {t["name"] for t in record["targets"]} == {
        "TapStack-dev",
        "TapStack-staging",
        "TapStack-prod",
    }
    for finding in record["findings"]:
        assert finding["resource"]["construct_path"].startswith(finding["target"] + "/")


def test_scan_with_env_applies_that_environments_waivers(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A waiver limited to environments applies only when the scan says which one it judges."""
    waivers = tmp_path / "waivers.yaml"
    waivers.write_text(
        "waivers:\n  - id: DEV-HELPER-ROLES\n    control: TAP-IAM-01\n"
        "    resources: [Custom*Role*, LogRetention*Role*, ApiTradingApiCloudWatchRole*]\n"
        "    environments: [dev]\n"
        "    justification: CDK helper roles of a dev stack, accepted for this test.\n"
        "    approver: qsa\n    approved: 2999-01-01\n    expires: 2999-12-31\n"
        "  - id: DEV-DESTROYS\n    control: TAP-DAT-01\n    resources: ['*']\n"
        "    environments: [dev]\n"
        "    justification: a dev stack holds no live data, accepted for this test.\n"
        "    approver: qsa\n    approved: 2999-01-01\n    expires: 2999-12-31\n"
    )
    scan = ["scan", str(SEED), "--format", "json", "--waivers", str(waivers)]
    assert main(scan) == 1
    unwaived = json.loads(capsys.readouterr().out)
    # judging no environment, the run judged none of their scope: not stale, not applicable
    assert {w["state"] for w in unwaived["waivers"]} == {"not-applicable"}

    assert main([*scan, "--env", "dev"]) == 0
    waived = json.loads(capsys.readouterr().out)
    assert {t["env"] for t in waived["targets"]} == {"dev"}
    assert {
        f["resource"]["logical_id"]
        for f in waived["findings"]
        if f["control_id"] == "TAP-IAM-01" and f["status"] == "waived"
    } == SEED_ROLES_WITHOUT_DENY
