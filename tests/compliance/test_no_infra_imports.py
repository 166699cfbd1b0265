"""The engine runs without the app under test (``infra/``): the CLI works with ``infra`` made
unimportable. That no engine module names ``infra`` in an import is test_import_rules.py's.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_the_cli_runs_with_infra_unimportable(tmp_path: Path) -> None:
    """``infra`` blocked in ``sys.modules``: every command's help (environment names read from
    the environments file cdk.json declares), a scan with ``--env``, and the app resolved from
    cdk.json all work."""
    template = ROOT / "tests" / "fixtures" / "policies" / "TAP-ENC-01" / "pass.yaml"
    program = f"""
import sys
sys.modules["infra"] = None  # any import of infra or infra.* now raises ImportError
from compliance.cli import main
from compliance.environments import resolve_environments
from compliance.synthesis.app import resolve_app
for command in ("check", "scan", "report", "deploy", "verify", "diff"):
    try:
        main([command, "--help"])
    except SystemExit as done:
        assert done.code == 0, command
assert [e.name for e in resolve_environments("all")] == ["dev", "staging", "prod"]
assert resolve_app(None).module == "infra.app"
code = main(["scan", {str(template)!r}, "--env", "dev", "--format", "json",
             "--output", {str(tmp_path / "out.json")!r}])
assert code in (0, 1), code  # judged (a gate result), not an input error
import json
assert [t["env"] for t in json.load(open({str(tmp_path / "out.json")!r}))["targets"]] == ["dev"]
assert "infra" not in sys.modules or sys.modules["infra"] is None
print("ok")
"""
    done = subprocess.run(
        [sys.executable, "-c", program],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip().endswith("ok")
    assert "dev, staging, prod" in done.stdout  # check --help names the environments
