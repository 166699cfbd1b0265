"""No module of the project takes a standard-library module's name.

A folder is on ``sys.path`` whenever Python runs from it (``python -m`` puts the working
directory first, ``python script.py`` the script's folder), and a module there named as one of
the standard library's hides it: ``infra/platform.py`` once broke ``import uuid`` for every run
from ``infra/``.
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _modules() -> dict[str, list[Path]]:
    """Every importable name a project folder offers: its ``.py`` files and its packages."""
    names: dict[str, list[Path]] = {}
    for path in ROOT.rglob("*.py"):
        relative = path.relative_to(ROOT)
        if any(part.startswith(".") or part == "__pycache__" for part in relative.parts):
            continue  # the venvs, nox's and git's folders
        if path.name == "__init__.py":
            names.setdefault(path.parent.name, []).append(relative.parent)
        else:
            names.setdefault(path.stem, []).append(relative)
    return names


def test_the_walk_finds_the_project_modules() -> None:
    modules = _modules()
    assert Path("infra/platform_settings.py") in modules["platform_settings"]
    assert Path("compliance") in modules["compliance"]
    assert Path("noxfile.py") in modules["noxfile"]


def test_no_project_module_shadows_the_standard_library() -> None:
    shadowing = {
        name: sorted(map(str, paths))
        for name, paths in _modules().items()
        if name in sys.stdlib_module_names
    }
    assert shadowing == {}
