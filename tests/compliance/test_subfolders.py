"""``check`` from any folder of the project, and the modes of what a run writes.

A copy of the app is checked from its ``infra/`` folder, then from a ``docs/`` folder, with
``python -m compliance`` (the working directory first on ``sys.path``, the worst case for a
module of ``infra/`` named as another one) under umask 022, without ``--out``: the evidence
goes to the project root's ``reports/out``, the synthesis cache is the root's, and every file
written is 0644, every folder 0755 (``report --output`` and ``diff --output`` too).
"""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from tests.compliance.app_copy import copy_app
from tests.compliance.engine_testdata import ROOT

pytestmark = pytest.mark.slow

UMASK = 0o022


def _run(folder: Path, cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """``python -m compliance ARGS`` from ``cwd`` under umask 022, ``folder``'s app first."""
    environment = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(folder), str(ROOT)]),
        "NO_COLOR": "1",
        "COLUMNS": "250",
    }
    return subprocess.run(
        [sys.executable, "-m", "compliance", *args],
        cwd=cwd,
        env=environment,
        capture_output=True,
        text=True,
        check=False,
        umask=UMASK,
    )


def _modes(folder: Path) -> dict[str, set[str]]:
    """Each mode found below ``folder`` → the paths (relative) that have it."""
    modes: dict[str, set[str]] = {}
    for path in folder.rglob("*"):
        modes.setdefault(oct(stat.S_IMODE(path.stat().st_mode)), set()).add(
            path.relative_to(folder).as_posix() + ("/" if path.is_dir() else "")
        )
    return modes


def _only(modes: dict[str, set[str]]) -> dict[str, str]:
    """The modes of files and of folders, each given once when it is the only one."""
    files = {mode for mode, paths in modes.items() if any(not p.endswith("/") for p in paths)}
    folders = {mode for mode, paths in modes.items() if any(p.endswith("/") for p in paths)}
    return {"files": ",".join(sorted(files)), "folders": ",".join(sorted(folders))}


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the app with a ``docs/`` folder beside ``infra/``."""
    folder = copy_app(tmp_path_factory.mktemp("subfolders") / "project")
    (folder / "docs").mkdir()
    return folder


@pytest.fixture(scope="module")
def from_infra(project: Path) -> subprocess.CompletedProcess[str]:
    """``check --env dev`` run from the copy's ``infra/``."""
    return _run(project, project / "infra", "check", "--env", "dev")


def test_check_from_infra_writes_to_the_root(
    project: Path, from_infra: subprocess.CompletedProcess[str]
) -> None:
    assert from_infra.returncode in (0, 1), from_infra.stderr
    out = project / "reports" / "out"
    record = json.loads((out / "findings.json").read_text())
    assert [target["name"] for target in record["targets"]] == ["TapStack-dev"]
    assert f"wrote {out / 'findings.json'}" in from_infra.stdout
    assert not (project / "infra" / "reports").exists()
    assert not (project / "infra" / ".tap-cache").exists()
    assert len(list((project / ".tap-cache" / "synth").iterdir())) == 1


def test_check_from_docs_reuses_the_root_cache(
    project: Path, from_infra: subprocess.CompletedProcess[str]
) -> None:
    (entry,) = (project / ".tap-cache" / "synth").iterdir()
    stored = (entry / "entry.json").stat()
    before = (project / "reports" / "out" / "findings.json").stat().st_mtime_ns
    done = _run(project, project / "docs", "check", "--env", "dev")
    assert done.returncode == from_infra.returncode, done.stderr
    assert (project / "reports" / "out" / "findings.json").stat().st_mtime_ns > before
    assert not (project / "docs" / "reports").exists()
    assert not (project / "docs" / ".tap-cache").exists()
    (again,) = (project / ".tap-cache" / "synth").iterdir()
    assert again == entry and (entry / "entry.json").stat().st_ino == stored.st_ino  # reused


def test_evidence_follows_the_umask(
    project: Path, from_infra: subprocess.CompletedProcess[str]
) -> None:
    out = project / "reports" / "out"
    assert _only(_modes(out)) == {"files": "0o644", "folders": "0o755"}
    assert _only(_modes(project / ".tap-cache")) == {"files": "0o644", "folders": "0o755"}


def test_report_and_diff_outputs_follow_the_umask(
    project: Path, from_infra: subprocess.CompletedProcess[str]
) -> None:
    record = project / "reports" / "out" / "findings.json"
    written = project / "written"
    for args in (
        ("report", str(record), "--output", str(written / "html" / "audit.html")),
        ("report", str(record), "--format", "md", "--output", str(written / "audit.md")),
        ("diff", str(record), str(record), "--output", str(written / "diff" / "diff.md")),
        ("diff", str(record), str(record), "--format", "json", "--output", str(written / "d.json")),
    ):
        done = _run(project, project / "docs", *args)
        assert done.returncode == 0, done.stderr
    assert _modes(written) == {
        "0o644": {"html/audit.html", "audit.md", "diff/diff.md", "d.json"},
        "0o755": {"html/", "diff/"},
    }
