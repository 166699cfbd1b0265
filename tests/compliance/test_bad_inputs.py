"""Bad input a user or CI hands the CLI: one line naming the file, exit 2, no traceback."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from compliance.cli import main
from compliance.errors import InputError
from tests.compliance.engine_testdata import ROOT
from tests.policies.policy_testdata import SMALL_PLATFORM

BUCKET = "Resources:\n  Bucket:\n    Type: AWS::S3::Bucket\n"
SAMPLE_RECORD = ROOT / "tests" / "fixtures" / "records" / "tap-sample.json"
STACK = {"type": "aws:cloudformation:stack", "properties": {"templateFile": "t.json"}}


@pytest.fixture(autouse=True)
def _at_root(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)


def _one_error_line(capsys: pytest.CaptureFixture[str]) -> str:
    captured = capsys.readouterr()
    assert captured.out == ""
    assert "Traceback" not in captured.err
    lines = captured.err.strip().splitlines()
    assert len(lines) == 1, captured.err
    return lines[0]


def _assembly(folder: Path, manifest: object) -> Path:
    folder.mkdir()
    (folder / "manifest.json").write_text(json.dumps(manifest))
    (folder / "t.json").write_text(json.dumps({"Resources": {"B": {"Type": "AWS::S3::Bucket"}}}))
    return folder


@pytest.mark.parametrize(
    ("manifest", "expected"),
    [
        ([1], "manifest.json: no artifacts in the cloud assembly manifest"),
        ({"artifacts": {}}, "manifest.json: the cloud assembly has no stack templates"),
        ({"artifacts": {"S": "x"}}, "manifest.json: the cloud assembly has no stack templates"),
        (
            {"artifacts": {"S": {"type": "aws:cloudformation:stack", "properties": {}}}},
            "manifest.json: stack artifact S has no templateFile",
        ),
        (
            {"artifacts": {"S": {**STACK, "metadata": {"/S/B": [{"type": "aws:cdk:logicalId"}]}}}},
            "manifest.json: malformed construct metadata",
        ),
    ],
)
def test_broken_cloud_assembly(
    tmp_path: Path, manifest: object, expected: str, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = _assembly(tmp_path / "cdk.out", manifest)
    assert main(["scan", str(folder), "--format", "json"]) == 2
    assert expected in _one_error_line(capsys)


def test_template_with_a_suffix_checkov_skips(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    template = tmp_path / "stack.cfn"
    template.write_text(BUCKET)
    assert main(["scan", str(template), "--format", "json"]) == 2
    assert "stack.cfn: a template's name must end in .json" in _one_error_line(capsys)


@pytest.mark.parametrize("command", ["scan", "report", "check"])
def test_output_path_blocked_by_a_file(
    tmp_path: Path, command: str, capsys: pytest.CaptureFixture[str]
) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("in the way")
    args = {
        "scan": ["scan", str(SMALL_PLATFORM), "--output", str(blocker / "x.json")],
        "report": ["report", str(SAMPLE_RECORD), "--output", str(blocker / "x.html")],
        "check": ["check", "--env", "dev", "--out", str(blocker)],
    }[command]
    assert main(args) == 2
    assert f"{blocker}" in _one_error_line(capsys)
    assert blocker.read_text() == "in the way"


def test_output_onto_a_folder_leaves_no_temporary_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / "folder"
    folder.mkdir()
    assert main(["report", str(SAMPLE_RECORD), "--output", str(folder)]) == 2
    assert "folder: cannot write" in _one_error_line(capsys)
    assert [p.name for p in tmp_path.iterdir()] == ["folder"]


def test_bad_waivers_in_check_leave_the_last_report_alone(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A configuration error is found before anything in --out is touched."""
    out = tmp_path / "out"
    out.mkdir()
    (out / "findings.json").write_text("{}")  # from an earlier run: a typo must not cost it
    waivers = tmp_path / "waivers.yaml"
    waivers.write_text("waivers: [\n")
    assert main(["check", "--env", "dev", "--out", str(out), "--waivers", str(waivers)]) == 2
    assert "waivers.yaml:2: invalid YAML" in _one_error_line(capsys)
    assert [p.name for p in out.iterdir()] == ["findings.json"]


@pytest.mark.parametrize("regions", ["", "us-east-1,", "mars", "us-east-1,EU-WEST-1"])
def test_bad_allowed_regions(regions: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["scan", str(SMALL_PLATFORM), "--allowed-regions", regions]) == 2
    assert "--allowed-regions: not an AWS region" in _one_error_line(capsys)


