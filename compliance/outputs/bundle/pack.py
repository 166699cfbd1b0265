"""``tap-compliance bundle DIR --output EV.zip``: an evidence folder into one deterministic zip.

What goes in: every regular file under DIR (the record, SARIF, JUnit, GitLab code quality,
the reports, the gated assembly ``cdk.out/``, ``deployment.json`` and
``deployment.previous.json``, verify's ``live/`` evidence, whatever else is there), but for
DIR's hidden top-level entries: those are a run's machinery, never evidence (the lock file
``.tap-compliance.lock``, staging folders ``.staging-*``, files half-written as
``.NAME.*``), and the output zip itself when it lies inside DIR. A link is refused (the
bundle holds files, not what a link happened to point to when it was packed), as is a
folder without ``findings.json``.

The same folder gives the same bytes: entries sorted by path, then ``MANIFEST.json`` and
``statement.intoto.json``; every entry dated 1980-01-01 00:00, mode 0644, deflated at one
level; the manifest's time is the record's. The zip is written beside its destination and
renamed into place, so a failed run leaves nothing half-written. While it reads DIR the run
holds DIR's lock (when it can write there at all), so no ``check`` rewrites it meanwhile.
"""

from __future__ import annotations

import errno
import hashlib
import os
import secrets
import stat
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from pathlib import Path
from typing import BinaryIO

from compliance.errors import InputError, read_problem
from compliance.outputs.bundle.manifest import (
    MANIFEST,
    MAX_FILES,
    OWN_FILES,
    STATEMENT,
    BundledFile,
    Manifest,
    manifest_of,
    path_problem,
    same_file,
    statement_of,
)
from compliance.outputs.lock import holding
from compliance.outputs.publish import RECORD
from compliance.project import tool_versions
from compliance.record.findings import FindingsRecord
from compliance.record.load import load_record

#: Every entry's time: the earliest a zip can hold (MS-DOS dates start in 1980).
EPOCH = (1980, 1, 1, 0, 0, 0)
#: Every entry's mode: a regular file, rw-r--r--.
MODE = 0o100644
LEVEL = 6
CHUNK = 1 << 20


def pack(folder: Path, output: Path) -> Manifest:
    """Bundle the evidence folder ``folder`` into ``output``; the manifest written into it."""
    if not folder.is_dir():
        problem = "no such folder" if not folder.exists() else "not a folder"
        raise InputError(folder, problem)
    if not (folder / RECORD).is_file():
        raise InputError(folder, f"no {RECORD}: not an evidence folder (check writes one)")
    if output.is_dir():
        raise InputError(output, "a folder, not a file")
    _refuse_evidence_as_output(folder, output)
    # The lock needs write access: a folder this run cannot write is read without it.
    lock = holding(folder, "tap-compliance bundle") if os.access(folder, os.W_OK) else nullcontext()
    with lock:
        record = load_record(folder / RECORD)
        paths = evidence_files(folder, output)
        with _replacing(output) as handle:
            manifest = _write(handle, folder, paths, record)
    return manifest


def _refuse_evidence_as_output(folder: Path, output: Path) -> None:
    """An ``--output`` inside ``folder`` may replace an earlier zip, never the evidence (say,
    ``findings.json``) nor a run's machinery (DIR's hidden entries: the lock, staging)."""
    try:
        inside = output.resolve().relative_to(folder.resolve())
    except ValueError:
        return
    if inside.parts and inside.parts[0].startswith("."):
        raise InputError(output, f"inside {folder}'s hidden entries (a run's machinery)")
    if output.exists() and not zipfile.is_zipfile(output):
        raise InputError(output, f"a file of the evidence in {folder}, not a zip; write elsewhere")


def evidence_files(folder: Path, output: Path) -> list[str]:
    """The paths (POSIX, relative to ``folder``, sorted) of the files that go in; an
    :class:`InputError` for a link, anything but a file or folder, a name no bundle can hold,
    two names one file on a case-folding file system, or more than :data:`MAX_FILES`."""
    leave_out = output.resolve()
    found: list[str] = []
    try:
        for top in sorted(folder.iterdir()):
            if top.name.startswith("."):
                continue
            _check(top, folder)
            for path in sorted(top.rglob("*")) if top.is_dir() else [top]:
                _check(path, folder)
                if path.is_file() and path.resolve() != leave_out:
                    found.append(path.relative_to(folder).as_posix())
                if len(found) > MAX_FILES:
                    raise InputError(
                        folder, f"more than {MAX_FILES} files: more than a bundle holds"
                    )
    except OSError as error:
        raise InputError(folder, f"cannot read: {error.strerror or error}") from None
    clash = sorted(set(found) & set(OWN_FILES))
    if clash:
        raise InputError(folder / clash[0], "the bundle's own file has this name; move it away")
    folded: dict[str, str] = {}
    for name in sorted(found):
        other = folded.setdefault(same_file(name), name)
        if other != name:
            raise InputError(
                folder / name, f"and {other}: one file where case is folded (macOS, Windows)"
            )
    return sorted(found)


