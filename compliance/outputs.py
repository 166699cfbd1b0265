"""Every output of a run, written to a staging folder and moved into place only at the end."""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from compliance.errors import InputError
from compliance.junit import to_junit
from compliance.record import FindingsRecord
from compliance.sarif import to_sarif
from policies.catalog import Catalog

RECORD = "findings.json"
SARIF = "findings.sarif"
JUNIT = "junit.xml"
ASSEMBLY = "cdk.out"
AUDIT = {"html": "audit.html", "md": "audit.md"}
#: Everything a run publishes into --out (and removes again when a run fails with exit 2).
PUBLISHED = (RECORD, SARIF, JUNIT, ASSEMBLY, *AUDIT.values())


def render(record: FindingsRecord, fmt: str, catalog: Catalog) -> str:
    """The record in one format: json, sarif, junit, html or md."""
    if fmt == "json":
        return record.to_json()
    if fmt == "sarif":
        return to_sarif(record, catalog)
    if fmt == "junit":
        return to_junit(record)
    from compliance.report import render as render_report

    return render_report(record, "html" if fmt == "html" else "md", catalog=catalog)


def write_all(record: FindingsRecord, folder: Path, catalog: Catalog) -> list[Path]:
    """The record, SARIF, JUnit and both audit reports into ``folder``."""
    written = []
    for name, fmt in ((RECORD, "json"), (SARIF, "sarif"), (JUNIT, "junit"), *_audits()):
        path = folder / name
        path.write_text(render(record, fmt, catalog), encoding="utf-8")
        written.append(path)
    return written


def _audits() -> list[tuple[str, str]]:
    return [(name, fmt) for fmt, name in AUDIT.items()]


@contextmanager
def staged(out_dir: Path) -> Iterator[Path]:
    """A staging folder inside ``out_dir``; on success its contents replace ours in out_dir.

    On any error the staging folder is removed and so are earlier outputs in ``out_dir``, so
    nothing left there looks like the result of this run.
    """
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=".staging-", dir=out_dir))
    except OSError as error:
        raise InputError(out_dir, f"cannot create the output folder: {_reason(error)}") from None
    try:
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
        temporary.replace(path)
    except OSError as error:
        if temporary is not None:
            temporary.unlink(missing_ok=True)
        raise InputError(path, f"cannot write: {_reason(error)}") from None


def _reason(error: OSError) -> str:
    if isinstance(error, FileExistsError | NotADirectoryError):
        return "a file is in the way of a folder on that path"
    return error.strerror or str(error)
