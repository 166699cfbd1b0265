"""Reading a saved record: one-line errors that name the file."""

from __future__ import annotations

from pathlib import Path

import pytest

from compliance.outputs.report.render import render
from compliance.record.load import RecordError, load_record

SAMPLE = Path(__file__).parents[1] / "fixtures" / "records" / "tap-sample.json"


def test_reads_the_sample() -> None:
    assert len(load_record(SAMPLE).findings) == 16


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (None, "no such file"),
        ("{not json", ":1: invalid JSON: Expecting property name"),
        ('{"schema": "tap-compliance/findings@2"}', "not a tap-compliance/findings@2 record"),
        (
            '{"schema": "tap-compliance/findings@1"}',
            "a tap-compliance/findings@1 record; this tap-compliance reads "
            "tap-compliance/findings@2 (run `tap-compliance check` again to write one)",
        ),
        ('{"schema": "other@9", "generated_at": "x"}', "findings@2 record (schema: 'other@9')"),
        ("[]", "findings@2 record: a JSON array, not an object"),
        (b"\xff\xfe\x00", "not UTF-8"),
    ],
)
def test_bad_records_give_one_line(
    tmp_path: Path, content: str | bytes | None, expected: str
) -> None:
    path = tmp_path / "findings.json"
    if isinstance(content, bytes):
        path.write_bytes(content)
    elif content is not None:
        path.write_text(content, encoding="utf-8")
    with pytest.raises(RecordError) as error:
        load_record(path)
    message = str(error.value)
    assert message.startswith(f"{path}:") and expected in message and "\n" not in message


def test_unknown_format_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown report format 'pdf'"):
        render(load_record(SAMPLE), "pdf")  # type: ignore[arg-type]