def _check(path: Path, folder: Path) -> None:
    """A link, or anything but a folder or a regular file, is refused; so is a name a bundle
    cannot hold (:func:`path_problem`)."""
    if path.is_symlink():
        raise InputError(path, "a link: the bundle holds files; copy what it points to instead")
    if not (path.is_dir() or path.is_file()):
        raise InputError(path, "not a regular file")
    name = path.relative_to(folder).as_posix()
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:
        raise InputError(folder, f"a name that is not UTF-8: {str(path)!r}") from None
    problem = path_problem(name)
    if problem is not None:
        raise InputError(folder, f"{name!a}: a name a bundle cannot hold: {problem}")


def _write(handle: BinaryIO, folder: Path, paths: list[str], record: FindingsRecord) -> Manifest:
    """The files, then the manifest and the statement, into the zip ``handle``."""
    with zipfile.ZipFile(handle, "w", zipfile.ZIP_DEFLATED, compresslevel=LEVEL) as bundle:
        bundled = [_add_file(bundle, folder / path, path) for path in paths]
        manifest = manifest_of(record, bundled, _me())
        text = manifest.to_json().encode("utf-8")
        _add_bytes(bundle, MANIFEST, text)
        statement = statement_of(manifest, hashlib.sha256(text).hexdigest())
        _add_bytes(bundle, STATEMENT, statement.encode("utf-8"))
    return manifest


def _entry(name: str) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(name, date_time=EPOCH)
    info.compress_type = zipfile.ZIP_DEFLATED
    info.create_system = 3  # Unix: the mode below is read as Unix permissions
    info.external_attr = MODE << 16
    return info


def _add_file(bundle: zipfile.ZipFile, source: Path, name: str) -> BundledFile:
    """One file streamed into the bundle, hashed as it is written (the bytes bundled are the
    bytes hashed)."""
    digest = hashlib.sha256()
    size = 0
    try:
        # Not following a link, nor waiting on a pipe, put there since the folder was listed.
        descriptor = os.open(source, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    except OSError as error:
        problem = "a link" if error.errno == errno.ELOOP else read_problem(error)
        raise InputError(source, problem) from None
    if not stat.S_ISREG(os.fstat(descriptor).st_mode):
        os.close(descriptor)
        raise InputError(source, "not a regular file")
    with os.fdopen(descriptor, "rb") as reader:
        large = os.fstat(reader.fileno()).st_size >= zipfile.ZIP64_LIMIT
        with bundle.open(_entry(name), "w", force_zip64=large) as writer:
            for chunk in _chunks(reader, source):
                digest.update(chunk)
                writer.write(chunk)
                size += len(chunk)
    return BundledFile(path=name, sha256=digest.hexdigest(), bytes=size)


def _chunks(reader: BinaryIO, source: Path) -> Iterator[bytes]:
    """The file's bytes in chunks; a read that fails is an :class:`InputError` naming it."""
    while True:
        try:
            chunk = reader.read(CHUNK)
        except OSError as error:
            raise InputError(source, read_problem(error)) from None
        if not chunk:
            return
        yield chunk


def _add_bytes(bundle: zipfile.ZipFile, name: str, data: bytes) -> None:
    bundle.writestr(_entry(name), data)


@contextmanager
def _replacing(output: Path) -> Iterator[BinaryIO]:
    """A new file beside ``output`` (made as ``open`` makes files: the umask applies), renamed
    over it when the block succeeds, removed when it fails."""
    temporary = output.with_name(f".{output.name}.{secrets.token_hex(4)}")
    try:
        output.parent.mkdir(parents=True, exist_ok=True)
        descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
    except OSError as error:
        raise InputError(output, f"cannot write: {error.strerror or error}") from None
    try:
        with os.fdopen(descriptor, "wb") as handle:
            yield handle
        temporary.replace(output)
    except OSError as error:
        temporary.unlink(missing_ok=True)
        raise InputError(output, f"cannot write: {error.strerror or error}") from None
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise


def _me() -> str:
    return f"tap-compliance {tool_versions().get('tap-compliance', 'unknown')}"
