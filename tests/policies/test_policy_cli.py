"""A user's plain ``checkov --external-checks-dir policies/checks`` gives the same verdicts."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from policies import CHECKS_DIR, Context
from policies.cfn.template import load_template
from policies.outcome import Outcome
from tests.policies.policy_testdata import (
    FIXTURES,
    fixture_templates,
    our_check_ids,
    run_our_checks,
)

CHECKOV = Path(sys.executable).with_name("checkov")


@pytest.mark.slow
def test_plain_checkov_cli_without_the_repo_on_the_path() -> None:
    """As a user runs it: ``checkov -d .`` in the folder of the templates (documented)."""
    control = FIXTURES / "TAP-TLS-01"
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    env["BC_SKIP_MAPPING"] = "TRUE"
    completed = subprocess.run(
        [
            str(CHECKOV),
            "-d",
            ".",
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
        cwd=control,
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


def _plain_checkov(folder: Path, check_ids: list[str]) -> dict[str, object]:
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    env["BC_SKIP_MAPPING"] = "TRUE"
    completed = subprocess.run(
        [
            str(CHECKOV),
            *("-d", ".", "--external-checks-dir", str(CHECKS_DIR)),
            *("--framework", "cloudformation", "--skip-download", "-o", "json"),
            *("-c", ",".join(check_ids)),
        ],
        cwd=folder,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert completed.returncode in (0, 1), completed.stderr[-2000:]
    report: dict[str, object] = json.loads(completed.stdout)
    return report


@pytest.mark.slow
def test_plain_checkov_and_the_engine_agree_on_every_fixture() -> None:
    """checkov reports PASSED and FAILED (it drops UNKNOWN, and lists a not-applicable
    resource as skipped); the engine's pure judgements must say exactly the same."""
    report = _plain_checkov(FIXTURES, our_check_ids())
    results = report["results"]  # type: ignore[index]
    plain = {
        (
            r["check_id"],
            (FIXTURES / r["file_abs_path"]).resolve(),
            r["resource"].split(".", 1)[1],
        ): status
        for status, key in (
            ("pass", "passed_checks"),
            ("fail", "failed_checks"),
            ("skipped", "skipped_checks"),
        )
        for r in results[key]
    }
    engine = run_our_checks(fixture_templates())
    assert {k: v for k, v in engine.items() if v != "unknown"} == plain
    assert "unknown" in engine.values()


def test_allowed_regions_are_passed_explicitly() -> None:
    from compliance.judging.judge import custom_checks

    check = next(c for c in custom_checks(CHECKS_DIR) if c.id == "CKV2_TAP_10")
    fail = load_template(FIXTURES / "TAP-IAM-01" / "fail.yaml")
    passing = load_template(FIXTURES / "TAP-IAM-01" / "pass.yaml")
    adversarial = load_template(FIXTURES / "TAP-IAM-01" / "adversarial.yaml")
    default, two = Context(), Context.for_regions(["us-east-1", " EU-west-1"])
    assert check.judge(fail, "ExtraRegion", default).outcome is Outcome.FAIL
    assert check.judge(fail, "ExtraRegion", two).outcome is Outcome.PASS
    # a deny listing a subset of the allowed regions denies more: still compliant
    assert check.judge(passing, "Inline", two).outcome is Outcome.PASS
    assert check.judge(adversarial, "SubsetRole", two).outcome is Outcome.PASS
    assert check.judge(adversarial, "ApSouth", two).outcome is Outcome.FAIL
    only_eu = Context.for_regions(["eu-west-1"])
    assert check.judge(passing, "Inline", only_eu).outcome is Outcome.FAIL


def test_a_missing_or_broken_template_is_unknown_in_plain_checkov(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from compliance.judging.judge import custom_checks

    check = next(c for c in custom_checks(CHECKS_DIR) if c.id == "CKV_TAP_1")
    broken = tmp_path / "broken.yaml"
    broken.write_text("Resources: [unclosed\n", encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    for name in ("missing.yaml", "broken.yaml"):
        conf = {"Type": "AWS::S3::Bucket"}
        result = check.run(f"/{name}", conf, "Bucket", "AWS::S3::Bucket", {})
        assert result["result"].name == "UNKNOWN"
        assert name in check.details[0]
