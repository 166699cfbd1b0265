"""A user's plain ``checkov --external-checks-dir policies/checks`` gives the same verdicts."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from policy_testdata import FIXTURES

from policies import ALLOWED_REGIONS_ENV, CHECKS_DIR
from policies.outcome import Outcome

CHECKOV = Path(sys.executable).with_name("checkov")


@pytest.mark.slow
def test_plain_checkov_cli_outside_the_repo(tmp_path: Path) -> None:
    control = FIXTURES / "TAP-TLS-01"
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", ALLOWED_REGIONS_ENV)}
    env["BC_SKIP_MAPPING"] = "TRUE"
    completed = subprocess.run(
        [
            str(CHECKOV),
            "-d",
            str(control),
            "--external-checks-dir",
            str(CHECKS_DIR),
            "--framework",
            "cloudformation",
            "--skip-download",
            "-c",
            "CKV2_TAP_7",
            "-o",
            "json",
        ],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert completed.returncode in (0, 1), completed.stderr[-2000:]
    report = json.loads(completed.stdout)
    results = report["results"]
    got = {
        (Path(r["file_abs_path"]).name, r["resource"].split(".", 1)[1], status)
        for status, key in (("pass", "passed_checks"), ("fail", "failed_checks"))
        for r in results[key]
    }
    expected = yaml.safe_load((control / "expected.yaml").read_text(encoding="utf-8"))
    want = {
        (name, lid, status)
        for name, by_status in expected["CKV2_TAP_7"].items()
        for status, ids in by_status.items()
        if status in ("pass", "fail")
        for lid in ids
    }
    assert got == want


def test_allowed_regions_come_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    from checkov.cloudformation.checks.resource.registry import cfn_registry

    cfn_registry.load_external_checks(str(CHECKS_DIR))
    check = next(c for c in cfn_registry.checks["AWS::IAM::Role"] if c.id == "CKV2_TAP_10")
    template = FIXTURES / "TAP-IAM-01" / "fail.yaml"
    monkeypatch.delenv(ALLOWED_REGIONS_ENV, raising=False)
    assert check.judge(template, "ExtraRegion").outcome is Outcome.FAIL
    monkeypatch.setenv(ALLOWED_REGIONS_ENV, "us-east-1, eu-west-1")
    assert check.judge(template, "ExtraRegion").outcome is Outcome.PASS
    # a deny listing a subset of the allowed regions denies more: still compliant
    assert check.judge(FIXTURES / "TAP-IAM-01" / "pass.yaml", "Inline").outcome is Outcome.PASS
    adversarial = FIXTURES / "TAP-IAM-01" / "adversarial.yaml"
    assert check.judge(adversarial, "SubsetRole").outcome is Outcome.PASS
    assert check.judge(adversarial, "ApSouth").outcome is Outcome.FAIL
    monkeypatch.setenv(ALLOWED_REGIONS_ENV, "eu-west-1")
    assert check.judge(FIXTURES / "TAP-IAM-01" / "pass.yaml", "Inline").outcome is Outcome.FAIL


def test_a_missing_or_broken_template_is_unknown(tmp_path: Path) -> None:
    from checkov.cloudformation.checks.resource.registry import cfn_registry

    cfn_registry.load_external_checks(str(CHECKS_DIR))
    check = next(c for c in cfn_registry.checks["AWS::S3::Bucket"] if c.id == "CKV_TAP_1")
    broken = tmp_path / "broken.yaml"
    broken.write_text("Resources: [unclosed\n", encoding="utf-8")
    for path in (tmp_path / "missing.yaml", broken):
        verdict = check.judge(path, "Bucket")
        assert verdict.outcome is Outcome.UNKNOWN
        assert str(path.name) in verdict.reason
