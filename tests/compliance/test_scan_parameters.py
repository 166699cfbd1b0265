"""Unknowns a user settles: --parameter and parameter files resolve parameters as
CloudFormation would; every other parameter stays unknown (never a pass)."""

from __future__ import annotations

import json

import pytest

from compliance.cli import main
from tests.compliance.engine_testdata import ROOT

SCAN = ROOT / "tests" / "fixtures" / "scan"
TEMPLATE = str(SCAN / "parameters.yaml")


@pytest.fixture(autouse=True)
def _at_root(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)


def _enc01(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[dict, dict]:  # type: ignore[type-arg]
    main(["scan", TEMPLATE, "--format", "json", *args])
    record = json.loads(capsys.readouterr().out)
    verdicts = {
        f["resource"]["logical_id"]: ("unknown" if f["unknown"] else f["status"])
        for f in record["findings"]
        if f["rule_id"] == "CKV_TAP_1"
    }
    return verdicts, record["targets"][0]


def test_without_values_parameters_stay_unknown(capsys: pytest.CaptureFixture[str]) -> None:
    verdicts, target = _enc01(capsys)
    # ProdOnlyBucket fails whatever Stage is, in every case where it is created
    assert verdicts == {"DataBucket": "unknown", "ProdOnlyBucket": "fail"}
    assert target["parameters"] == {}


@pytest.mark.parametrize(
    "args",
    [
        ["--parameter", "Stage=dev", "--parameter", "DataKey=alias/tap-data"],
        ["--parameter-file", str(SCAN / "parameters.cli.json")],
        ["--parameter-file", str(SCAN / "parameters.config.yaml")],
        # --parameter wins over the file
        ["--parameter-file", str(SCAN / "parameters.config.yaml"), "--parameter", "Stage=dev"],
    ],
)
def test_given_values_resolve_as_cloudformation_would(
    args: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    verdicts, target = _enc01(capsys, *args)
    # the customer alias passes; Stage=dev decides IsProd: ProdOnlyBucket is not created
    assert verdicts == {"DataBucket": "pass"}
    assert target["parameters"] == {"Stage": "dev", "DataKey": "alias/tap-data"}


def test_an_aws_managed_key_given_as_a_value_fails(capsys: pytest.CaptureFixture[str]) -> None:
    verdicts, _ = _enc01(capsys, "--parameter", "DataKey=alias/aws/s3", "--parameter", "Stage=prod")
    assert verdicts == {"DataBucket": "fail", "ProdOnlyBucket": "fail"}


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["--parameter", "Stage=qa"], "parameters.yaml: parameter Stage: 'qa' is not one of"),
        (["--parameter", "DataKey=key-1"], "parameter DataKey: 'key-1' does not match its"),
        (["--parameter", "Nope=1"], "--parameter Nope: no scanned template declares it"),
        (["--parameter", "Stage"], "--parameter 'Stage': expected KEY=VALUE"),
        (["--parameter-file", "missing.json"], "missing.json: no such file"),
        (["--parameter-file", "cdk.json"], "cdk.json: not a parameters file"),
    ],
)
def test_bad_parameters_exit_2_with_one_line(
    args: list[str], expected: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["scan", TEMPLATE, *args]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and expected in err[0], err
