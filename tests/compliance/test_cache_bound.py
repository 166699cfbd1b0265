"""Each cache keeps its most recently used entries: N + k stores leave exactly N, a reused
entry outlives those stored before its reuse, and an entry removed while a run reads it is a
miss for that run, never half an entry taken for whole."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

import compliance.policy
from compliance import cache_bound, judgement_cache
from compliance.cache_bound import ABANDONED, ENTRIES_ENV, entries_limit, prune, remove
from compliance.errors import InputError
from compliance.record.findings import FindingsRecord
from compliance.synthesis import cache
from tests.compliance.engine_testdata import ROOT
from tests.compliance.one_day import OnDay
from tests.compliance.test_synth_cache import script_app  # noqa: F401  (the fixture)

KEYS = [f"{n:x}" * 64 for n in range(10)]


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A project root (its ``cdk.json``) as the working directory, the caches below it."""
    (tmp_path / "cdk.json").write_text('{"app": "python3 app.py"}')
    monkeypatch.chdir(tmp_path)
    return tmp_path


@pytest.fixture
def assembly(project: Path) -> Path:
    """An assembly folder as a synthesis leaves it: a manifest, templates, an asset's file."""
    folder = project / "cdk.out"
    (folder / "asset.1234").mkdir(parents=True)
    (folder / "manifest.json").write_text(json.dumps({"version": "41.0.0", "artifacts": {}}))
    for name in ("A", "B", "C"):
        template = {"Resources": {f"{name}Topic": {"Type": "AWS::SNS::Topic"}}}
        (folder / f"{name}.template.json").write_text(json.dumps(template))
    (folder / "asset.1234" / "index.py").write_text("def handler(event, context): pass\n")
    return folder


def _synth_entries(project: Path) -> set[str]:
    return {path.name for path in (project / cache.CACHE_DIR).iterdir()}


def _judged_entries(project: Path) -> set[str]:
    return {path.stem for path in (project / judgement_cache.CACHE_DIR).iterdir()}


def _store(project: Path, assembly: Path, key: str, limit: int) -> str:
    """The assembly stored as the synthesis cache stores it, under ``key``: its proof."""
    proof = cache._store(project / cache.CACHE_DIR / key, assembly, [project / "cdk.json"], limit)
    assert proof is not None
    return proof


def _same_files(left: Path, right: Path) -> bool:
    return cache._hashes(left) == cache._hashes(right)


def test_n_and_k_synthesis_stores_leave_the_n_most_recently_used(
    project: Path, assembly: Path
) -> None:
    for count, key in enumerate(KEYS[:5], start=1):
        _store(project, assembly, key, 3)
        assert _synth_entries(project) == set(KEYS[max(0, count - 3) : count])

    # the oldest kept, reused: it outlives the two stored after it, the next store prunes KEYS[3]
    oldest = project / cache.CACHE_DIR / KEYS[2]
    assert cache._reuse(oldest, project / "out") is not None
    assert _same_files(project / "out", assembly)
    _store(project, assembly, KEYS[5], 3)
    assert _synth_entries(project) == {KEYS[2], KEYS[4], KEYS[5]}
    _store(project, assembly, KEYS[6], 3)
    assert _synth_entries(project) == {KEYS[2], KEYS[5], KEYS[6]}

    # a limit of one keeps the entry just stored, whatever the others' times say
    future = (oldest.stat().st_mtime_ns + 10**12,) * 2
    os.utime(oldest, ns=future)
    _store(project, assembly, KEYS[7], 1)
    assert _synth_entries(project) == {KEYS[7]}


