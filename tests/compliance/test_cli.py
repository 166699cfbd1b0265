"""The CLI's contract: outputs, stdout discipline and exit codes 0/1/2 with one-line errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from compliance.cli import main
from compliance.outputs.publish import PUBLISHED
from tests.compliance.engine_testdata import ROOT
from tests.policies.policy_testdata import SMALL_PLATFORM, TEMPLATES

EMPTY_WAIVERS = "waivers: []\n"


@pytest.fixture(autouse=True)
def _at_root(monkeypatch: pytest.MonkeyPatch) -> None:
    """The CLI runs from the project root, as ``nox -s compliance`` does."""
    monkeypatch.chdir(ROOT)


def _error_line(capsys: pytest.CaptureFixture[str]) -> str:
    captured = capsys.readouterr()
    lines = captured.err.strip().splitlines()
    assert len(lines) == 1, captured.err
    assert "Traceback" not in captured.err
    return lines[0]


def test_scan_json_to_stdout_is_the_record_alone(capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["scan", str(SMALL_PLATFORM), "--format", "json", "--allowed-regions", "us-east-1"])
    captured = capsys.readouterr()
    record = json.loads(captured.out)
    assert record["schema"] == "tap-compliance/findings@2"
    assert code == record["summary"]["gate"]["exit_code"] == 1
    assert captured.err == ""


def test_scan_fail_on_threshold_changes_the_gate(capsys: pytest.CaptureFixture[str]) -> None:
    main(["scan", str(SMALL_PLATFORM), "--format", "json", "--fail-on", "critical"])
    record = json.loads(capsys.readouterr().out)
    critical = [
        f for f in record["findings"] if f["status"] == "fail" and f["severity"] == "critical"
    ]
    assert record["summary"]["gate"]["blocking"] == len(critical)


def test_scan_writes_the_chosen_format(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    output = tmp_path / "scan.sarif"
    main(["scan", str(SMALL_PLATFORM), "--format", "sarif", "--output", str(output)])
    assert json.loads(output.read_text())["version"] == "2.1.0"
    assert "gate" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["scan", "no/such/template.yaml"], "no/such/template.yaml: no such file"),
        (["scan", str(TEMPLATES / "broken-yaml.yaml")], "broken-yaml.yaml:6: invalid YAML"),
        (
            ["scan", str(TEMPLATES / "broken-json.template.json")],
            "broken-json.template.json:7: invalid JSON",
        ),
        (["scan", str(TEMPLATES)], "broken-json.template.json:7: invalid JSON"),
        (["check", "--env", "nosuch"], "no environment named nosuch"),
        (
            ["report", str(TEMPLATES / "broken-json.template.json")],
            "broken-json.template.json:7: invalid JSON",
        ),
        (["report", str(TEMPLATES / "small-platform.yaml")], "small-platform.yaml"),
    ],
)
def test_bad_input_exits_2_with_one_line(
    args: list[str], expected: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(args) == 2
    line = _error_line(capsys)
    assert line.startswith("tap-compliance: error: ")
    assert expected in line


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        (
            "waivers:\n  - id: W-1\n    control: TAP-NOPE-01\n    resources: ['*']\n"
            "    justification: a justification long enough\n    approver: qsa\n"
            "    approved: 2029-06-01\n    expires: 2030-01-01\n",
            "waivers.yaml:3: waiver W-1: control: 'TAP-NOPE-01' is neither a control id nor a "
            "tool rule id",
        ),
        ("waivers: [\n", "waivers.yaml:2: invalid YAML"),
        (
            "waivers:\n  - id: W-1\n    control: TAP-XYZ-99\n    resources: ['*']\n"
            "    justification: a justification long enough\n    approver: qsa\n"
            "    approved: 2029-06-01\n    expires: 2030-01-01\n",
            "unknown control TAP-XYZ-99",
        ),
    ],
)
def test_bad_waiver_file_exits_2(
    tmp_path: Path, body: str, expected: str, capsys: pytest.CaptureFixture[str]
) -> None:
    waivers = tmp_path / "waivers.yaml"
    waivers.write_text(body)
    assert main(["scan", str(SMALL_PLATFORM), "--waivers", str(waivers)]) == 2
    assert expected in _error_line(capsys)


def test_crashing_cdk_app_exits_2_and_leaves_no_report(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "out"
    out.mkdir()
    (out / "findings.json").write_text("{}")  # from an earlier run: must not survive
    code = main(["check", "--out", str(out), "--app", "tests.compliance.cdk_apps:crashing_app"])
    assert code == 2
    line = _error_line(capsys)
    assert "tests.compliance.cdk_apps:crashing_app: the CDK app failed to synthesize" in line
    assert "Not_A_Valid_Bucket_Name" in line
    assert not any((out / name).exists() for name in PUBLISHED)
    assert list(out.iterdir()) == []
