"""The engine imports nothing from the app under test (``infra/``).

Two proofs: no module of ``compliance`` names ``infra`` in an import (a scan of their syntax
trees, dynamic ``importlib`` calls included), and the CLI runs its checks with ``infra``
made unimportable.
"""

from __future__ import annotations

import ast
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
ENGINE = ROOT / "compliance"


def infra_imports(source: str) -> list[str]:
    """The imports of ``infra`` in a module's source (``import``, ``from``, ``import_module``)."""
    found = []
    for node in ast.walk(ast.parse(source)):
        names: list[str] = []
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names = [node.module]
        elif (
            isinstance(node, ast.Call)
            and getattr(node.func, "attr", getattr(node.func, "id", None))
            in ("import_module", "__import__")
            and node.args
            and isinstance(node.args[0], ast.Constant)
            and isinstance(node.args[0].value, str)
        ):
            names = [node.args[0].value]
        found += [name for name in names if name == "infra" or name.startswith("infra.")]
    return found


def test_the_scan_finds_an_import_of_infra() -> None:
    source = (
        "import os\nfrom infra.environments import Region\n"
        "def f():\n    import infra.app\n    importlib.import_module('infra.stack')\n"
    )
    assert infra_imports(source) == ["infra.environments", "infra.app", "infra.stack"]
    assert infra_imports("from infrastructure import x\nimport compliance.infra_free\n") == []


def test_no_engine_module_imports_infra() -> None:
    offenders = {
        path.relative_to(ROOT).as_posix(): found
        for path in sorted(ENGINE.rglob("*.py"))
        if (found := infra_imports(path.read_text(encoding="utf-8")))
    }
    assert offenders == {}


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
