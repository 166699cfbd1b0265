"""The record says whether the checkout had uncommitted changes, and the report's cover too.

Each test works in a real git repository made in a temporary folder.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from compliance import engine
from compliance.outputs.report.render import render
from compliance.policy import Policy
from compliance.project import git_commit, uncommitted_paths
from compliance.record.findings import GIT_PATHS, FindingsRecord, GitState
from policies.catalog import Catalog
from tests.policies.policy_testdata import SMALL_PLATFORM


def _git(repo: Path, *args: str) -> str:
    done = subprocess.run(
        ["git", "-C", str(repo), "-c", "user.name=t", "-c", "user.email=t@example.com", *args],
        capture_output=True,
        text=True,
        check=True,
    )
    return done.stdout


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """A repository with one commit: ``templates/platform.yaml``, ``notes.txt``, ``old.txt``."""
    folder = tmp_path / "repo"
    (folder / "templates").mkdir(parents=True)
    shutil.copy(SMALL_PLATFORM, folder / "templates" / "platform.yaml")
    (folder / "notes.txt").write_text("notes\n")
    (folder / "old.txt").write_text("old\n")
    (folder / ".gitignore").write_text("out/\n")
    _git(folder, "init", "-q")
    _git(folder, "add", "-A")
    _git(folder, "commit", "-q", "-m", "first")
    return folder


def test_a_clean_checkout_has_no_uncommitted_paths(
    repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(repo / "templates")
    (repo / "out").mkdir()
    (repo / "out" / "findings.json").write_text("{}")  # ignored: not a change
    assert uncommitted_paths() == []
    assert git_commit() == _git(repo, "rev-parse", "HEAD").strip()


def test_changed_staged_renamed_and_untracked_paths_from_the_top_folder(
    repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (repo / "templates" / "platform.yaml").write_text("Resources: {}\n")
    (repo / "notes.txt").write_text("staged\n")
    _git(repo, "add", "notes.txt")
    _git(repo, "mv", "old.txt", "new name.txt")
    (repo / "templates" / "draft.yaml").write_text("Resources: {}\n")
    monkeypatch.chdir(repo / "templates")  # from a subfolder: still from the top folder
    assert sorted(uncommitted_paths() or []) == [
        "new name.txt",
        "notes.txt",
        "templates/draft.yaml",
        "templates/platform.yaml",
    ]


def test_outside_a_checkout_nothing_is_known(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("GIT_CEILING_DIRECTORIES", str(tmp_path.parent))
    assert (uncommitted_paths(), git_commit()) == (None, None)


def test_the_record_of_a_dirty_checkout_says_so(
    repo: Path, monkeypatch: pytest.MonkeyPatch, test_policy: Policy, test_catalog: Catalog
) -> None:
    monkeypatch.chdir(repo)
    template = Path("templates") / "platform.yaml"
    clean = engine.scan([template], policy=test_policy, allowed_regions=["us-east-1"])
    assert clean.git == GitState(dirty=False, changed=0, paths=[])
    assert "uncommitted" not in render(clean, "md", catalog=test_catalog)

    template.write_text(template.read_text() + "# edited\n")
    record = engine.scan([template], policy=test_policy, allowed_regions=["us-east-1"])
    assert record.git == GitState(dirty=True, changed=1, paths=["templates/platform.yaml"])
    assert record.git_commit == _git(repo, "rev-parse", "HEAD").strip()
    saved = FindingsRecord.model_validate_json(record.model_dump_json(by_alias=True))
    assert saved.git == record.git
    cover = "with uncommitted changes: 1 path (templates/platform.yaml)"
    assert f"**{cover}**" in render(record, "md", catalog=test_catalog)
    assert f"<strong>{cover}</strong>" in render(record, "html", catalog=test_catalog)


def test_many_paths_are_counted_and_the_first_named(
    small_record: FindingsRecord, test_catalog: Catalog
) -> None:
    paths = [f"infra/module{n:02}.py" for n in range(60)]
    git = GitState.of(paths)
    assert (git.dirty, git.changed, git.paths) == (True, 60, paths[:GIT_PATHS])
    shown = render(small_record.model_copy(update={"git": git}), "md", catalog=test_catalog)
    listed = ", ".join(paths[:10])
    assert f"with uncommitted changes: 60 paths ({listed} and 50 more)" in shown
