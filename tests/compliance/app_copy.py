"""A copy of the project's CDK app to edit as a pull request would, and the gate run on it.

The copy holds ``infra/``, ``cdk.json`` and a waiver file; the gate runs in a child process
from the copy's folder with the copy first on ``PYTHONPATH``, so its ``infra`` is the one
synthesized and source locations are relative to the copy, as they are to a checkout in CI.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

from tests.compliance.engine_testdata import ROOT

NO_WAIVERS = "waivers: []\n"


def copy_app(folder: Path) -> Path:
    """``infra/`` and ``cdk.json`` of the project into ``folder`` (returned)."""
    folder.mkdir(parents=True, exist_ok=True)
    shutil.copytree(ROOT / "infra", folder / "infra", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy2(ROOT / "cdk.json", folder / "cdk.json")
    (folder / "waivers.yaml").write_text(NO_WAIVERS)
    return folder


def edit(path: Path, old: str, new: str) -> None:
    """Replace the one occurrence of ``old`` in ``path``."""
    text = path.read_text()
    assert text.count(old) == 1, f"{old!r} is not once in {path}"
    path.write_text(text.replace(old, new))


def line_of(path: Path, text: str) -> int:
    """The 1-based line of the one line of ``path`` that contains ``text``."""
    lines = [n for n, line in enumerate(path.read_text().splitlines(), 1) if text in line]
    assert len(lines) == 1, f"{text!r} is on lines {lines} of {path}"
    return lines[0]


def run_gate(folder: Path, *args: str, columns: int = 250) -> tuple[int, dict[str, Any], str]:
    """``tap-compliance check ARGS`` from ``folder``, its output a pipe ``columns`` wide:
    (exit code, record, stdout)."""
    environment = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(folder), str(ROOT)]),
        "NO_COLOR": "1",
        "COLUMNS": str(columns),
    }
    out = folder / "out"
    done = subprocess.run(
        [sys.executable, "-m", "compliance", "check", "--out", str(out), *args],
        cwd=folder,
        env=environment,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode in (0, 1), done.stderr
    record = json.loads((out / "findings.json").read_text())
    return done.returncode, record, done.stdout