KEY_ARN = "arn:aws:kms:us-east-1:111111111111:key/1234abcd-12ab-34cd-56ef-1234567890ab"


@pytest.mark.parametrize(
    ("reference", "accepted"),
    [
        (KEY_ARN, True),
        ("arn:aws-us-gov:kms:us-gov-west-1:111111111111:key/1234abcd", True),
        ("alias/data", True),
        ("arn:aws:kms:us-east-1:111111111111:alias/data", True),
        ("alias/aws/s3", False),
        ("arn:aws:kms:us-east-1:111111111111:alias/aws/s3", False),
        ("alias/", False),
        ("arn:example:kms:us-east-1:111111111111:key/1234abcd", False),
        ("arn:aws:s3:::bucket", False),
        ("key-1234", False),
        ("alias/data key", False),
    ],
)
def test_cmk_and_the_environments_file_agree_on_key_references(
    reference: str, accepted: bool, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """One rule: what ``scan --cmk`` refuses, ``customer_managed_keys`` refuses too."""
    from compliance.environments import resolve_environments

    template = tmp_path / "bucket.yaml"
    template.write_text(BUCKET)
    code = main(["scan", str(template), "--format", "json", "--cmk", reference])
    captured = capsys.readouterr()
    assert (code != 2) is accepted, captured.err
    if not accepted:
        assert f"--cmk {reference!r}: not a customer-managed key reference" in captured.err
    environments = tmp_path / "environments.yaml"
    environments.write_text(
        "dev:\n  stack_name: TapStack-dev\n  region: us-east-1\n"
        f"  allowed_regions: [us-east-1]\n  customer_managed_keys: [{json.dumps(reference)}]\n"
    )
    if accepted:
        (dev,) = resolve_environments("dev", environments)
        assert dev.customer_managed_keys == (reference,)
    else:
        with pytest.raises(InputError, match=r"customer_managed_keys.*not a customer-managed key"):
            resolve_environments("dev", environments)


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        (b"\xff\xfe\x00dev", "environments.yaml: not UTF-8 text"),
        (b"dev: [\n", "environments.yaml:2: invalid YAML"),
        (b"dev:\n  region: 2030-13-45\n", "environments.yaml: invalid YAML"),
        (b"dev: 3\n", "environments.yaml:1: dev: expected a mapping, not 3"),
        (b"", "environments.yaml"),
    ],
)
def test_broken_environments_file(tmp_path: Path, body: bytes, expected: str) -> None:
    from compliance.environments import resolve_environments

    broken = tmp_path / "environments.yaml"
    broken.write_bytes(body)
    with pytest.raises(InputError) as caught:
        resolve_environments("dev", broken)
    assert expected in str(caught.value)
    assert "\n" not in str(caught.value)


DEEP = "[" * 100_000 + "]" * 100_000


@pytest.mark.parametrize(
    ("files", "args", "expected"),
    [
        ({"cdk.json": '{"app": ' + DEEP + "}"}, [], "cdk.json: invalid JSON: nested too deeply"),
        (
            {"cdk.json": '{"app": "python3 app.py"}', "cdk.context.json": DEEP},
            [],
            "cdk.context.json: invalid JSON: nested too deeply",
        ),
        (
            {"cdk.json": '{"app": "python3 app.py"}', "w.yaml": "waivers: " + DEEP},
            ["--waivers", "w.yaml"],
            "w.yaml: invalid YAML: nested too deeply",
        ),
    ],
)
def test_input_nested_past_python_s_parser_is_one_line(
    files: dict[str, str],
    args: list[str],
    expected: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """JSON or YAML nested deeper than Python's parsers recurse: the file named, not a
    RecursionError's traceback."""
    for name, text in files.items():
        (tmp_path / name).write_text(text)
    (tmp_path / "app.py").write_text("raise SystemExit('never run')\n")
    monkeypatch.chdir(tmp_path)
    assert main(["check", "--out", "out", *args]) == 2
    assert _one_error_line(capsys) == f"tap-compliance: error: {expected}"
    assert not (tmp_path / "out").exists()


def test_a_parameter_file_nested_past_python_s_parser_is_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    template, parameters = tmp_path / "t.yaml", tmp_path / "p.json"
    template.write_text(BUCKET)
    parameters.write_text(DEEP)
    assert main(["scan", str(template), "--parameter-file", str(parameters)]) == 2
    line = _one_error_line(capsys)
    assert line == f"tap-compliance: error: {parameters}: invalid JSON: nested too deeply"
