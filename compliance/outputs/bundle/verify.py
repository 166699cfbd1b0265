"""``tap-compliance bundle --verify EV.zip``: every byte of the zip against ``MANIFEST.json``.

The zip is read as ``bundle`` writes it (:mod:`compliance.outputs.bundle.archive`), entry by
entry, and never extracted: a hostile name (``../x``, an absolute path) is only a name that is
not in the manifest. Each file the manifest lists is hashed again, never inflated past the
size it lists. A problem is anything that differs: a file changed, missing or added, a second
entry of one name (extractors disagree on which one wins), a byte outside the entries, an
entry of another kind (a link) or with a local header that says otherwise, a statement whose
subjects, predicate or manifest digest disagree with the manifest. A file that is no zip, or
a zip without a manifest this tool wrote, or one larger than any bundle, is an input error.
"""

from __future__ import annotations

import hashlib
import json
import os
import stat
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from compliance.datafile import json_root, parse_json, validated
from compliance.errors import InputError, read_problem
from compliance.outputs.bundle.archive import (
    Archive,
    Entry,
    NotAZip,
    Unreadable,
    read_archive,
    shown,
)
from compliance.outputs.bundle.manifest import (
    MANIFEST,
    OWN_FILES,
    OWN_LIMIT,
    PREDICATE_TYPE,
    SCHEMA,
    STATEMENT,
    STATEMENT_TYPE,
    BundledFile,
    Manifest,
)


@dataclass(frozen=True)
class Verified:
    """The bundle's manifest, and every way the bundle differs from it (none: it matches)."""

    #: None when the zip holds two of them: which one is the bundle's cannot be said.
    manifest: Manifest | None
    problems: list[str]


def verify(path: Path) -> Verified:
    """Check the bundle at ``path``; :class:`InputError` when it is no bundle at all."""
    try:
        # Not blocking on a pipe's open; a zip is read by seeking, so only a file will do.
        descriptor = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
    except OSError as error:
        raise InputError(path, read_problem(error)) from None
    status = os.fstat(descriptor)
    if not stat.S_ISREG(status.st_mode):
        os.close(descriptor)
        problem = "a folder" if stat.S_ISDIR(status.st_mode) else "not a regular file"
        raise InputError(path, f"{problem}, not a zip file")
    with os.fdopen(descriptor, "rb") as handle:
        try:
            return _verify(read_archive(handle, status.st_size), path)
        except NotAZip as error:
            raise InputError(path, str(error)) from None
        except OSError as error:
            raise InputError(path, read_problem(error)) from None


def _verify(archive: Archive, path: Path) -> Verified:
    by_name: dict[str, Entry] = {}
    for entry in archive.entries:
        by_name.setdefault(entry.name, entry)  # the first of a name; a second is a problem
    if MANIFEST not in by_name:
        raise InputError(path, f"no {MANIFEST}: not a tap-compliance evidence bundle")
    problems = [*archive.problems, *_second_entries(archive.entries)]
    if sum(entry.name == MANIFEST for entry in archive.entries) > 1:
        return Verified(None, problems)  # which manifest is the bundle's cannot be said
    problems += _entry_problems(by_name[MANIFEST])
    try:
        manifest_bytes = _read_own(archive, by_name[MANIFEST])
    except Unreadable as error:
        raise InputError(path, f"{MANIFEST}: {error}") from None
    named, prefix = f"{path}: {MANIFEST}", f"not a {SCHEMA} manifest: "
    try:
        text = manifest_bytes.decode("utf-8")
    except UnicodeDecodeError as error:
        raise InputError(named, read_problem(error)) from None
    raw = parse_json(text, named, prefix=prefix)
    manifest: Manifest = validated(named, Manifest, raw, lambda: json_root(text), prefix=prefix)
    listed = {file.path for file in manifest.files}
    for file in manifest.files:
        found = by_name.get(file.path)
        problems += (
            [f"missing: {shown(file.path)}"] if found is None else _compare(archive, found, file)
        )
    problems += [
        f"added: {shown(name)}" for name in by_name if name not in listed and name not in OWN_FILES
    ]
    statement = by_name.get(STATEMENT)
    if statement is None:
        return Verified(manifest, [*problems, f"missing: {STATEMENT}"])
    problems += _entry_problems(statement)
    try:
        raw = _read_own(archive, statement)
    except Unreadable as error:
        return Verified(manifest, [*problems, f"changed: {STATEMENT} ({error})"])
    manifest_sha256 = hashlib.sha256(manifest_bytes).hexdigest()
    return Verified(manifest, problems + _statement_problems(raw, manifest, manifest_sha256))


