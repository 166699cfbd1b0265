"""Read findings records back from their JSON files."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from compliance.datafile import json_root, validated
from compliance.errors import InputError, by_id, read_problem
from compliance.record.findings import SCHEMA, FindingsRecord

#: Every version of the findings record's schema starts so (``tap-compliance/findings@1``, ...).
FAMILY = SCHEMA.rsplit("@", 1)[0] + "@"


class RecordError(InputError):
    """A findings record that cannot be read: a line a problem, each naming the file."""


def load_record(path: Path) -> FindingsRecord:
    """Read a ``findings.json``; a :class:`RecordError` says what is wrong."""
    return _validated(path, *_read(path))


def load_records(paths: Sequence[Path]) -> list[FindingsRecord]:
    """Read several records of one schema version. Records of different versions are refused
    before any is validated, naming the two files, so a mismatch reads as one, not as the
    field a newer version added."""
    read = [_read(path) for path in paths]
    schemas = [raw.get("schema") if isinstance(raw, dict) else None for _, raw in read]
    for path, schema in zip(paths, schemas, strict=True):
        if schema != schemas[0]:
            raise RecordError(
                f"{paths[0]} (schema {schemas[0]!r}) and {path} (schema {schema!r}): records "
                "of different schema versions are not merged"
            )
    return [_validated(path, *each) for path, each in zip(paths, read, strict=True)]


def _read(path: Path) -> tuple[str, Any]:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise RecordError(f"{path}: {read_problem(error)}") from None
    try:
        return text, json.loads(text)
    except json.JSONDecodeError as error:
        raise RecordError(f"{path}:{error.lineno}: invalid JSON: {error.msg}") from None


def _validated(path: Path, text: str, raw: Any) -> FindingsRecord:
    schema = raw.get("schema") if isinstance(raw, dict) else None
    if isinstance(schema, str) and schema.startswith(FAMILY) and schema != SCHEMA:
        raise RecordError(
            f"{path}: a {schema} record; this tap-compliance reads {SCHEMA} "
            "(run `tap-compliance check` again to write one)"
        )
    if schema != SCHEMA:
        raise RecordError(f"{path}: not a {SCHEMA} record (schema: {schema!r})")
    prefix = f"not a {SCHEMA} record: "
    where = by_id({"findings": "finding", "targets": "target", "waivers": "waiver"})
    record: FindingsRecord = validated(
        str(path), FindingsRecord, raw, json_root(text), RecordError, where=where, prefix=prefix
    )
    return record
