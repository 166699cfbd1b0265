"""The docs name only code that exists: every file path, package folder and dotted module name
in docs/*.md and README.md resolves, so a moved module cannot leave its old path behind."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DOCS = [*sorted((ROOT / "docs").glob("*.md")), ROOT / "README.md"]
#: Top-level folders whose code the docs name.
CODE = ("compliance", "policies", "infra")
EDGE = r"(?<![\w./-])"
#: ``compliance/outputs/formats.py``, ``tests/golden/golden_records.py``, ``compliance/aws/``.
PATH = re.compile(EDGE + r"((?:[\w-]+/)+(?:[\w.-]+\.py)?)(?![\w.-])")
#: ``compliance.environments.EnvironmentSpec``, ``policies.docs``.
DOTTED = re.compile(EDGE + rf"((?:{'|'.join(CODE)})(?:\.[A-Za-z_]\w*)+)")
#: A file named alone, as docs/deploy.md names the steps of ``compliance/aws/``.
BARE = re.compile(r"`([\w-]+\.py)`")


def named_paths(text: str) -> set[str]:
    """Paths into the project's folders: Python files, and folders of code (``…/``)."""
    tops = {p.name for p in ROOT.iterdir() if p.is_dir()}
    found = set()
    for path in PATH.findall(text):
        top = path.split("/")[0]
        if top in tops and (path.endswith(".py") or top in CODE):
            found.add(path)
    return found


def unresolved(name: str) -> bool:
    """Whether a dotted name is no module, or names something its module does not define."""
    parts = name.split(".")
    for cut in range(len(parts), 0, -1):
        base = ROOT.joinpath(*parts[:cut])
        module = (
            base.with_suffix(".py") if base.with_suffix(".py").is_file() else base / "__init__.py"
        )
        if module.is_file():
            rest = parts[cut:]
            return len(rest) > 1 or (len(rest) == 1 and rest[0] not in defined(module))
    return True


def defined(module: Path) -> set[str]:
    """The names a module defines or imports at its top level."""
    names = set()
    for node in ast.parse(module.read_text(encoding="utf-8")).body:
        if isinstance(node, ast.FunctionDef | ast.ClassDef):
            names.add(node.name)
        elif isinstance(node, ast.Assign):
            names |= {t.id for t in node.targets if isinstance(t, ast.Name)}
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            names.add(node.target.id)
        elif isinstance(node, ast.ImportFrom | ast.Import):
            names |= {(a.asname or a.name).split(".")[0] for a in node.names}
    return names


def project_files() -> set[str]:
    """The names of the project's Python files (virtual environments left out)."""
    return {
        path.name
        for path in ROOT.rglob("*.py")
        if not {".nox", ".venv", "node_modules", "cdk.out"} & set(path.parts)
    }


@pytest.mark.parametrize("doc", DOCS, ids=lambda p: p.name)
def test_every_path_named_exists(doc: Path) -> None:
    text = doc.read_text(encoding="utf-8")
    assert sorted(p for p in named_paths(text) if not (ROOT / p).exists()) == []


@pytest.mark.parametrize("doc", DOCS, ids=lambda p: p.name)
def test_every_module_named_exists(doc: Path) -> None:
    text = doc.read_text(encoding="utf-8")
    assert sorted(n for n in set(DOTTED.findall(text)) if unresolved(n)) == []
    assert sorted(set(BARE.findall(text)) - project_files()) == []


def test_the_scan_sees_paths_and_modules() -> None:
    text = (
        "see `compliance/outputs/formats.py` and compliance/record/ (diagram), "
        "`compliance.environments.EnvironmentSpec`, python -m policies.docs, "
        "tap-compliance/findings@1, .github/workflows/compliance.yml, `compliance/waivers.yaml`"
    )
    assert named_paths(text) == {"compliance/outputs/formats.py", "compliance/record/"}
    assert set(DOTTED.findall(text)) == {"compliance.environments.EnvironmentSpec", "policies.docs"}
    assert not unresolved("compliance.environments.EnvironmentSpec")
    assert not unresolved("policies.docs")
    assert unresolved("compliance.findings")  # moved to compliance/record/findings.py
    assert unresolved("compliance.environments.NoSuchThing")
    assert not (ROOT / "compliance/synth.py").exists()
    assert named_paths("`compliance/synth.py`") == {"compliance/synth.py"}