def _entry_problems(entry: Entry) -> list[str]:
    """How an entry the bundle holds differs from the ones ``bundle`` writes."""
    return [f"changed: {shown(entry.name)} ({problem})" for problem in entry.problems]


def _second_entries(entries: list[Entry]) -> list[str]:
    return [
        f"added: {shown(name)} (a second entry of this name: extractors differ on which wins)"
        for name, count in Counter(entry.name for entry in entries).items()
        if count > 1
    ]


def _compare(archive: Archive, entry: Entry, file: BundledFile) -> list[str]:
    """The file's entry against its line of the manifest: [] when its bytes are the same.
    An entry declaring another size is not inflated at all."""
    name = shown(file.path)
    if entry.problems:
        return _entry_problems(entry)
    if entry.size != file.bytes:
        return [f"changed: {name} ({entry.size} bytes, not the {file.bytes} bytes listed)"]
    digest = hashlib.sha256()
    try:
        for chunk in archive.contents(entry):
            digest.update(chunk)
    except Unreadable as error:
        return [f"changed: {name} (its entry cannot be read: {error})"]
    if digest.hexdigest() != file.sha256:
        return [f"changed: {name} (sha256 {digest.hexdigest()}, listed {file.sha256})"]
    return []


def _statement_problems(raw: bytes, manifest: Manifest, manifest_sha256: str) -> list[str]:
    """The statement against the manifest: the same files by SHA-256, each once; the same
    facts in its predicate; the manifest's digest."""
    try:
        statement: Any = json.loads(raw)
        kind, subjects = statement["_type"], statement["subject"]
        named = Counter((s["name"], s["digest"]["sha256"]) for s in subjects)
        predicate_type, predicate = statement["predicateType"], statement["predicate"]
        manifest_digest = predicate["manifest"]["digest"]["sha256"]
    except (ValueError, KeyError, TypeError, RecursionError) as error:
        why = "nested too deeply" if isinstance(error, RecursionError) else error
        return [
            f"{STATEMENT}: not an in-toto statement of a bundle ({type(error).__name__}: {why})"
        ]
    problems = []
    if kind != STATEMENT_TYPE or predicate_type != PREDICATE_TYPE:
        problems.append(
            f"{STATEMENT}: _type {shown(str(kind))} or predicateType "
            f"{shown(str(predicate_type))} is not ours"
        )
    listed = {(file.path, file.sha256) for file in manifest.files}
    problems += [
        f"{STATEMENT}: subject {shown(str(name))} is listed {count} times"
        for (name, _), count in sorted(named.items(), key=str)
        if count > 1
    ]
    problems += [
        f"{STATEMENT}: subject {shown(str(name))} sha256 {shown(str(sha256))} is not so in "
        f"{MANIFEST}"
        for name, sha256 in sorted(set(named) - listed, key=str)
    ]
    problems += [
        f"{STATEMENT}: {shown(name)} of {MANIFEST} is not a subject with sha256 {sha256}"
        for name, sha256 in sorted(listed - set(named))
    ]
    facts = manifest.model_dump(mode="json", exclude={"schema_", "files"})
    differing = sorted(key for key in facts if predicate.get(key) != facts[key])
    if differing:
        problems.append(
            f"{STATEMENT}: its predicate differs from {MANIFEST} in {', '.join(differing)}"
        )
    if manifest_digest != manifest_sha256:
        problems.append(
            f"{STATEMENT}: names {MANIFEST} by sha256 {shown(str(manifest_digest))}, "
            f"the bundle's is {manifest_sha256}"
        )
    return problems


def _read_own(archive: Archive, entry: Entry) -> bytes:
    """One of the bundle's own files; :class:`Unreadable` when it cannot be read, or is larger
    than :data:`OWN_LIMIT` (a bound on memory, whatever its entry declares)."""
    if entry.size > OWN_LIMIT:
        raise Unreadable(f"{entry.size} bytes: larger than {OWN_LIMIT >> 20} MiB")
    return b"".join(archive.contents(entry))
