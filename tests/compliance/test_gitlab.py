"""GitLab's code-quality report: valid against the documented format, one issue per failing
fingerprint at the app's line where known, fingerprints the record's (and SARIF's)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from compliance.cli import main
from compliance.outputs.gitlab import to_gitlab
from compliance.outputs.sarif import FINGERPRINT_KEY
from compliance.record.findings import FindingsRecord
from tests.compliance.app_copy import line_of
from tests.compliance.engine_testdata import ROOT

SCHEMA = ROOT / "tests" / "fixtures" / "gitlab" / "code-quality-report.schema.json"


def validate(text: str) -> list[dict[str, Any]]:
    """Parse a report and validate it against GitLab's documented format; fingerprints unique
    (GitLab keys an issue by it)."""
    report = json.loads(text)
    jsonschema.Draft7Validator(json.loads(SCHEMA.read_text(encoding="utf-8"))).validate(report)
    fingerprints = [issue["fingerprint"] for issue in report]
    assert len(fingerprints) == len(set(fingerprints))
    return list(report)


def test_the_small_platform_as_exact_issues(small_record: FindingsRecord) -> None:
    report = validate(to_gitlab(small_record))
    path = small_record.targets[0].template
    assert path.endswith("small-platform.yaml")
    shown = [
        (i["check_name"], i["severity"], i["location"]["path"], i["location"]["lines"]["begin"])
        for i in report
    ]
    assert shown == [
        ("TAP-IAM-01", "critical", path, 70),
        ("TAP-IAM-01", "critical", path, 61),
        ("TAP-LOG-01", "critical", path, 21),
        ("TAP-PUB-01", "blocker", path, 30),
    ]
    fingerprints = {
        (f.control_id, f.resource.logical_id): f.fingerprint
        for f in small_record.findings
        if f.status == "fail"
    }
    keys = [("TAP-IAM-01", "ConditionalRole"), ("TAP-IAM-01", "HelperRole")]
    keys += [("TAP-LOG-01", "LogBucket"), ("TAP-PUB-01", "DataBucket")]
    assert [i["fingerprint"] for i in report] == [fingerprints[key] for key in keys]
    conditional, _, _, public = report
    assert "ConditionalRole (AWS::IAM::Role)" in conditional["description"]
    assert "unknown, counted as a failure" in conditional["description"]
    # four rules of one control on one resource: one issue naming each
    for rule in ("CKV_AWS_53", "CKV_AWS_54", "CKV_AWS_55", "CKV_AWS_56"):
        assert f"(checkov {rule})" in public["description"]


def test_a_broken_report_fails_the_schema(small_record: FindingsRecord) -> None:
    report = json.loads(to_gitlab(small_record))
    report[0]["severity"] = "high"
    with pytest.raises(jsonschema.ValidationError):
        validate(json.dumps(report))
    report = json.loads(to_gitlab(small_record))
    del report[0]["location"]["lines"]
    with pytest.raises(jsonschema.ValidationError):
        validate(json.dumps(report))


def test_passes_waivers_and_not_applicable_are_left_out(small_record: FindingsRecord) -> None:
    passing = [f.model_copy(update={"status": "pass"}) for f in small_record.findings]
    assert json.loads(to_gitlab(small_record.model_copy(update={"findings": passing}))) == []


@pytest.mark.slow
def test_check_writes_it_beside_sarif_at_the_apps_line(seed_gate: tuple[int, Path]) -> None:
    out = seed_gate[1]
    report = validate((out / "gl-code-quality-report.json").read_text())
    record = FindingsRecord.model_validate_json((out / "findings.json").read_text())
    failing = [f for f in record.findings if f.status == "fail"]
    assert len(report) == len({f.fingerprint for f in failing})
    sarif = json.loads((out / "findings.sarif").read_text())
    fingerprints = {
        r["partialFingerprints"][FINGERPRINT_KEY]
        for r in sarif["runs"][0]["results"]
        if r["level"] != "none"
    }
    assert {i["fingerprint"] for i in report} == fingerprints
    (issue,) = [i for i in report if "ApiApiGatewayLogGroup" in i["description"]]
    assert issue["check_name"] == "TAP-ENC-07"
    assert issue["severity"] == "major"
    line = line_of(ROOT / "infra" / "constructs" / "api.py", "logs.LogGroup(")
    assert issue["location"] == {"path": "infra/constructs/api.py", "lines": {"begin": line}}
    assert "(checkov CKV_AWS_158)" in issue["description"]
    assert "(cdk-nag PCI.DSS.321-CloudWatchLogGroupEncrypted)" in issue["description"]


def test_scan_writes_it_and_two_runs_agree(tmp_path: Path) -> None:
    """``scan --format gitlab`` twice: the same issues, fingerprints included, as the record
    of a third run renders."""
    template = ROOT / "tests" / "fixtures" / "policies" / "TAP-ENC-01" / "fail.yaml"
    waivers = tmp_path / "waivers.yaml"
    waivers.write_text("waivers: []\n")
    runs = []
    for fmt, name in (("gitlab", "a.json"), ("gitlab", "b.json"), ("json", "record.json")):
        output = tmp_path / name
        argv = ["scan", str(template), "--format", fmt, "--output", str(output)]
        assert main([*argv, "--waivers", str(waivers)]) == 1
        runs.append(output.read_text())
    first, second, record = runs
    assert first == second
    assert to_gitlab(FindingsRecord.model_validate_json(record)) == first
    report = validate(first)
    assert {"TAP-ENC-01", "TAP-BAK-01"} <= {issue["check_name"] for issue in report}
