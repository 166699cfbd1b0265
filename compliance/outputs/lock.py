"""One run at a time in an output folder: an exclusive lock on a file inside it.

``check``, ``deploy`` and ``verify`` hold the lock of their ``--out`` for the whole run. The
lock is ``flock(2)`` on :data:`LOCK_FILE`: the kernel releases it when its holder ends, however
it ends (a crash or ``kill -9`` leaves no stale lock). The holder writes its pid, command and
start time into it and removes it as it lets go (a run that locked a file already removed opens
the new one). A second run waits up to :data:`WAIT_SECONDS`, polling, then stops with one line
naming the holder. Holding the lock,
a run removes the staging folders a killed run left (nobody else can be writing them),
turns SIGTERM into an orderly exit and, letting go, removes any staging folder still there.
"""

from __future__ import annotations

import fcntl
import json
import os
import shutil
import signal
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from types import FrameType

from compliance.errors import InputError
from compliance.outputs.publish import STAGING_PREFIX

LOCK_FILE = ".tap-compliance.lock"
#: How long a second run waits for the holder, and how often it looks.
WAIT_SECONDS = 30.0
POLL_SECONDS = 0.25
#: Exit status after SIGTERM (128 + the signal's number, as a shell reports it).
TERMINATED = 128 + signal.SIGTERM


@contextmanager
def holding(out_dir: Path, command: str, wait: float | None = None) -> Iterator[None]:
    """Hold the lock of ``out_dir`` (created when missing) while the block runs; ``command``
    names this run to a run that waits for it. :class:`InputError` when the holder keeps it
    longer than ``wait`` seconds (default :data:`WAIT_SECONDS`)."""
    path = out_dir / LOCK_FILE
    descriptor = _acquire(path, WAIT_SECONDS if wait is None else wait)
    try:
        _record(descriptor, command)
        _remove_staging(out_dir)
        with _terminate_as_exit():
            yield
    finally:
        _remove_staging(out_dir)  # however the block ended: only this run could have made them
        path.unlink(missing_ok=True)  # while still held: the next run opens a new file
        os.close(descriptor)  # releases the lock


def _acquire(path: Path, wait: float) -> int:
    """The descriptor of the lock file, locked: the file at ``path`` now, not one its holder
    removed while this run waited for it."""
    deadline = time.monotonic() + wait
    told = False
    while True:
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            descriptor = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
        except OSError as error:
            message = f"cannot lock the output folder: {error.strerror}"
            raise InputError(path.parent, message) from None
        try:
            fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = _holder(descriptor)
            os.close(descriptor)
            if time.monotonic() >= deadline:
                message = f"another run is using this output folder ({holder}); waited {wait:g} s"
                raise InputError(path.parent, message) from None
            if not told:
                where = path.parent
                print(
                    f"tap-compliance: waiting for {holder} to finish with {where}", file=sys.stderr
                )
                told = True
            time.sleep(POLL_SECONDS)
            continue
        if _same_file(descriptor, path):
            return descriptor
        os.close(descriptor)  # its holder removed it as this run locked it: open the new one


def _same_file(descriptor: int, path: Path) -> bool:
    try:
        now = path.stat()
    except FileNotFoundError:
        return False
    locked = os.fstat(descriptor)
    return (locked.st_dev, locked.st_ino) == (now.st_dev, now.st_ino)


def _record(descriptor: int, command: str) -> None:
    since = datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")
    text = json.dumps({"pid": os.getpid(), "command": command, "since": since}) + "\n"
    os.ftruncate(descriptor, 0)
    os.pwrite(descriptor, text.encode("utf-8"), 0)


def _holder(descriptor: int) -> str:
    """The holder as it recorded itself, e.g. ``pid 4242, tap-compliance check, since ...``."""
    try:
        raw = json.loads(os.pread(descriptor, 4096, 0) or b"{}")
        return f"pid {int(raw['pid'])}, {raw['command']}, since {raw['since']}"
    except (OSError, ValueError, KeyError, TypeError):
        return "a run that has not yet said who it is"


def _remove_staging(out_dir: Path) -> None:
    for leftover in out_dir.glob(f"{STAGING_PREFIX}*"):
        shutil.rmtree(leftover, ignore_errors=True)


@contextmanager
def _terminate_as_exit() -> Iterator[None]:
    """SIGTERM raises ``SystemExit`` while the block runs, so ``finally`` clauses (the staging
    folder's removal) run; the previous handler is restored after."""

    def stop(signum: int, frame: FrameType | None) -> None:
        raise SystemExit(TERMINATED)

    try:
        previous = signal.signal(signal.SIGTERM, stop)
    except ValueError:  # not the main thread: signals cannot be handled here
        yield
        return
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)
