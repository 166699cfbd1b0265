"""``tap-compliance report A B...|DIR`` on hostile input: each case one line naming the file and
what is wrong, exit 2, no report written, bounded reading."""

from __future__ import annotations

import json
import os
import threading
import time
from pathlib import Path

import pytest

from compliance.cli import main
from compliance.record.findings import SCHEMA, FindingsRecord
from compliance.record.load import LIMIT


@pytest.fixture
def record(small_record: FindingsRecord, tmp_path: Path) -> Path:
    path = tmp_path / "shards" / "a" / "findings.json"
    path.parent.mkdir(parents=True)
    path.write_text(small_record.to_json())
    return path


def report(capsys: pytest.CaptureFixture[str], *args: Path | str) -> tuple[int, list[str]]:
    """``report ARGS --output OUT``: the exit code and the lines, OUT checked unwritten."""
    output = Path(str(args[0])).parent / "report.html"
    code = main(["report", *map(str, args), "--output", str(output)])
    captured = capsys.readouterr()
    if code:
        assert not output.exists()
    return code, (captured.out + captured.err).splitlines()


def refused(problem: str) -> tuple[int, list[str]]:
    return 2, [f"tap-compliance: error: {problem}"]


def test_a_link_loop_in_a_folder_is_named_not_followed(
    record: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = record.parent.parent
    (record.parent / "loop").symlink_to("..")
    started = time.monotonic()
    assert report(capsys, folder) == refused(
        f"{record.parent / 'loop'}: a link to a folder: not followed; name the folder itself"
    )
    assert time.monotonic() - started < 1.0
    (record.parent / "loop").unlink()
    (folder / "self").symlink_to("self")  # a link to itself: no folder, no record; left alone
    assert report(capsys, folder)[0] == 0


def test_a_record_that_is_no_regular_file_is_named_not_skipped(
    record: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A pipe named findings.json in a folder: reading it would wait for ever, leaving it out
    would merge one shard fewer without a word."""
    pipe = record.parent.parent / "b" / "findings.json"
    pipe.parent.mkdir()
    os.mkfifo(pipe)
    assert report(capsys, record.parent.parent) == refused(
        f"{pipe}: not a regular file: no record can be read from it"
    )


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        (b"[1, 2]", f"not a {SCHEMA} record: a JSON array, not an object"),
        (b'"findings"', f"not a {SCHEMA} record: a JSON string, not an object"),
        (b'{"schema": "tap-compliance/findings@2", "x": "\xff"}', "not UTF-8 text"),
        (b"[" * 100_000, "invalid JSON: nested too deeply"),
        (b'{"a": ' + b"[" * 5_000 + b"]" * 5_000 + b"}", "invalid JSON: nested too deeply"),
        (b'{"schema": ', "1: invalid JSON: Expecting value"),
    ],
    ids=["array", "string", "not-utf-8", "unclosed-nesting", "deep-nesting", "cut-short"],
)
def test_a_file_that_is_no_record_is_named(
    content: bytes, problem: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "findings.json"
    path.write_bytes(content)
    separator = "" if problem[0].isdigit() else " "
    assert report(capsys, path) == refused(f"{path}:{separator}{problem}")


def test_a_huge_record_is_refused_unread(
    record: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A file past the bound is refused by its size (a sparse file: no byte of it is read);
    records that pass it only together are refused at the one that passes it."""
    huge = tmp_path / "huge.json"
    with huge.open("wb") as handle:
        handle.truncate(LIMIT + 1)
    started = time.monotonic()
    assert report(capsys, huge) == refused(f"{huge}: larger than 256 MiB: too large to read")
    assert time.monotonic() - started < 0.5
    half = tmp_path / "half.json"
    with half.open("wb") as handle:
        handle.truncate(LIMIT - record.stat().st_size + 1)
    assert report(capsys, record, half) == refused(
        f"{half}: with the records read before it, larger than 256 MiB: too large to read"
    )


def test_the_same_target_twice_and_mixed_schemas_are_refused(
    record: Path, small_record: FindingsRecord, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    again = tmp_path / "again.json"
    again.write_text(small_record.to_json())
    target = small_record.targets[0].name
    assert report(capsys, record, again) == refused(
        f"{record} and {again} both hold the target {target}: the same target twice is not "
        "merged; give one record per target"
    )
    older = tmp_path / "older.json"
    raw = json.loads(small_record.to_json())
    raw["schema"] = "tap-compliance/findings@1"
    older.write_text(json.dumps(raw))
    assert report(capsys, record, older) == refused(
        f"{record} (schema {SCHEMA!r}) and {older} (schema 'tap-compliance/findings@1'): "
        "records of different schema versions are not merged"
    )


def test_a_record_named_twice_is_refused(record: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A file and the folder holding it: one run, which merged twice would count twice."""
    folder = record.parent.parent
    assert report(capsys, record, folder) == refused(
        f"{record}: the record {record} again: each record is merged once"
    )


def test_a_record_named_as_a_pipe_is_read(
    small_record: FindingsRecord, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """``report <(cat findings.json)``: a pipe named on the command line is read (to the
    bound); only in a folder is a pipe refused, where nobody meant to write one."""
    reader, writer = os.pipe()
    text = small_record.to_json().encode()

    def feed() -> None:
        with os.fdopen(writer, "wb") as pipe:
            pipe.write(text)

    feeding = threading.Thread(target=feed)
    feeding.start()
    try:
        code = main(["report", f"/dev/fd/{reader}", "--format", "json"])
    finally:
        feeding.join()
        os.close(reader)
    assert code == 0
    assert json.loads(capsys.readouterr().out) == json.loads(text)
