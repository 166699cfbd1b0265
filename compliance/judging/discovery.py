"""What ``scan PATH...`` is asked to judge: template files, folders walked, cloud assemblies.

Nothing here reads a template. A folder holding ``manifest.json`` is a cloud assembly (its
stacks come from the manifest, so nothing inside it is walked: asset folders may hold copies
of the project, ``cdk.out`` included). Any other folder is walked recursively for files named
like templates (``.json``, ``.yaml``, ``.yml``, ``.template``), skipping ``node_modules``,
``.git`` and the like; folder symlinks are not followed, so a symlink loop cannot trap the
walk. Well-known files that are never templates (``package.json``) are skipped and listed,
unread. Reading, size and parsing are the template model's (``policies.cfn.template``).
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from compliance.errors import InputError

#: The file names a template may have (checkov's CloudFormation runner reads only these).
SUFFIXES = (".json", ".yaml", ".yml", ".template")
MANIFEST = "manifest.json"
#: Folders never walked: dependencies, version control, caches, virtualenvs, build output.
SKIPPED_FOLDERS = frozenset(
    {"node_modules", ".git", ".hg", ".svn", ".venv", "venv", ".nox", ".tox", "__pycache__"}
    | {".mypy_cache", ".ruff_cache", ".pytest_cache", ".aws-sam", ".idea", ".vscode"}
)
#: Files with a template's suffix that are never templates: listed as skipped, never read.
NEVER_TEMPLATES = frozenset(
    {"package.json", "package-lock.json", "tsconfig.json", "cdk.json", "cdk.context.json"}
    | {"composer.json", ".eslintrc.json", "renovate.json", "samconfig.yaml", "pnpm-lock.yaml"}
    | {"docker-compose.yml", "docker-compose.yaml", ".pre-commit-config.yaml", "mkdocs.yml"}
    | {".gitlab-ci.yml", "buildspec.yml", "buildspec.yaml", "dependabot.yml"}
)

Kind = Literal["template", "assembly", "skipped", "error"]


@dataclass(frozen=True)
class Entry:
    """One thing found: a template file or cloud assembly to judge, or a file listed without
    judging it (skipped, or an error) with the reason."""

    path: Path
    kind: Kind
    reason: str = ""


def discover(paths: Sequence[Path]) -> list[Entry]:
    """Every template file and cloud assembly under ``paths``, in the order given (folders
    in name order). A path that does not exist is a usage error (exit 2 whatever the
    options), and so is a folder holding no template."""
    found: list[Entry] = []
    for path in paths:
        if not os.path.lexists(path):
            raise InputError(path, "no such file")
        if _is_dir(path):
            here: list[Entry] = []
            _walk(path, here)
            if not any(entry.kind in ("template", "assembly") for entry in here):
                skipped = sum(entry.kind == "skipped" for entry in here)
                what = f" ({skipped} file(s) skipped)" if skipped else ""
                raise InputError(path, f"no CloudFormation template in this folder{what}")
            found += here
        elif path.name in NEVER_TEMPLATES:
            found.append(_never(path))
        elif path.suffix.lower() not in SUFFIXES:
            found.append(
                Entry(path, "error", f"a template's name must end in {', '.join(SUFFIXES)}")
            )
        else:
            found.append(Entry(path, "template"))
    return found


def _walk(folder: Path, found: list[Entry]) -> None:
    if (folder / MANIFEST).is_file():
        found.append(Entry(folder, "assembly"))
        return
    try:
        entries = sorted(os.scandir(folder), key=lambda entry: entry.name)
    except OSError as error:
        found.append(Entry(folder, "error", f"cannot list: {error.strerror or error}"))
        return
    for entry in entries:
        path = Path(entry.path)
        if entry.is_dir(follow_symlinks=False):
            if entry.name not in SKIPPED_FOLDERS:
                _walk(path, found)
        elif entry.is_symlink() and _is_dir(path):
            continue  # folder symlinks are not followed (no loops, no walking out)
        elif path.suffix.lower() in SUFFIXES:
            found.append(_never(path) if path.name in NEVER_TEMPLATES else Entry(path, "template"))


def _never(path: Path) -> Entry:
    return Entry(path, "skipped", f"not a CloudFormation template ({path.name}, not read)")


def _is_dir(path: Path) -> bool:
    try:
        return path.is_dir()
    except OSError:
        return False  # a symlink loop or dangling link: read as a file, which says so
