"""Where a run finds its project: the root folder, the waiver file, the tools' versions, the
git checkout (its commit and the paths with uncommitted changes)."""

from __future__ import annotations

import subprocess
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from compliance.datafile import display, json_root, parse_json, validated
from compliance.errors import InputError, read_text

#: A folder holding one of these is a project root (as ``cdk`` and Python tools read it).
ROOT_MARKERS = ("cdk.json", "pyproject.toml")
WAIVER_FILE = "waivers.yaml"
#: Where ``check``, ``deploy`` and ``verify`` write the evidence, below the project root.
EVIDENCE_FOLDER = Path("reports/out")
CDK_JSON = "cdk.json"
TOOLS = ("tap-compliance", "checkov", "cdk-nag", "aws-cdk-lib")


def project_root(start: Path | None = None) -> Path | None:
    """The nearest folder at or above ``start`` (default: the working directory) that holds
    ``cdk.json`` or ``pyproject.toml``; None when there is none."""
    here = (start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        if any((folder / marker).is_file() for marker in ROOT_MARKERS):
            return folder
    return None


def evidence_folder(named: Path | None, start: Path | None = None) -> Path:
    """``--out`` when given, else ``reports/out`` at the project root, from whichever folder
    of the project the run starts (the working directory's when there is no root)."""
    if named is not None:
        return named
    root = project_root(start)
    return EVIDENCE_FOLDER if root is None else _shown(root / EVIDENCE_FOLDER)


@dataclass(frozen=True)
class WaiverSource:
    """The waiver file a run uses, or why it uses none."""

    path: Path | None
    #: Where the run looked when no file was named and none was found.
    looked_in: Path | None = None

    def describe(self) -> str:
        """One line for the summary: the file used, or a loud "no waiver file"."""
        if self.path is not None:
            return f"waivers: {self.path}"
        where = f" in {self.looked_in}" if self.looked_in else " (no project root above here)"
        return f"no waiver file: no {WAIVER_FILE}{where}, so no failure is waived"


def waiver_source(named: Path | None, start: Path | None = None) -> WaiverSource:
    """The file ``--waivers`` names (it must exist), else ``waivers.yaml`` at the project root."""
    if named is not None:
        if not named.is_file():
            problem = "a folder, not a file" if named.is_dir() else "no such file"
            raise InputError(named, problem)
        return WaiverSource(named)
    root = project_root(start)
    if root is not None and (root / WAIVER_FILE).is_file():
        return WaiverSource(_shown(root / WAIVER_FILE))
    return WaiverSource(None, root)


class CdkJson(BaseModel):
    """The parts of ``cdk.json`` the engine reads."""

    model_config = ConfigDict(extra="allow", frozen=True)

    app: str | None = None
    context: dict[str, Any] = Field(default_factory=dict)


def read_cdk_json(path: Path) -> CdkJson:
    """``cdk.json``; an unreadable or malformed one is an :class:`InputError` (every problem,
    a line each)."""
    text = read_text(path)
    raw = parse_json(text, display(path))
    read: CdkJson = validated(path, CdkJson, raw, lambda: json_root(text))
    return read


def find_cdk_json(start: Path | None = None) -> Path | None:
    """``cdk.json`` at the project root (the nearest folder above holding it or pyproject)."""
    root = project_root(start)
    return root / CDK_JSON if root is not None and (root / CDK_JSON).is_file() else None


def tool_versions() -> dict[str, str]:
    """The installed versions of this tool and the tools it runs (absent ones left out)."""
    versions = {}
    for tool in TOOLS:
        try:
            versions[tool] = metadata.version(tool)
        except metadata.PackageNotFoundError:
            continue
    return versions


def _shown(path: Path) -> Path:
    try:
        return path.relative_to(Path.cwd().resolve())
    except ValueError:
        return path


def git_commit() -> str | None:
    """The commit checked out (``git rev-parse HEAD``); None outside a git checkout."""
    head = _git("rev-parse", "HEAD")
    return head.strip() or None if head is not None else None


def uncommitted_paths() -> list[str] | None:
    """Every path ``git status`` lists: changed, staged or untracked, not ignored; relative to
    the repository's top folder (porcelain output is, from any subfolder). None outside a
    git checkout."""
    status = _git("status", "--porcelain", "-z")
    if status is None:
        return None
    entries = iter(status.split("\0"))
    paths = []
    for entry in entries:
        if not entry:
            continue
        code, path = entry[:2], entry[3:]  # "XY PATH"; a rename or copy: its source follows
        paths.append(path)
        if "R" in code or "C" in code:
            next(entries, None)
    return paths


def _git(*args: str) -> str | None:
    """``git ARGS``'s output in the working directory; None when git fails or is missing."""
    try:
        done = subprocess.run(
            ["git", *args], capture_output=True, text=True, check=False, timeout=10
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    return done.stdout if done.returncode == 0 else None
