"""Read a findings record back from its JSON file."""

from __future__ import annotations

import json
from pathlib import Path

from pydantic import ValidationError

from compliance.errors import describe, read_problem
from compliance.record.findings import SCHEMA, FindingsRecord

#: Every version of the findings record's schema starts so (``tap-compliance/findings@1``, ...).
FAMILY = SCHEMA.rsplit("@", 1)[0] + "@"


class RecordError(ValueError):
    """A findings record that cannot be read; the message is one line naming the file."""


def load_record(path: Path) -> FindingsRecord:
    """Read a ``findings.json``; a :class:`RecordError` with one line says what is wrong."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise RecordError(f"{path}: {read_problem(error)}") from None
    try:
        raw = json.loads(text)
    except json.JSONDecodeError as error:
        raise RecordError(f"{path}:{error.lineno}: invalid JSON: {error.msg}") from None
    schema = raw.get("schema") if isinstance(raw, dict) else None
    if isinstance(schema, str) and schema.startswith(FAMILY) and schema != SCHEMA:
        raise RecordError(
            f"{path}: a {schema} record; this tap-compliance reads {SCHEMA} "
            "(run `tap-compliance check` again to write one)"
        )
    if schema != SCHEMA:
        raise RecordError(f"{path}: not a {SCHEMA} record (schema: {schema!r})")
    try:
        return FindingsRecord.model_validate(raw)
    except ValidationError as error:
        raise RecordError(f"{path}: not a {SCHEMA} record: {describe(error)}") from None
