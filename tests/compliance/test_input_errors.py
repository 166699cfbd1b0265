"""Every problem of an input file at once: a line each naming ``file:line`` and what is wrong
there, exit 2, no traceback, nothing written. One test per kind of file, each file holding two
or three problems; the lines are found in the file's text, by what was broken there."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from compliance.cli import main
from compliance.errors import InputError
from compliance.outputs.report.data import DATA_DIR, ReferenceDataError, load_reference_data
from compliance.record.findings import Finding
from compliance.record.requirements import TreeError, load_tree
from policies.catalog import CATALOG_PATH, Control, load_catalog
from tests.compliance.app_copy import copy_app, edit, line_of
from tests.compliance.engine_testdata import ROOT
from tests.policies.policy_testdata import SMALL_PLATFORM

ENV_FILE = "tap-compliance:environments-file"
SAMPLE_RECORD = ROOT / "tests" / "fixtures" / "records" / "tap-sample.json"
GOOD_ENVIRONMENTS = """\
dev:
  stack_name: Tap-dev
  region: us-east-1
  allowed_regions: [us-east-1]
"""


def line_in(text: str, marker: str) -> int:
    """The line (1-based) of the one line of ``text`` holding ``marker``."""
    (line,) = [n for n, each in enumerate(text.splitlines(), 1) if marker in each]
    return line


def errors(capsys: pytest.CaptureFixture[str]) -> list[str]:
    """What the CLI wrote: nothing on stdout, a line a problem on stderr."""
    captured = capsys.readouterr()
    assert captured.out == ""
    assert "Traceback" not in captured.err
    return captured.err.splitlines()


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A project of its own (cdk.json, an environments file, an app), the working folder."""
    (tmp_path / "cdk.json").write_text(
        json.dumps(
            {"app": "python3 app.py", "context": {"tap-compliance:environments-file": "envs.yaml"}}
        )
    )
    (tmp_path / "envs.yaml").write_text(GOOD_ENVIRONMENTS)
    (tmp_path / "app.py").write_text("")
    (tmp_path / "home").mkdir()
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_the_environments_file(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A bad value, a stack two environments deploy, and a misspelt key: named as the unknown
    key it is (the engine reads only its fields of the file, so no known keys are listed)."""
    text = GOOD_ENVIRONMENTS.replace("region: us-east-1", "region: Europe") + (
        "staging:\n  stack_name: Tap-dev\n  region: us-east-1\n  allowed_region: [us-east-1]\n"
    )
    (project / "envs.yaml").write_text(text)
    assert main(["check", "--env", "dev", "--out", "out"]) == 2
    assert errors(capsys) == [
        f"tap-compliance: error: envs.yaml:{line_in(text, 'Europe')}: dev.region: 'Europe' "
        r"does not match the pattern ^[a-z]{2}(-gov)?-[a-z]+-\d$",
        f"tap-compliance: error: envs.yaml:{line_in(text, 'staging:') + 1}: staging.stack_name: "
        "Tap-dev is also dev's",
        f"tap-compliance: error: envs.yaml:{line_in(text, 'allowed_region:')}: staging: "
        "unknown key allowed_region (did you mean allowed_regions?)",
    ]
    assert not (project / "out").exists()


def test_cdk_json(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    text = json.dumps({"app": 3, "context": ["tap-compliance:environments-file"]}, indent=2)
    (project / "cdk.json").write_text(text)
    assert main(["check", "--env", "dev", "--out", "out"]) == 2
    assert errors(capsys) == [
        f"tap-compliance: error: cdk.json:{line_in(text, 'app')}: app: "
        "Input should be a valid string",
        f"tap-compliance: error: cdk.json:{line_in(text, 'context')}: context: "
        "expected a mapping, not a list",
    ]
    assert not (project / "out").exists()


def test_cdk_json_naming_no_environments_file(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    text = json.dumps({"app": "python3 app.py", "context": {ENV_FILE: 3}}, indent=2)
    (project / "cdk.json").write_text(text)
    assert main(["check", "--env", "dev", "--out", "out"]) == 2
    assert errors(capsys) == [
        f"tap-compliance: error: cdk.json:{line_in(text, ENV_FILE)}: context.{ENV_FILE}: "
        "expected a path"
    ]


def test_cdk_context_json(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """JSON stops at its first syntax error: that one, at its line, before any work."""
    (project / "cdk.context.json").write_text('{\n  "a": 1,\n  "b": 2\n  "c": 3\n}\n')
    assert main(["check", "--env", "dev", "--out", "out"]) == 2
    assert errors(capsys) == [
        "tap-compliance: error: cdk.context.json:4: invalid JSON: Expecting ',' delimiter"
    ]
    assert not (project / "out").exists()


def test_the_baseline_record(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    raw = json.loads(SAMPLE_RECORD.read_text())
    raw["findings"][0]["status"] = "passed"
    raw["findings"][1]["colour"] = "red"
    raw["findings"][3]["resource"]["logical_id"] = 7
    text = json.dumps(raw, indent=2)
    baseline = tmp_path / "base.json"
    baseline.write_text(text)
    output = tmp_path / "out" / "findings.json"
    args = ["scan", str(SMALL_PLATFORM), "--baseline", str(baseline), "--output", str(output)]
    assert main(args) == 2
    known = ", ".join(field.alias or name for name, field in Finding.model_fields.items())
    said = f"tap-compliance: error: {baseline}"
    not_a = "not a tap-compliance/findings@2 record"
    number_line = line_in(text, '"logical_id": 7')
    status_line = line_in(text, '"status": "passed"')
    assert errors(capsys) == [
        f"{said}:{status_line}: {not_a}: finding #1: status: Input should be "
        "'fail', 'pass', 'waived' or 'not-applicable'",
        f"{said}:{line_in(text, 'colour')}: {not_a}: finding #2: unknown key colour; "
        f"known keys: {known}",
        f"{said}:{number_line}: {not_a}: finding #4: "
        "resource.logical_id: Input should be a valid string",
    ]
    assert not output.parent.exists()


def test_the_catalogue(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """A bad value, a misspelt key (named as unknown, not its field as missing) and an
    applicability naming no attribute of an environment, each under its control's id."""
    text = (
        CATALOG_PATH.read_text()
        .replace("severity: high", "severity: severe", 1)
        .replace("    rationale:", "    rationle:", 2)
        .replace("rationle:", "rationale:", 1)
        .replace("environment: {retain_data: true}", "environment: {retain_dta: true}")
    )
    catalog = tmp_path / "catalog.yaml"
    catalog.write_text(text)
    monkeypatch.setattr("compliance.policy.CATALOG_PATH", catalog)
    monkeypatch.setattr("compliance.policy.default_catalog", lambda: load_catalog(catalog))
    monkeypatch.chdir(ROOT)
    out = tmp_path / "out"
    assert main(["check", "--env", "dev", "--out", str(out)]) == 2
    known = ", ".join(field.alias or name for name, field in Control.model_fields.items())
    assert errors(capsys) == [
        f"tap-compliance: error: {catalog}:{line_in(text, 'severe')}: control TAP-ENC-01: "
        "severity: Input should be 'critical', 'high', 'medium', 'low' or 'info'",
        f"tap-compliance: error: {catalog}:{line_in(text, 'rationle')}: control TAP-ENC-02: "
        f"unknown key rationle (did you mean rationale?); known keys: {known}",
        f"tap-compliance: error: {catalog}:{line_in(text, 'retain_dta')}: control TAP-DAT-01: "
        "applicability names retain_dta, not an attribute of an environment",
    ]
    assert not out.exists()


TREE = """\
requirements:
  - id: '1'
    title: Network things
    sections:
      - id: '1.1'
        titel: Processes here
        requirements:
          - {id: '1.1.1', title: Policies written, status: done}
          - {id: '1.1.2', title: Roles assigned, status: manual}
"""


def test_the_pci_dss_tree(tmp_path: Path) -> None:
    path = tmp_path / "tree.yaml"
    path.write_text(TREE)
    with pytest.raises(TreeError) as caught:
        load_tree(path)
    assert str(caught.value).splitlines() == tree_problems(path)


def tree_problems(path: Path) -> list[str]:
    return [
        f"{path}:6: section 1.1: unknown key titel (did you mean title?); "
        "known keys: id, title, requirements",
        f"{path}:8: requirement 1.1.1: status: Input should be 'automated', 'partial', "
        "'manual' or 'not-applicable'",
        f"{path}:9: requirement 1.1.2: 1.1.2: a manual requirement needs a note",
    ]


def test_the_report_s_reference_data(tmp_path: Path) -> None:
    for name in ("config_rules.yaml", "roc_statuses.yaml"):
        (tmp_path / name).write_text((DATA_DIR / name).read_text())
    (tmp_path / "pci_dss.yaml").write_text(
        '"4.0.1":\n  "1": Install things\n  "1.2": [a, list]\n"4.1":\n  "1": Newer\n'
    )
    with pytest.raises(ReferenceDataError) as caught:
        load_reference_data(tmp_path)
    path = tmp_path / "pci_dss.yaml"
    assert str(caught.value).splitlines() == [
        f'{path}:3: "4.0.1"."1.2": Input should be a valid string',
        f"{path}:4: key 4.1: Input should be '4.0.1' or '3.2.1'",
    ]
    assert isinstance(caught.value, InputError)


def test_the_environments_file_as_the_app_reads_it(tmp_path: Path) -> None:
    """The fields only the app reads are the app's to check: its every problem reaches the
    gate's error, a line each, when it runs the app."""
    from infra.environments import EnvironmentSpec

    folder = copy_app(tmp_path / "project")
    environments = folder / "infra" / "environments.yaml"
    edit(environments, "  suffix: dev\n", "  suffix: Dev\n  acount: '1'\n")
    done = subprocess.run(
        [sys.executable, "-m", "compliance", "check", "--env", "dev", "--out", "out"],
        cwd=folder,
        env={**os.environ, "PYTHONPATH": os.pathsep.join([str(folder), str(ROOT)])},
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 2 and "Traceback" not in done.stderr
    failed = "tap-compliance: error: python3 -m infra.app: the CDK app failed to synthesize: error"
    known = ", ".join(EnvironmentSpec.model_fields)
    assert done.stderr.splitlines() == [
        f"{failed}: infra/environments.yaml:{line_of(environments, 'Dev')}: dev.suffix: 'Dev' "
        "does not match the pattern ^[a-z0-9][a-z0-9-]{0,19}$",
        f"{failed}: infra/environments.yaml:{line_of(environments, 'acount')}: dev: unknown key "
        f"acount (did you mean account?); known keys: {known}",
    ]
    assert list((folder / "out").iterdir()) == []  # the app ran in the run's folder: left empty


def test_check_reads_the_tree_before_touching_out(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """The data files the record and the report are made with are read before the run: a bad
    one leaves the last evidence as it was."""
    path = tmp_path / "tree.yaml"
    path.write_text(TREE)
    monkeypatch.setattr("compliance.cli.commands.default_tree", lambda: load_tree(path))
    monkeypatch.chdir(ROOT)
    out = tmp_path / "out"
    out.mkdir()
    (out / "findings.json").write_text("{}")  # an earlier run's evidence
    assert main(["check", "--env", "dev", "--out", str(out)]) == 2
    assert errors(capsys) == [f"tap-compliance: error: {line}" for line in tree_problems(path)]
    assert [p.name for p in out.iterdir()] == ["findings.json"]
