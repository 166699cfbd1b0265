"""The pre-commit hook through ``pre-commit try-repo``, and the example CI workflows."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from compliance.environments import ALL, resolve_environments
from compliance.outputs.diff_markdown import MARKER
from tests.compliance.engine_testdata import ROOT

pytestmark = pytest.mark.slow

UNENCRYPTED = """AWSTemplateFormatVersion: "2010-09-09"
Resources:
  PlainBucket:
    Type: AWS::S3::Bucket
"""
ROTATING_KEY = (
    '{"Resources": {"Key": {"Type": "AWS::KMS::Key", "Properties": {"EnableKeyRotation": true}}}}'
)
NOT_A_TEMPLATE = "settings:\n  colour: blue\n"


def test_the_scan_hook_runs_through_pre_commit_try_repo(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    (repo / "templates").mkdir(parents=True)
    (repo / "config").mkdir()
    (repo / "templates" / "storage.yaml").write_text(UNENCRYPTED)
    (repo / "keys.template.json").write_text(ROTATING_KEY)
    (repo / "config" / "settings.yaml").write_text(NOT_A_TEMPLATE)
    git = ["git", "-C", str(repo)]
    subprocess.run([*git, "init", "-q"], check=True)
    subprocess.run([*git, "add", "-A"], check=True)
    environment = {
        **os.environ,
        "PRE_COMMIT_HOME": str(tmp_path / "pre-commit-home"),
        "NO_COLOR": "1",
        "COLUMNS": "200",
    }
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "pre_commit",
            "try-repo",
            str(ROOT),
            "tap-compliance-scan",
            "--all-files",
            "--verbose",
        ],
        cwd=repo,
        env=environment,
        capture_output=True,
        text=True,
        check=False,
        timeout=900,
    )
    output = done.stdout + done.stderr
    assert done.returncode == 1, output
    assert "tap-compliance scan" in output and "Failed" in output
    assert "exit code: 1" in output  # the gate failed; not a usage or input error (2)
    assert "2 target(s)" in output  # the two templates, not config/settings.yaml
    assert "TAP-ENC-01" in output and "gate failed" in output


def test_the_hook_is_declared_as_checkov_and_cfn_lint_declare_theirs() -> None:
    (hook,) = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text())
    assert hook["id"] == "tap-compliance-scan"
    assert hook["entry"] == "tap-compliance scan"
    assert hook["language"] == "python"


def step(workflow: dict[str, Any], name_part: str) -> dict[str, Any]:
    (found,) = [s for s in workflow["jobs"]["gate"]["steps"] if name_part in s.get("name", "")]
    return dict(found)


def test_the_workflow_gates_against_the_base_record_and_posts_one_sticky_comment() -> None:
    workflow = yaml.safe_load((ROOT / ".github" / "workflows" / "compliance.yml").read_text())
    assert workflow["permissions"]["pull-requests"] == "write"
    assert workflow["permissions"]["security-events"] == "write"
    base = step(workflow, "base commit")
    assert "pull_request.base.sha" in base["run"] and "--out" in base["run"]
    gate = step(workflow, "Compliance gate")
    assert '--baseline "$BASE_OUT/findings.json"' in gate["run"]
    upload = step(workflow, "SARIF")
    assert upload["with"]["sarif_file"] == "reports/out/findings.sarif"
    diff = step(workflow, "tap-compliance diff")
    assert "tap-compliance diff" in diff["run"] and "--format md" in diff["run"]
    comment = step(workflow, "sticky")
    assert f'"{MARKER}"' in comment["with"]["script"]
    assert "updateComment" in comment["with"]["script"]


def environments() -> list[str]:
    """The project's environments, in the order of its environments file."""
    return [env.name for env in resolve_environments(ALL, ROOT / "infra" / "environments.yaml")]


def test_the_github_matrix_gates_each_environment_then_merges_every_record() -> None:
    workflow = yaml.safe_load(
        (ROOT / ".github" / "workflows" / "compliance-matrix.yml").read_text()
    )
    gate, report = workflow["jobs"]["gate"], workflow["jobs"]["report"]
    assert gate["strategy"]["matrix"]["env"] == environments()
    assert gate["strategy"]["fail-fast"] is False
    steps = {s.get("name", s.get("uses")): s for s in gate["steps"]}
    assert steps["Compliance gate (${{ matrix.env }})"]["run"] == (
        'nox -s compliance -- --env "${{ matrix.env }}"'
    )
    upload = steps["Keep the shard's evidence folder"]
    assert upload["uses"] == "actions/upload-artifact@v4"
    assert upload["with"]["name"] == "compliance-${{ matrix.env }}"
    assert upload["with"]["path"].split() == ["reports/out/", "!reports/out/cdk.out/"]
    assert report["needs"] == "gate" and report["if"] == "${{ !cancelled() }}"
    steps = {s.get("name", s.get("uses")): s for s in report["steps"]}
    download = steps["Download every shard's evidence"]
    assert download["with"] == {"pattern": "compliance-*", "path": "shards"}
    merge = steps["One report over every shard (tap-compliance report)"]["run"]
    assert f"for env in {' '.join(environments())}; do" in merge
    assert '"$cli" report shards --format json --output merged/findings.json' in merge


def test_the_gitlab_matrix_keeps_each_shard_with_its_code_quality_then_merges() -> None:
    pipeline = yaml.safe_load((ROOT / ".gitlab-ci.yml").read_text())
    gate, report = pipeline["compliance"], pipeline["compliance-report"]
    assert gate["parallel"]["matrix"] == [{"ENVIRONMENT": environments()}]
    assert gate["script"] == ['nox -s compliance -- --env "$ENVIRONMENT"']
    artifacts = gate["artifacts"]
    assert artifacts["when"] == "always"
    assert artifacts["paths"] == ["reports/out/", "shards/"]
    assert artifacts["reports"]["codequality"] == "reports/out/gl-code-quality-report.json"
    assert 'cp reports/out/findings.json "shards/$ENVIRONMENT/"' in gate["after_script"][0]
    assert pipeline["stages"] == ["gate", "report"]
    assert (report["stage"], report["needs"], report["when"]) == (
        "report",
        ["compliance"],
        "always",
    )
    script = " ".join(report["script"])
    assert f"for env in {' '.join(environments())}; do" in script
    assert "tap-compliance report shards --format json --output merged/findings.json" in script
