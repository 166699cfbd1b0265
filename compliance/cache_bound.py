"""The bound on a cache folder: its most recently used entries are kept, the rest removed.

An entry (a file or a folder, named by its key) is written whole beside its place and renamed
into it (its *staging*, :func:`staging`), and removed whole too: renamed away, then deleted
(:func:`remove`). A run reading an entry therefore reads all of it or fails to open it, and
takes the latter for a miss. An entry's modification time says when it was last stored or
reused (:func:`used`). After a run stores an entry (:func:`stored`), :func:`prune` keeps it
and the most recently used others, :func:`entries_limit` in all
(``TAP_COMPLIANCE_CACHE_ENTRIES``, default :data:`DEFAULT_ENTRIES`): one stat of each entry,
the least recently used removed first.
"""

from __future__ import annotations

import os
import secrets
import shutil
import time
from contextlib import suppress
from pathlib import Path

from compliance.errors import InputError

#: How many entries each cache keeps. One environment's entry measures ~0.6 MB (synthesis)
#: and ~0.7 MB (judgement), the platform's three environments' ~1.6 MB and ~1.7 MB: 16 hold
#: the four selections (dev, staging, prod, all) of four states of the tree, and each cache
#: stays under ~30 MB even when every entry is of the largest kind.
DEFAULT_ENTRIES = 16
#: Another number of entries per cache (a whole number, at least 1).
ENTRIES_ENV = "TAP_COMPLIANCE_CACHE_ENTRIES"
#: A staging being written, and an entry renamed away being deleted: never an entry.
STAGING_SUFFIX = ".tmp"
REMOVED_SUFFIX = ".removed"
#: A staging or removal older than this (seconds) was left by a run that was killed: a store
#: or a removal takes well under a second.
ABANDONED = 3600.0


def entries_limit() -> int:
    """How many entries each cache keeps: ``TAP_COMPLIANCE_CACHE_ENTRIES`` when set (not
    blank), else the default; any other value than a whole number from 1 is an input error."""
    given = os.environ.get(ENTRIES_ENV, "").strip()
    if not given:
        return DEFAULT_ENTRIES
    if not given.isdecimal() or int(given) < 1:
        raise InputError(ENTRIES_ENV, f"{given!r} is not a number of entries (1 or more)")
    return int(given)


def staging(entry: Path) -> Path:
    """Where this run writes ``entry`` before renaming it into place."""
    return entry.with_name(f"{entry.name}.{os.getpid()}{STAGING_SUFFIX}")


def used(entry: Path) -> None:
    """Mark ``entry`` the most recently used (by this process's clock: finer than the file
    system's); an entry that is gone or cannot be touched is left as it is."""
    now = time.time_ns()
    with suppress(OSError):
        os.utime(entry, ns=(now, now))


def remove(entry: Path) -> None:
    """Remove ``entry`` whole: renamed away at once (a reader then misses it), then deleted;
    nothing when another run removed it first."""
    away = entry.with_name(f"{entry.name}.{secrets.token_hex(4)}{REMOVED_SUFFIX}")
    try:
        entry.rename(away)
    except OSError:
        return
    _delete(away)


def stored(entry: Path, limit: int) -> None:
    """After ``entry`` is stored: it is the most recently used, and its folder keeps ``limit``
    entries (:func:`prune`)."""
    used(entry)
    prune(entry.parent, entry, limit)


def prune(folder: Path, stored: Path, limit: int) -> None:
    """Keep ``stored`` (just stored) and the most recently used other entries of ``folder``,
    ``limit`` in all (:func:`entries_limit`); remove the rest, and what killed runs left."""
    abandoned = time.time_ns() - int(ABANDONED * 1e9)
    entries: list[tuple[int, str]] = []
    try:
        items = list(os.scandir(folder))
    except OSError:
        return
    for item in items:
        try:
            modified = item.stat(follow_symlinks=False).st_mtime_ns
        except OSError:  # removed meanwhile by another run
            continue
        if item.name.endswith((STAGING_SUFFIX, REMOVED_SUFFIX)):
            if modified < abandoned:
                _delete(Path(item.path))
        elif item.name != stored.name:
            entries.append((modified, item.name))
    for _, name in sorted(entries, reverse=True)[limit - 1 :]:
        remove(folder / name)


def _delete(path: Path) -> None:
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path, ignore_errors=True)
    else:
        with suppress(OSError):
            path.unlink()
