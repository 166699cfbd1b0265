"""What ``scan PATH...`` is asked to judge: template files, folders walked, cloud assemblies.

Nothing here parses a template. A folder holding ``manifest.json`` is a cloud assembly (its
stacks come from the manifest, so nothing inside it is walked: asset folders may hold copies
of the project, ``cdk.out`` included). Any other folder is walked recursively for files named
like templates (``.json``, ``.yaml``, ``.yml``, ``.template``), skipping ``node_modules``,
``.git`` and the like; folder symlinks are not followed, so a symlink loop cannot trap the
walk. Files are checked before anything reads them: a file over CloudFormation's template
size limit is never read (memory stays bounded), an unreadable file or a symlink loop is an
error of that file; well-known files that are never templates (``package.json``) are skipped
and listed, unread.
"""

from __future__ import annotations

import errno
import os
import stat
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from compliance.errors import InputError

#: The file names a template may have (checkov's CloudFormation runner reads only these).
SUFFIXES = (".json", ".yaml", ".yml", ".template")
MANIFEST = "manifest.json"
#: Folders never walked: dependencies, version control, caches, virtualenvs.
SKIPPED_FOLDERS = frozenset(
    {"node_modules", ".git", ".hg", ".svn", ".venv", "venv", ".nox", ".tox", "__pycache__"}
    | {".mypy_cache", ".ruff_cache", ".pytest_cache", ".aws-sam", ".idea", ".vscode"}
)
#: Files with a template's suffix that are never templates: listed as skipped, never read.
NEVER_TEMPLATES = frozenset(
    {"package.json", "package-lock.json", "tsconfig.json", "cdk.json", "cdk.context.json"}
    | {"tree.json", "composer.json", ".eslintrc.json", "renovate.json", "samconfig.yaml"}
    | {"docker-compose.yml", "docker-compose.yaml", "pnpm-lock.yaml", ".pre-commit-config.yaml"}
    | {"mkdocs.yml", ".gitlab-ci.yml", "buildspec.yml", "buildspec.yaml", "dependabot.yml"}
)
#: CloudFormation refuses a template larger than this (1 MB, uploaded through S3).
MAX_TEMPLATE_BYTES = 1_000_000


@dataclass(frozen=True)
class Problem:
    """A path that is listed but not judged: skipped (not a template) or an error."""

    path: Path
    reason: str


@dataclass
class Discovered:
    """The targets found under the paths given, in a stable order."""

    templates: list[Path] = field(default_factory=list)
    assemblies: list[Path] = field(default_factory=list)
    skipped: list[Problem] = field(default_factory=list)
    errors: list[Problem] = field(default_factory=list)


def discover(paths: Sequence[Path]) -> Discovered:
    """Every template file and cloud assembly under ``paths``. A path that does not exist is
    a usage error (exit 2 whatever the options); a folder holding no template is one too."""
    found = Discovered()
    for path in paths:
        if not os.path.lexists(path):
            raise InputError(path, "no such file")
        if path.is_dir():
            before = len(found.templates) + len(found.assemblies)
            _walk(path, found)
            if len(found.templates) + len(found.assemblies) == before:
                listed = [p for p in found.skipped if _within(p.path, path)]
                what = f" ({len(listed)} file(s) skipped)" if listed else ""
                raise InputError(path, f"no CloudFormation template in this folder{what}")
        else:
            _file(path, found, named=True)
    return found


def _walk(folder: Path, found: Discovered) -> None:
    if (folder / MANIFEST).is_file():
        found.assemblies.append(folder)
        return
    try:
        entries = sorted(os.scandir(folder), key=lambda entry: entry.name)
    except OSError as error:
        found.errors.append(Problem(folder, _problem(error)))
        return
    for entry in entries:
        path = Path(entry.path)
        if entry.is_dir(follow_symlinks=False):
            if entry.name not in SKIPPED_FOLDERS:
                _walk(path, found)
        elif entry.is_symlink() and _is_dir_link(path):
            continue  # folder symlinks are not followed (no loops, no walking out)
        elif path.suffix.lower() in SUFFIXES:
            _file(path, found, named=False)


def _file(path: Path, found: Discovered, *, named: bool) -> None:
    """Check one file without reading it: it is a candidate template, skipped, or an error."""
    if path.name in NEVER_TEMPLATES:
        found.skipped.append(Problem(path, f"{path.name} is never a CloudFormation template"))
        return
    try:
        info = path.stat()
    except OSError as error:
        found.errors.append(Problem(path, _problem(error)))
        return
    if not stat.S_ISREG(info.st_mode):
        found.errors.append(Problem(path, "not a regular file"))
        return
    if info.st_size > MAX_TEMPLATE_BYTES:
        found.errors.append(Problem(path, _too_large(info.st_size)))
        return
    if not os.access(path, os.R_OK):
        found.errors.append(Problem(path, "cannot read: permission denied"))
        return
    if named and path.suffix.lower() not in SUFFIXES:
        found.errors.append(Problem(path, f"a template's name must end in {', '.join(SUFFIXES)}"))
        return
    found.templates.append(path)


def _too_large(size: int) -> str:
    return (
        f"{size / 1_000_000:.1f} MB, over CloudFormation's 1 MB template size limit "
        "(it cannot be deployed; not read)"
    )


def _is_dir_link(path: Path) -> bool:
    try:
        return path.is_dir()
    except OSError:
        return False  # a loop or a dangling link: examined as a file (an error there)


def _problem(error: OSError) -> str:
    if error.errno == errno.ELOOP:
        return "a symlink loop"
    if isinstance(error, FileNotFoundError):
        return "no such file (a dangling symlink?)"
    if isinstance(error, PermissionError):
        return "cannot read: permission denied"
    return f"cannot read: {error.strerror or error}"


def _within(path: Path, folder: Path) -> bool:
    return path == folder or folder in path.parents


def first_error(problems: Iterable[Problem]) -> InputError | None:
    """The first problem as the one-line error a run without --keep-going stops with."""
    for problem in problems:
        return InputError(problem.path, problem.reason)
    return None
