"""Many files and tools that misbehave: a check that crashes leaves its verdict unknown (a
failure) instead of aborting the scan; a progress bar on a terminal only, never in CI."""

from __future__ import annotations

import os
import pty
import select
import subprocess
import sys
from pathlib import Path
from typing import Any

from checkov.cloudformation.checks.resource.base_resource_check import BaseResourceCheck
from checkov.common.models.enums import CheckCategories, CheckResult

from compliance.judging.judge import judge
from policies.cfn.template import load_template
from policies.context import Context
from tests.compliance.engine_testdata import ROOT

QUEUE = "Resources:\n  Queue:\n    Type: AWS::SQS::Queue\n    Properties: {KmsMasterKeyId: 5}\n"


class _CrashesOnNumbers(BaseResourceCheck):
    """A plain checkov check with a bug: it assumes KmsMasterKeyId is a string."""

    def __init__(self) -> None:
        super().__init__(
            name="queue key is an alias",
            id="CKV_TAPTEST_9",
            categories=[CheckCategories.ENCRYPTION],
            supported_resources=["AWS::SQS::Queue"],
        )

    def scan_resource_conf(self, conf: dict[str, Any]) -> CheckResult:
        key = conf["Properties"]["KmsMasterKeyId"]
        return CheckResult.PASSED if key.startswith("alias/") else CheckResult.FAILED


def test_a_check_that_crashes_is_unknown_not_an_abort(tmp_path: Path) -> None:
    path = tmp_path / "queue.yaml"
    path.write_text(QUEUE)
    template = load_template(path)
    (result,) = judge(
        template, shown="queue.yaml", checks=[_CrashesOnNumbers()], builtins=[], context=Context()
    )
    assert (result.check_id, result.logical_id, result.outcome) == (
        "CKV_TAPTEST_9",
        "Queue",
        "unknown",
    )
    assert result.reason is not None
    assert result.reason.startswith(
        "checkov's CKV_TAPTEST_9 crashed on this resource (AttributeError"
    )


def _scan_on_a_terminal(folder: Path, env: dict[str, str]) -> str:
    """Run scan with its stderr on a pseudo-terminal; what the terminal showed."""
    controller, terminal = pty.openpty()
    process = subprocess.Popen(
        [sys.executable, "-m", "compliance", "scan", str(folder), "--format", "json"],
        stdout=subprocess.DEVNULL,
        stderr=terminal,
        env={**env, "PYTHONPATH": str(ROOT)},
        cwd=ROOT,
    )
    os.close(terminal)
    shown = b""
    while True:
        ready, _, _ = select.select([controller], [], [], 120)
        if not ready:
            break
        try:
            chunk = os.read(controller, 65536)
        except OSError:
            break
        if not chunk:
            break
        shown += chunk
    process.wait(timeout=120)
    os.close(controller)
    return shown.decode(errors="replace")


def test_progress_on_a_terminal_only_and_never_in_ci(tmp_path: Path) -> None:
    for index in range(6):
        (tmp_path / f"stack{index}.yaml").write_text(QUEUE.replace("5", "alias/q"))
    outside_ci = {k: v for k, v in os.environ.items() if k != "CI"}
    assert "judging" in _scan_on_a_terminal(tmp_path, outside_ci)
    assert _scan_on_a_terminal(tmp_path, {**outside_ci, "CI": "true"}) == ""
