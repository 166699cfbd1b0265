"""Reuse a judgement whose every input is unchanged: proved by a content hash, never assumed.

Only a run whose assembly the synthesis's cache proves (:mod:`compliance.synthesis.cache`:
its entry's key and the SHA-256s of its assembly, verified before it was copied) is judged
from the store. An entry is found by a key hashing, besides that proof, everything else the
judgement reads:

- the source and data files of this engine and of the controls: every file of the
  ``compliance`` and ``policies`` packages (the checks, ``catalog.yaml``, ``nag_packs.yaml``,
  the template model) and of ``reports/data`` (the requirement tree);
- what the run judges against as the engine was given it (:class:`compliance.policy.Policy`):
  the catalogue, every file of its checks folder, the waivers and the waiver file (its path
  and bytes), ``--fail-on``;
- the environments file (its path and bytes), the environments judged as the engine was
  given them, the cdk-nag packs;
- the date, UTC (a waiver expires by it), the working directory and where the assembly is
  published (the paths the record names);
- the installed checkov, cdk-nag and aws-cdk-lib (their metadata files: version and build),
  the Python version, and the ``CHECKOV_*`` variables.

``--app`` and ``--context`` are in the synthesis's key. ``--baseline`` is applied afterwards
to the reused record as to a fresh one. The entry keeps the record and its SHA-256: an entry
that does not match (tampered, truncated) or does not parse is removed, never trusted. A
reused record is the judgement of identical inputs, with this run's time, git state and tool
versions read afresh and ``reused_judgement`` naming the key and the first judgement's time.
``--no-cache`` judges anyway. The store is bounded as the synthesis's is
(:mod:`compliance.cache_bound`): a reuse marks its entry the most recently used, each store
removes the least recently used beyond the limit.
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from pydantic import ValidationError

import compliance
import policies
import reports
from compliance.cache_bound import entries_limit, remove, staging, stored, used
from compliance.environments import EnvInfo, environments_file
from compliance.policy import Policy
from compliance.project import find_cdk_json, project_root
from compliance.record.findings import FindingsRecord, ReusedJudgement
from compliance.record.provenance import this_run
from compliance.synthesis.cache import installed_metadata

#: Where judged records live, below the project root (else the working directory).
CACHE_DIR = Path(".tap-cache") / "judged"
ENTRY_SCHEMA = "tap-compliance/judged-cache@1"
#: The code and data the judgement reads: every file below these folders.
SOURCES = (
    Path(compliance.__file__).parent,
    Path(policies.__file__).parent,
    Path(reports.__file__).parent / "data",
)
#: The tools that judge, besides this engine (read as metadata: none is imported).
LIBRARIES = ("checkov", "cdk-nag", "aws-cdk-lib")


def judgement_key(
    synthesis: str,
    policy: Policy,
    environments: Sequence[EnvInfo],
    packs: Sequence[str],
    shown_dir: Path,
) -> str:
    """The content hash of every input of a judgement of the assembly ``synthesis`` proves."""
    digest = hashlib.sha256()

    def add(label: str, data: bytes) -> None:
        digest.update(f"{label}\0{len(data)}\0".encode())
        digest.update(data)

    add("synthesis", synthesis.encode())
    for folder in (*SOURCES, policy.checks_dir):
        for path in sorted(folder.rglob("*")):
            if path.is_file() and "__pycache__" not in path.parts:
                add(f"source {path.resolve()}", path.read_bytes())
    add("catalog", policy.catalog.model_dump_json().encode())
    add("waiver file", (policy.waiver_file or "").encode())  # as the record names it
    add("waiver bytes", _file(Path(policy.waiver_file) if policy.waiver_file else None))
    add("waivers", repr(tuple(policy.waivers)).encode())
    add("environments", _file(environments_file(find_cdk_json())))
    add("envs", repr(tuple(environments)).encode())
    add("packs", "\0".join(packs).encode())
    add("fail-on", policy.fail_on.encode())
    add("date", policy.today.isoformat().encode())
    add("cwd", str(Path.cwd().resolve()).encode())
    add("shown", str(shown_dir.resolve()).encode())
    for library in LIBRARIES:
        add(f"library {library}", installed_metadata(library))
    add("python", sys.version.encode())
    for name in sorted(os.environ):
        if name.startswith("CHECKOV_"):
            add(f"env {name}", os.environ[name].encode())
    return digest.hexdigest()


def reused(key: str) -> FindingsRecord | None:
    """The stored judgement of ``key`` as this run's record (None: none stored, or one that
    cannot be trusted, which is removed)."""
    entry = _entry(key)
    try:
        note = json.loads(entry.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    except (OSError, ValueError):
        return _discard(entry)
    if not isinstance(note, dict) or note.get("schema") != ENTRY_SCHEMA:
        return _discard(entry)
    text = note.get("record")
    if not isinstance(text, str):
        return _discard(entry)
    if hashlib.sha256(text.encode()).hexdigest() != note.get("sha256"):
        return _discard(entry)
    try:
        stored = FindingsRecord.model_validate_json(text)
    except ValidationError:
        return _discard(entry)
    used(entry)
    return stored.model_copy(
        update={
            **this_run(),
            "reused_judgement": ReusedJudgement(key=key, first_judged_at=stored.generated_at),
        }
    )


def store(key: str, record: FindingsRecord) -> None:
    """Keep a fresh judgement under ``key`` with its SHA-256 (written whole, then renamed into
    place: a reader never sees half an entry; a store that cannot be written is no matter),
    then the store's most recently used entries, this one first."""
    text = record.to_json()
    note = {
        "schema": ENTRY_SCHEMA,
        "sha256": hashlib.sha256(text.encode()).hexdigest(),
        "record": text,
    }
    entry = _entry(key)
    written = staging(entry)
    try:
        entry.parent.mkdir(parents=True, exist_ok=True)
        written.write_text(json.dumps(note), encoding="utf-8")
        written.replace(entry)
    except OSError:
        written.unlink(missing_ok=True)
        return
    stored(entry, entries_limit())


def _entry(key: str) -> Path:
    return (project_root() or Path.cwd()) / CACHE_DIR / f"{key}.json"


def _discard(entry: Path) -> FindingsRecord | None:
    """Remove an entry that cannot be trusted; a miss."""
    remove(entry)
    return None


def _file(path: Path | None) -> bytes:
    """A file's path and bytes (b"" without one; its path alone when it cannot be read)."""
    if path is None:
        return b""
    try:
        return str(path.resolve()).encode() + b"\0" + path.read_bytes()
    except OSError:
        return str(path).encode()
