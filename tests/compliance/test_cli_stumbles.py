"""What a newcomer trips over: mistakes that cost evidence, a waiver file found or not, help
texts that disagree with the behaviour, one wording per error kind."""

from __future__ import annotations

import argparse
import json
import re
from pathlib import Path

import pytest

import compliance.cli
from compliance.cli import main
from compliance.cli.parser import build_parser
from compliance.outputs import formats
from tests.compliance.engine_testdata import ROOT, unexpiring
from tests.policies.policy_testdata import SMALL_PLATFORM

EARLIER = {"findings.json": '{"schema": "from an earlier run"}', "audit.md": "# earlier"}


def _earlier_run(out: Path) -> None:
    out.mkdir()
    for name, text in EARLIER.items():
        (out / name).write_text(text)


def _error(capsys: pytest.CaptureFixture[str]) -> str:
    captured = capsys.readouterr()
    assert "Traceback" not in captured.err
    lines = captured.err.strip().splitlines()
    assert len(lines) == 1, captured.err
    return lines[0]


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["--env", "nosuch"], "no environment named nosuch (known: dev, staging, prod)"),
        (["--waivers", "missing.yaml"], "missing.yaml: no such file"),
        (["--waivers", "tests"], "tests: a folder, not a file"),
    ],
)
def test_usage_errors_leave_the_last_evidence_alone(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    args: list[str],
    expected: str,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.chdir(ROOT)
    out = tmp_path / "out"
    _earlier_run(out)
    assert main(["check", "--out", str(out), *args]) == 2
    assert expected in _error(capsys)
    assert {p.name: p.read_text() for p in out.iterdir()} == EARLIER


def test_a_bad_flag_value_is_a_usage_error_before_anything_runs(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "out"
    _earlier_run(out)
    with pytest.raises(SystemExit) as caught:
        main(["check", "--out", str(out), "--fail-on", "severe"])
    assert caught.value.code == 2
    assert "invalid choice: 'severe'" in capsys.readouterr().err
    assert {p.name: p.read_text() for p in out.iterdir()} == EARLIER


def test_a_missing_waiver_file_is_the_same_error_in_scan_and_check(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(ROOT)
    assert main(["scan", str(SMALL_PLATFORM), "--waivers", "missing.yaml"]) == 2
    from_scan = _error(capsys)
    assert main(["check", "--waivers", "missing.yaml", "--out", "/nonexistent/x"]) == 2
    assert _error(capsys) == from_scan == "tap-compliance: error: missing.yaml: no such file"


def test_a_missing_file_reads_alike_everywhere(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(ROOT)
    lines = []
    for command in (["scan", "gone.yaml"], ["report", "gone.yaml"]):
        assert main(command) == 2
        lines.append(_error(capsys))
    assert set(lines) == {"tap-compliance: error: gone.yaml: no such file"}


def test_waivers_are_found_from_the_project_root(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(ROOT / "tests" / "fixtures")
    main(["scan", str(SMALL_PLATFORM), "--format", "json"])
    record = json.loads(capsys.readouterr().out)
    assert record["waiver_file"] == str(ROOT / "waivers.yaml")
    main(["scan", str(SMALL_PLATFORM)])
    assert f"waivers: {ROOT / 'waivers.yaml'}" in capsys.readouterr().out


def test_no_waiver_file_is_said_loudly(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    project = tmp_path / "other-project"
    project.mkdir()
    (project / "pyproject.toml").write_text("[project]\nname = 'other'\n")
    monkeypatch.chdir(project)
    main(["scan", str(SMALL_PLATFORM)])
    assert f"no waiver file: no waivers.yaml in {project}" in capsys.readouterr().out
    main(["scan", str(SMALL_PLATFORM), "--format", "json"])
    captured = capsys.readouterr()
    assert json.loads(captured.out)["waiver_file"] is None
    assert captured.err.startswith("tap-compliance: warning: no waiver file")


def test_the_named_waiver_file_is_in_the_summary(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(ROOT)
    waivers = tmp_path / "mine.yaml"
    waivers.write_text(unexpiring((ROOT / "waivers.yaml").read_text()))
    main(["scan", str(SMALL_PLATFORM), "--waivers", str(waivers)])
    assert f"waivers: {waivers}" in capsys.readouterr().out


def test_version_names_the_tool_and_the_tools_it_runs(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as caught:
        main(["--version"])
    assert caught.value.code == 0
    lines = capsys.readouterr().out.splitlines()
    assert [line.split()[0] for line in lines] == [
        "tap-compliance",
        "checkov",
        "cdk-nag",
        "aws-cdk-lib",
    ]
    assert all(re.fullmatch(r"\S+ \d+\.\d+\S*", line) for line in lines)


def _help(*command: str) -> str:
    parser = build_parser(compliance.cli.__doc__)
    if not command:
        return parser.format_help()
    subparsers = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    assert isinstance(subparsers.choices, dict)
    return str(subparsers.choices[command[0]].format_help())


def test_help_texts_list_choices_and_defaults_without_markup() -> None:
    texts = {name: _help(name) for name in ("check", "scan", "report")}
    texts["top"] = _help()
    assert not [name for name, text in texts.items() if "``" in text]
    check = " ".join(texts["check"].split())
    assert "dev, staging, prod, all (default: all)" in check
    assert "(default: reports/out in the project root)" in check
    assert '(default: the "app" of cdk.json at the project root, as cdk synth runs it)' in check
    assert (
        "PCIDSS321Checks, AwsSolutionsChecks, NIST80053R5Checks, HIPAASecurityChecks "
        "(default: PCIDSS321Checks)" in check
    )
    assert "(default: high)" in check
    scan = " ".join(texts["scan"].split())
    every_format = ", ".join(formats.names())
    assert f"{every_format} (default: the summary table on the terminal" in scan
    report = " ".join(texts["report"].split())
    assert f"{', '.join(formats.names(reports_only=True))} (default: html)" in report
    assert "--version" in texts["top"]
    assert "Exit codes: 0 the gate passed, 1 it failed, 2 a usage" in " ".join(texts["top"].split())


def test_scan_without_format_does_what_its_help_says(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(ROOT)
    main(["scan", str(SMALL_PLATFORM)])
    out = capsys.readouterr().out
    assert out.startswith("tap-compliance: 1 target(s)")
    assert out.splitlines()[-1].startswith("gate failed")


def test_an_input_error_removes_the_scan_document_of_an_earlier_run(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(ROOT)
    output = tmp_path / "scan.json"
    output.write_text('{"schema": "from an earlier run"}')
    broken = tmp_path / "broken.yaml"
    broken.write_text("Resources: [\n")
    assert main(["scan", str(broken), "--output", str(output)]) == 2
    assert "broken.yaml:2: invalid YAML" in _error(capsys)
    assert not output.exists()


def test_a_cloud_assemblys_stacks_get_their_environment(
    synthesized_assembly: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """The project's own cdk.out, three environments, no --env: each stack belongs to the
    environment of its stack name, so the catalogue's applicability by environment holds."""
    monkeypatch.chdir(ROOT)
    waivers = tmp_path / "waivers.yaml"
    waivers.write_text(unexpiring((ROOT / "waivers.yaml").read_text()))
    scan = ["scan", str(synthesized_assembly), "--format", "json", "--waivers", str(waivers)]
    assert main(scan) == 0
    record = json.loads(capsys.readouterr().out)
    assert {(t["name"], t["env"]) for t in record["targets"]} == {
        ("TapStack-dev", "dev"),
        ("TapStack-staging", "staging"),
        ("TapStack-prod", "prod"),
    }
    # TAP-DAT-01 applies where the environment keeps data (catalogue applicability)
    dat = {
        (f["target"], f["status"]) for f in record["findings"] if f["control_id"] == "TAP-DAT-01"
    }
    assert dat == {
        ("TapStack-dev", "not-applicable"),
        ("TapStack-staging", "not-applicable"),
        ("TapStack-prod", "pass"),
    }
    main([*scan, "--env", "dev"])  # --env overrides
    record = json.loads(capsys.readouterr().out)
    assert {t["env"] for t in record["targets"]} == {"dev"}


def test_a_deploy_option_is_declared_once_as_a_field_of_deploy_options() -> None:
    """Every field of DeployOptions beyond AwsOptions is a ``deploy`` flag with the field's
    default and help; a value given on the command line reaches the field."""
    from dataclasses import fields

    from compliance.aws.options import AwsOptions, DeployOptions

    parser = build_parser(None)
    deploy = parser._subparsers._group_actions[0].choices["deploy"]  # type: ignore[union-attr]
    flags = {action.dest: action for action in deploy._actions}
    own = [f for f in fields(DeployOptions) if f.name not in {g.name for g in fields(AwsOptions)}]
    assert [f.name for f in own] == [
        "method",
        "yes",
        "dry_run",
        "allow_replace",
        "timeout",
        "poll",
        "no_cache",
        "context",
    ]
    for field in own:
        assert flags[field.name].option_strings == [f"--{field.name.replace('_', '-')}"]
        assert flags[field.name].default == field.default
        assert flags[field.name].help.startswith(field.metadata["help"])  # then the default
    args = parser.parse_args(
        ["deploy", "--env", "dev", "--method", "direct", "--yes", "--dry-run", "--timeout", "9"]
    )
    assert (args.method, args.yes, args.dry_run, args.allow_replace, args.timeout, args.poll) == (
        "direct",
        True,
        True,
        False,
        9.0,
        5.0,
    )
    with pytest.raises(SystemExit):
        parser.parse_args(["deploy", "--env", "dev", "--poll", "0"])  # a number above 0
    args = parser.parse_args(["deploy", "--env", "dev", "--no-cache"])
    assert (args.no_cache, args.context) == (True, ())
    args = parser.parse_args(["deploy", "--env", "dev", "--context", "a=1", "--context", "b=x=y"])
    assert (args.no_cache, args.context) == (False, ("a=1", "b=x=y"))