def test_n_and_k_judgement_stores_leave_the_n_most_recently_used(
    project: Path, small_record: FindingsRecord, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(ENTRIES_ENV, "3")
    for count, key in enumerate(KEYS[:5], start=1):
        judgement_cache.store(key, small_record)
        assert _judged_entries(project) == set(KEYS[max(0, count - 3) : count])

    found = judgement_cache.reused(KEYS[2])
    assert found is not None and found.findings == small_record.findings
    judgement_cache.store(KEYS[5], small_record)
    assert _judged_entries(project) == {KEYS[2], KEYS[4], KEYS[5]}
    assert judgement_cache.reused(KEYS[3]) is None  # pruned: a miss


def test_a_half_removed_synthesis_entry_is_a_miss_never_an_error(
    project: Path, assembly: Path
) -> None:
    entry = project / cache.CACHE_DIR / KEYS[0]
    out = project / "out"

    # as a removal interrupted half-way leaves it: some of its files gone
    _store(project, assembly, KEYS[0], 3)
    (entry / cache.ASSEMBLY / "B.template.json").unlink()
    shutil.rmtree(entry / cache.ASSEMBLY / "asset.1234")
    assert cache._reuse(entry, out) is None
    assert not out.exists() and not entry.exists()  # the entry removed, never trusted

    # its note gone, its assembly left
    _store(project, assembly, KEYS[0], 3)
    (entry / cache.NOTE).unlink()
    assert cache._reuse(entry, out) is None
    assert not out.exists()

    # removed (renamed away, then deleted) before the run opens it
    _store(project, assembly, KEYS[0], 3)
    remove(entry)
    assert cache._reuse(entry, out) is None
    assert not out.exists() and _synth_entries(project) == set()


def _while_copied(monkeypatch: pytest.MonkeyPatch, meanwhile: Callable[[], None]) -> list[Path]:
    """Run ``meanwhile`` once, after the first file of the next assembly the cache copies is
    copied (as another run pruning, or storing, at that instant would); the files it copies.
    The cache's own copying is the real one, file by file: only the instant is chosen."""
    copied: list[Path] = []

    def copy(source: str, target: str) -> object:
        if len(copied) == 1:
            monkeypatch.setattr(cache, "shutil", shutil)  # what meanwhile copies is its own
            meanwhile()
        copied.append(Path(source))
        return shutil.copy2(source, target)

    def copytree(source: Path, target: Path, **options: Any) -> object:
        return shutil.copytree(source, target, copy_function=copy, **options)

    monkeypatch.setattr(cache, "shutil", SimpleNamespace(copytree=copytree, rmtree=shutil.rmtree))
    return copied


def test_an_entry_removed_or_replaced_while_it_is_copied_is_a_miss(
    project: Path, assembly: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    entry = project / cache.CACHE_DIR / KEYS[0]
    out = project / "out"
    _store(project, assembly, KEYS[0], 3)
    with monkeypatch.context() as patch:
        copied = _while_copied(patch, lambda: remove(entry))  # another run's prune
        assert cache._reuse(entry, out) is None
    assert len(copied) > 1 and not out.exists()

    # removed, and stored again from another synthesis of the same key: the files copied
    # before and after come from two assemblies, and the copy is not taken for either
    _store(project, assembly, KEYS[0], 3)
    other = project / "other"
    shutil.copytree(assembly, other)
    for template in other.glob("*.template.json"):
        template.write_text(template.read_text().replace("Topic", "Queue"))

    def replaced() -> None:
        remove(entry)
        _store(project, other, KEYS[0], 3)

    with monkeypatch.context() as patch:
        copied = _while_copied(patch, replaced)
        assert cache._reuse(entry, out) is None
    assert len(copied) == len(cache._hashes(assembly)) and not out.exists()
    assert _same_files(entry / cache.ASSEMBLY, other)  # the new entry is left whole
    assert cache._reuse(entry, out) is not None and _same_files(out, other)


#: Another run storing two keys in turn, a limit of one: each store removes the other entry.
CHURN = """\
import sys, time
from pathlib import Path
from compliance.synthesis import cache
from tests.compliance.engine_testdata import ROOT
project, assembly, first, second, seconds = sys.argv[1:]
end = time.monotonic() + float(seconds)
while time.monotonic() < end:
    for key in (first, second):
        cache._store(Path(project) / cache.CACHE_DIR / key, Path(assembly), [], 1)
        time.sleep(0.001)
"""


def test_reuse_beside_a_run_that_prunes_is_a_whole_copy_or_a_miss(
    project: Path, assembly: Path
) -> None:
    """Real concurrency: while another process stores and prunes the entry over and over,
    every reuse of it copies the whole assembly or misses, and never raises."""
    entry = project / cache.CACHE_DIR / KEYS[0]
    churn = subprocess.Popen(
        [sys.executable, "-c", CHURN, str(project), str(assembly), KEYS[0], KEYS[1], "3"],
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    outcomes = {"whole": 0, "miss": 0}
    try:
        while churn.poll() is None:
            out = project / f"out{sum(outcomes.values())}"
            if cache._reuse(entry, out) is None:
                assert not out.exists()
                outcomes["miss"] += 1
            else:
                assert _same_files(out, assembly)
                outcomes["whole"] += 1
            shutil.rmtree(out, ignore_errors=True)
    finally:
        churn.wait(timeout=30)
    assert churn.returncode == 0
    assert outcomes["whole"] > 0 and outcomes["miss"] > 0, outcomes


def test_a_judgement_entry_removed_before_it_is_read_is_a_miss(
    project: Path, small_record: FindingsRecord
) -> None:
    judgement_cache.store(KEYS[0], small_record)
    remove(judgement_cache._entry(KEYS[0]))
    assert judgement_cache.reused(KEYS[0]) is None
    assert list((project / judgement_cache.CACHE_DIR).iterdir()) == []


def test_what_killed_runs_left_is_removed_once_abandoned(project: Path, assembly: Path) -> None:
    """A staging or a renamed-away entry of a run killed mid-way is removed by the next store
    once older than :data:`ABANDONED`; a younger one may be another run's at work."""
    folder = project / cache.CACHE_DIR
    left = {
        "old": folder / f"{KEYS[1]}.999.tmp",
        "old removed": folder / f"{KEYS[2]}.0badf00d.removed",
        "young": folder / f"{KEYS[3]}.998.tmp",
    }
    for path in left.values():
        shutil.copytree(assembly, path / cache.ASSEMBLY)
    old = int((cache_bound.time.time() - ABANDONED - 60) * 1e9)
    for name in ("old", "old removed"):
        os.utime(left[name], ns=(old, old))
    _store(project, assembly, KEYS[0], 1)
    assert _synth_entries(project) == {KEYS[0], left["young"].name}


@pytest.mark.parametrize("given", ["0", "-3", "sixteen", "2.5"])
def test_a_limit_that_is_no_number_of_entries_is_an_input_error(
    given: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(ENTRIES_ENV, given)
    with pytest.raises(InputError) as raised:
        entries_limit()
    assert str(raised.value) == (
        f"TAP_COMPLIANCE_CACHE_ENTRIES: {given!r} is not a number of entries (1 or more)"
    )
    monkeypatch.setenv(ENTRIES_ENV, " 40 ")
    assert entries_limit() == 40
    monkeypatch.setenv(ENTRIES_ENV, "")
    assert entries_limit() == cache_bound.DEFAULT_ENTRIES


def test_pruning_a_folder_that_is_not_there_is_nothing(tmp_path: Path) -> None:
    prune(tmp_path / "none", tmp_path / "none" / KEYS[0], 1)
    assert not (tmp_path / "none").exists()


@pytest.mark.slow
def test_check_keeps_the_most_recently_used_entries_of_both_caches(
    script_app: Path,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """Three contexts, two entries a cache: the one reused between the stores survives them,
    the other is removed; an invalid limit stops ``check`` before it synthesizes."""
    from compliance.cli import main

    def check(account: str) -> dict[str, Any]:
        main(["check", "--out", "out", "--context", f"accountId={account}"])
        return json.loads((script_app / "out" / "findings.json").read_text())

    def entries() -> tuple[set[str], set[str]]:
        return _synth_entries(script_app), _judged_entries(script_app)

    monkeypatch.setattr(compliance.policy, "datetime", OnDay)  # one day, across midnight too
    monkeypatch.setenv(ENTRIES_ENV, "2")
    assert check("111111111111")["reused_judgement"] is None
    first = entries()
    assert check("222222222222")["reused_judgement"] is None
    second = tuple(now - before for now, before in zip(entries(), first, strict=True))
    assert check("111111111111")["reused_judgement"] is not None  # reused: the most recent
    assert check("333333333333")["reused_judgement"] is None
    synth, judged = entries()
    assert (len(synth), len(judged)) == (2, 2)
    assert first[0] <= synth and first[1] <= judged
    assert not second[0] & synth and not second[1] & judged
    assert check("111111111111")["reused_judgement"] is not None

    monkeypatch.setenv(ENTRIES_ENV, "0")
    capsys.readouterr()
    assert main(["check", "--out", "out", "--context", "accountId=444444444444"]) == 2
    assert capsys.readouterr().err == (
        "tap-compliance: error: TAP_COMPLIANCE_CACHE_ENTRIES: '0' is not a number of entries"
        " (1 or more)\n"
    )
    assert entries() == (synth, judged)
    # found before the last evidence is touched
    assert (script_app / "out" / "findings.json").is_file()


def test_the_docs_state_the_default_limit_and_how_to_change_it() -> None:
    for doc in ("README.md", "docs/architecture.md"):
        text = " ".join((ROOT / doc).read_text().split())
        assert f"keeps its {cache_bound.DEFAULT_ENTRIES} most recently used entries" in text, doc
        assert f"{ENTRIES_ENV}=N" in text, doc
