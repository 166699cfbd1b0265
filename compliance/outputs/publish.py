"""Every output of a run, written to a staging folder and moved into place only at the end."""

from __future__ import annotations

import os
import shutil
import signal
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from compliance.errors import InputError
from compliance.outputs.formats import FORMATTERS, render
from compliance.record.findings import FindingsRecord
from policies.catalog import Catalog

RECORD = FORMATTERS["json"].file_name
SARIF = FORMATTERS["sarif"].file_name
JUNIT = FORMATTERS["junit"].file_name
ASSEMBLY = "cdk.out"
AUDIT = {f.name: f.file_name for f in FORMATTERS.values() if f.report}
#: The name of a run's staging folder in --out begins with it.
STAGING_PREFIX = ".staging-"
#: Everything a run publishes into --out (and removes again when a run fails with exit 2).
PUBLISHED = (*(f.file_name for f in FORMATTERS.values()), ASSEMBLY)

__all__ = ["ASSEMBLY", "AUDIT", "JUNIT", "PUBLISHED", "RECORD", "SARIF", "render", "write_all"]


def write_all(record: FindingsRecord, folder: Path, catalog: Catalog) -> list[Path]:
    """Every registered format into ``folder``, each under its file name and atomically (a
    run's staging folder, or the evidence folder again after deploy or verify)."""
    written = []
    for formatter in FORMATTERS.values():
        path = folder / formatter.file_name
        write_file(path, formatter.render(record, catalog))
        written.append(path)
    return written


@contextmanager
def staged(out_dir: Path) -> Iterator[Path]:
    """A staging folder inside ``out_dir``; on success its contents replace ours in out_dir.

    On any error the staging folder is removed and so are earlier outputs in ``out_dir``, so
    nothing left there looks like the result of this run.
    """
    # SIGINT and SIGTERM wait until the folder is ours to remove: one landing between its
    # creation and the ``try`` below would leave it behind (signal(7): a blocked signal stays
    # pending and is delivered when unblocked, here inside the ``try``).
    blocked = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT, signal.SIGTERM})
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=STAGING_PREFIX, dir=out_dir))
    except OSError as error:
        signal.pthread_sigmask(signal.SIG_SETMASK, blocked)
        raise InputError(out_dir, f"cannot create the output folder: {_reason(error)}") from None
    try:
        signal.pthread_sigmask(signal.SIG_SETMASK, blocked)
        yield staging
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        discard(out_dir)
        raise
    discard(out_dir)
    for item in staging.iterdir():
        item.rename(out_dir / item.name)
    shutil.rmtree(staging, ignore_errors=True)


def discard(out_dir: Path) -> None:
    """Remove what an earlier run published in ``out_dir`` (nothing else)."""
    for name in PUBLISHED:
        target = out_dir / name
        if target.is_dir():
            shutil.rmtree(target)
        elif target.exists():
            target.unlink()


def write_file(path: Path, text: str) -> None:
    """Write one output file atomically (temp file beside it, then rename)."""
    temporary: Path | None = None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(
            "w", encoding="utf-8", dir=path.parent, prefix=f".{path.name}.", delete=False
        ) as handle:
            temporary = Path(handle.name)
            handle.write(text)
        temporary.chmod(0o666 & ~_umask())  # as open() would have made it, not 0600
        temporary.replace(path)
    except OSError as error:
        if temporary is not None:
            temporary.unlink(missing_ok=True)
        raise InputError(path, f"cannot write: {_reason(error)}") from None


def _umask() -> int:
    """The process's umask (read by setting it, then putting it back)."""
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def _reason(error: OSError) -> str:
    if isinstance(error, FileExistsError | NotADirectoryError):
        return "a file is in the way of a folder on that path"
    return error.strerror or str(error)
