"""Nothing reaches AWS unless the gate passed, and what needs no AWS call is refused first."""

from __future__ import annotations

from pathlib import Path

import pytest

from compliance.cli import main
from scripts.local_aws import LocalAws


def _deploy(local_aws: LocalAws, out: Path, *extra: str) -> int:
    return main(
        [
            "deploy",
            "--env",
            "dev",
            "--yes",
            "--out",
            str(out),
            "--endpoint-url",
            local_aws.endpoint_url,
            *extra,
        ]
    )


@pytest.mark.slow
def test_gate_failure_sends_no_request(
    local_aws: LocalAws, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    before = len(local_aws.log.lines)
    code = _deploy(local_aws, tmp_path, "--app", "tests.aws.cdk_apps:open_bucket_app")
    assert code == 1
    assert local_aws.log.lines[before:] == []
    assert "gate failed: nothing was sent to AWS" in capsys.readouterr().out
    assert not (tmp_path / "deployment.json").exists()
    assert (tmp_path / "findings.json").is_file()  # the evidence of the refusal stays


def test_gate_input_error_sends_no_request(
    local_aws: LocalAws, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    waivers = tmp_path / "waivers.yaml"
    waivers.write_text("waivers: [{id: 1}]\n")
    before = len(local_aws.log.lines)
    code = _deploy(local_aws, tmp_path / "out", "--waivers", str(waivers))
    assert code == 2
    assert local_aws.log.lines[before:] == []
    err = capsys.readouterr().err.strip().splitlines()
    assert err == [  # every problem of the file, a line each
        f"tap-compliance: error: {waivers}:1: waiver #1: missing keys control, resources, "
        "justification, approver, approved, expires",
        f"tap-compliance: error: {waivers}:1: waiver #1: id: Input should be a valid string",
    ]


def test_no_terminal_without_yes_is_refused_before_anything(
    local_aws: LocalAws,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr("sys.stdin.isatty", lambda: False, raising=False)
    before = len(local_aws.log.lines)
    code = main(
        ["deploy", "--env", "dev", "--out", str(tmp_path), "--endpoint-url", local_aws.endpoint_url]
    )
    assert code == 2
    assert local_aws.log.lines[before:] == []
    err = capsys.readouterr().err.strip().splitlines()
    assert err == [
        "tap-compliance: error: stdin is not a terminal, so deploy cannot ask for confirmation: "
        "pass --yes to deploy without asking (or --dry-run to only see the changes)"
    ]
    assert list(tmp_path.iterdir()) == []


def test_direct_method_in_prod_needs_allow_replace(
    local_aws: LocalAws, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    before = len(local_aws.log.lines)
    code = main(
        [
            "deploy",
            "--env",
            "prod",
            "--yes",
            "--method",
            "direct",
            "--out",
            str(tmp_path),
            "--endpoint-url",
            local_aws.endpoint_url,
        ]
    )
    assert code == 2
    assert local_aws.log.lines[before:] == []
    assert "--method direct shows no change set" in capsys.readouterr().err


def test_deploy_takes_one_environment(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["deploy", "--env", "all", "--yes", "--out", str(tmp_path)]) == 2
    assert "deploy takes one environment" in capsys.readouterr().err
