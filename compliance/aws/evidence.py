"""Where a deployment's record goes: ``deployment.json`` in the evidence folder (the previous
run's kept as ``deployment.previous.json`` until then), the findings record and reports again
with it; when the folder cannot be written, beside it, else on stderr: never lost."""

from __future__ import annotations

import sys
from pathlib import Path

from compliance.errors import InputError
from compliance.outputs import publish
from compliance.record import deployment as rec
from compliance.record.findings import FindingsRecord
from policies.catalog import Catalog


def keep_previous(out: Path) -> None:
    """The last run's deployment.json becomes deployment.previous.json: it still says what
    was deployed, and cannot pass for this run's record."""
    current = out / rec.FILE_NAME
    try:
        if current.is_file():
            current.replace(out / rec.PREVIOUS_FILE_NAME)
    except OSError as error:
        raise InputError(
            current, f"cannot keep it as {rec.PREVIOUS_FILE_NAME}: {error.strerror}"
        ) from None


def fallback_path(out: Path) -> Path:
    """Where the record goes when ``out`` cannot take it: beside the folder."""
    return out.parent / f"{out.name}.{rec.FILE_NAME}"


def store(
    document: rec.DeploymentRecord, record: FindingsRecord, out: Path, catalog: Catalog
) -> tuple[FindingsRecord, str | None]:
    """Write the deployment record, then the findings record with it and every report; the
    findings record, and what could not be written (one line naming the file, and where the
    deployment record went instead) or None."""
    text = document.to_json()
    try:
        publish.write_file(out / rec.FILE_NAME, text)
    except InputError as error:
        fallback = fallback_path(out)
        try:
            publish.write_file(fallback, text)
        except InputError:
            sys.stderr.write(text)
            return record, f"{error}; the deployment record was printed to stderr"
        return record, f"{error}; the deployment record was written to {fallback}"
    record = record.model_copy(update={"deployment": document})
    try:
        publish.write_all(record, out, catalog)
    except InputError as error:
        return record, f"{error} (deployment.json was written)"
    return record, None
