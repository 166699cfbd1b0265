"""Re-publish the evidence folder after deploy or verify added to the findings record."""

from __future__ import annotations

from pathlib import Path

from compliance import outputs
from compliance.formats import FORMATTERS
from compliance.record import FindingsRecord
from policies.catalog import Catalog

#: Each output of the folder and the format it is rendered in.
DOCUMENTS = tuple((f.file_name, f.name) for f in FORMATTERS.values())


def republish(record: FindingsRecord, out: Path, catalog: Catalog) -> list[Path]:
    """Write the record and every document rendered from it into ``out`` (each atomically)."""
    written = []
    for name, fmt in DOCUMENTS:
        outputs.write_file(out / name, outputs.render(record, fmt, catalog))
        written.append(out / name)
    return written
