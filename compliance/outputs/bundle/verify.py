"""``tap-compliance bundle --verify EV.zip``: every file against ``MANIFEST.json``.

The zip is read in memory, entry by entry, and never extracted: no name in it reaches the file
system, so a hostile name (``../x``, an absolute path) is only a name that is not in the
manifest. Each file the manifest lists is hashed again (read up to its listed size and one byte
more, so an entry that inflates without end costs no more than the file it replaced); a file
that changed, is missing, or was added, and a second entry of one name, is a problem, as is a
statement whose subjects or manifest digest disagree with the manifest. A file that is not a
zip, or a zip without a manifest this tool wrote, is an input error.
"""

from __future__ import annotations

import hashlib
import json
import zipfile
import zlib
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from compliance.datafile import json_root, validated
from compliance.errors import InputError, read_problem
from compliance.outputs.bundle.manifest import (
    MANIFEST,
    OWN_FILES,
    PREDICATE_TYPE,
    SCHEMA,
    STATEMENT,
    STATEMENT_TYPE,
    BundledFile,
    Manifest,
)

CHUNK = 1 << 20
#: The most a manifest or statement is read to (one of a million files is some 200 MiB).
OWN_LIMIT = 1 << 30
#: What reading a damaged entry raises: a bad CRC or header, a broken deflate stream, an
#: unsupported compression method or an encrypted entry.
UNREADABLE = (zipfile.BadZipFile, zlib.error, NotImplementedError, RuntimeError, EOFError)


@dataclass(frozen=True)
class Verified:
    """The bundle's manifest, and every way the bundle differs from it (none: it matches)."""

    manifest: Manifest
    problems: list[str]


def verify(path: Path) -> Verified:
    """Check the bundle at ``path``; :class:`InputError` when it is no bundle at all."""
    try:
        with zipfile.ZipFile(path) as bundle:
            return _verify(bundle, path)
    except zipfile.BadZipFile:
        raise InputError(path, "not a zip file") from None
    except OSError as error:
        raise InputError(path, read_problem(error)) from None


def _verify(bundle: zipfile.ZipFile, path: Path) -> Verified:
    entries = bundle.infolist()
    by_name = {info.filename: info for info in entries}
    if MANIFEST not in by_name:
        raise InputError(path, f"no {MANIFEST}: not a tap-compliance evidence bundle")
    try:
        manifest_bytes = _read_own(bundle, by_name[MANIFEST])
    except ValueError as error:
        raise InputError(path, f"{MANIFEST}: {error}") from None
    shown, prefix = f"{path}: {MANIFEST}", f"not a {SCHEMA} manifest: "
    try:
        text = manifest_bytes.decode("utf-8")
        raw = json.loads(text)
    except UnicodeDecodeError:
        raise InputError(shown, f"{prefix}not UTF-8 text") from None
    except json.JSONDecodeError as error:
        raise InputError(shown, f"{prefix}invalid JSON: {error.msg}", error.lineno) from None
    manifest: Manifest = validated(shown, Manifest, raw, json_root(text), prefix=prefix)
    problems = [
        f"added: {_shown(name)} (a second entry of this name)"
        for name, count in Counter(info.filename for info in entries).items()
        if count > 1
    ]
    listed = {file.path for file in manifest.files}
    for file in manifest.files:
        info = by_name.get(file.path)
        problems += (
            [f"missing: {_shown(file.path)}"] if info is None else _compare(bundle, info, file)
        )
    problems += [
        f"added: {_shown(name)}" for name in by_name if name not in listed and name not in OWN_FILES
    ]
    statement = by_name.get(STATEMENT)
    if statement is None:
        return Verified(manifest, [*problems, f"missing: {STATEMENT}"])
    try:
        raw = _read_own(bundle, statement)
    except ValueError as error:
        return Verified(manifest, [*problems, f"changed: {STATEMENT} ({error})"])
    manifest_sha256 = hashlib.sha256(manifest_bytes).hexdigest()
    return Verified(manifest, problems + _statement_problems(raw, manifest, manifest_sha256))


def _compare(bundle: zipfile.ZipFile, info: zipfile.ZipInfo, file: BundledFile) -> list[str]:
    """The file's entry against its line of the manifest: [] when its bytes are the same."""
    digest = hashlib.sha256()
    size = 0
    try:
        with bundle.open(info) as reader:
            while size <= file.bytes and (chunk := reader.read(min(CHUNK, file.bytes + 1 - size))):
                digest.update(chunk)
                size += len(chunk)
    except UNREADABLE as error:
        return [f"changed: {_shown(file.path)} (its entry cannot be read: {error})"]
    if size != file.bytes:
        more = "more than" if size > file.bytes else f"{size} bytes, not"
        return [f"changed: {_shown(file.path)} ({more} the {file.bytes} bytes listed)"]
    if digest.hexdigest() != file.sha256:
        found = digest.hexdigest()
        return [f"changed: {_shown(file.path)} (sha256 {found}, listed {file.sha256})"]
    return []


def _statement_problems(raw: bytes, manifest: Manifest, manifest_sha256: str) -> list[str]:
    """The statement against the manifest: the same files by SHA-256, the manifest's digest."""
    try:
        statement: Any = json.loads(raw)
        kind, subjects = statement["_type"], statement["subject"]
        named = {(s["name"], s["digest"]["sha256"]) for s in subjects}
        predicate_type, predicate = statement["predicateType"], statement["predicate"]
        manifest_digest = predicate["manifest"]["digest"]["sha256"]
    except (ValueError, KeyError, TypeError) as error:
        return [
            f"{STATEMENT}: not an in-toto statement of a bundle ({type(error).__name__}: {error})"
        ]
    problems = []
    if kind != STATEMENT_TYPE or predicate_type != PREDICATE_TYPE:
        problems.append(
            f"{STATEMENT}: _type {kind!r} or predicateType {predicate_type!r} is not ours"
        )
    listed = {(file.path, file.sha256) for file in manifest.files}
    problems += [
        f"{STATEMENT}: subject {_shown(name)} sha256 {sha256} is not so in {MANIFEST}"
        for name, sha256 in sorted(named - listed)
    ]
    problems += [
        f"{STATEMENT}: {_shown(name)} of {MANIFEST} is not a subject with sha256 {sha256}"
        for name, sha256 in sorted(listed - named)
    ]
    if manifest_digest != manifest_sha256:
        problems.append(
            f"{STATEMENT}: names {MANIFEST} by sha256 {manifest_digest}, "
            f"the bundle's is {manifest_sha256}"
        )
    return problems


def _read_own(bundle: zipfile.ZipFile, info: zipfile.ZipInfo) -> bytes:
    """One of the bundle's own files; ValueError when it cannot be read or is too large."""
    try:
        with bundle.open(info) as reader:
            data = reader.read(OWN_LIMIT + 1)
    except UNREADABLE as error:
        raise ValueError(f"its entry cannot be read: {error}") from None
    if len(data) > OWN_LIMIT:
        raise ValueError(f"larger than {OWN_LIMIT // (1 << 20)} MiB")
    return data


def _shown(name: object) -> str:
    """A name as it can be printed on one line (quoted when it holds control characters)."""
    text = str(name)
    return text if text.isprintable() else repr(text)
