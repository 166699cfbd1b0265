"""Read findings records back from their JSON files."""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from compliance.datafile import json_root, parse_json, validated
from compliance.errors import InputError, by_id, read_problem
from compliance.record.findings import SCHEMA, FindingsRecord

#: Every version of the findings record's schema starts so (``tap-compliance/findings@1``, ...).
FAMILY = SCHEMA.rsplit("@", 1)[0] + "@"
#: The most one read holds, the records together: a bound on memory (a record takes some
#: five times its size once read; the three environments' record is some 1.5 MiB).
LIMIT = 256 << 20


class RecordError(InputError):
    """A findings record that cannot be read: a line a problem, each naming the file."""


def load_record(path: Path) -> FindingsRecord:
    """Read a ``findings.json``; a :class:`RecordError` says what is wrong."""
    text, raw = _read(path, LIMIT)
    return _validated(path, text, raw)


def load_records(paths: Sequence[Path]) -> list[FindingsRecord]:
    """Read several records of one schema version, :data:`LIMIT` bytes of them together.
    Records of different versions are refused before any is validated, naming the two files,
    so a mismatch reads as one, not as the field a newer version added."""
    read = []
    left = LIMIT
    for path in paths:
        text, raw = _read(path, left)
        read.append((text, raw))
        left -= len(text.encode("utf-8"))
    schemas = [raw.get("schema") if isinstance(raw, dict) else None for _, raw in read]
    for path, schema in zip(paths, schemas, strict=True):
        if schema != schemas[0]:
            raise RecordError(
                f"{paths[0]} (schema {schemas[0]!r}) and {path} (schema {schema!r}): records "
                "of different schema versions are not merged"
            )
    return [_validated(path, *each) for path, each in zip(paths, read, strict=True)]


def _read(path: Path, limit: int) -> tuple[str, Any]:
    """The text in ``path`` and its JSON; more than ``limit`` bytes is refused, unread when
    the file says its size (a pipe is read up to it)."""
    try:
        with path.open("rb") as handle:
            stated = os.fstat(handle.fileno()).st_size  # 0 for a pipe
            data = b"" if stated > limit else handle.read(limit + 1)
    except OSError as error:
        raise RecordError(f"{path}: {read_problem(error)}") from None
    if stated > limit or len(data) > limit:
        whole = "" if limit == LIMIT else "with the records read before it, "
        raise RecordError(f"{path}: {whole}larger than {LIMIT >> 20} MiB: too large to read")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        raise RecordError(f"{path}: {read_problem(error)}") from None
    return text, parse_json(text, path, RecordError)


def _validated(path: Path, text: str, raw: Any) -> FindingsRecord:
    schema = raw.get("schema") if isinstance(raw, dict) else None
    if isinstance(schema, str) and schema.startswith(FAMILY) and schema != SCHEMA:
        raise RecordError(
            f"{path}: a {schema} record; this tap-compliance reads {SCHEMA} "
            "(run `tap-compliance check` again to write one)"
        )
    if not isinstance(raw, dict):
        raise RecordError(f"{path}: not a {SCHEMA} record: a JSON {_kind(raw)}, not an object")
    if schema != SCHEMA:
        raise RecordError(f"{path}: not a {SCHEMA} record (schema: {schema!r})")
    prefix = f"not a {SCHEMA} record: "
    where = by_id({"findings": "finding", "targets": "target", "waivers": "waiver"})
    record: FindingsRecord = validated(
        str(path),
        FindingsRecord,
        raw,
        lambda: json_root(text),
        RecordError,
        where=where,
        prefix=prefix,
    )
    return record


def _kind(value: Any) -> str:
    kinds = {list: "array", str: "string", bool: "boolean", type(None): "null"}
    return kinds.get(type(value), "number")
