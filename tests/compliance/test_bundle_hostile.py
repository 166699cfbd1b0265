"""``bundle --verify`` on zips an adversary made, byte by byte (``hostile_zips``), and ``bundle``
on folders that try to smuggle something in: each case its exact exit code and lines (exit 1
names what was added or changed, exit 2 what is no bundle), nothing extracted, nothing
half-written, bounded work."""

from __future__ import annotations

import hashlib
import io
import json
import os
import shutil
import struct
import time
import zipfile
import zlib
from collections.abc import Callable
from pathlib import Path

import pytest

from compliance.cli import main
from compliance.outputs.bundle.archive import MAX_ENTRIES
from compliance.outputs.bundle.manifest import (
    MANIFEST,
    STATEMENT,
    BundledFile,
    Manifest,
    statement_of,
)
from compliance.record.findings import FindingsRecord
from tests.compliance.hostile_zips import SYMLINK, Entry, build

TEMPLATE = "templates/platform.yaml"


@pytest.fixture(scope="module")
def evidence(small_record: FindingsRecord, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An evidence folder: a real record and a template beside it."""
    folder = tmp_path_factory.mktemp("evidence") / "out"
    (folder / "templates").mkdir(parents=True)
    (folder / "findings.json").write_text(small_record.to_json())
    (folder / TEMPLATE).write_text("Resources: {}\n" * 50)
    return folder


@pytest.fixture(scope="module")
def files(evidence: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, bytes]:
    """The entries of the folder's real bundle, by name, in its order."""
    output = tmp_path_factory.mktemp("bundle") / "ev.zip"
    assert main(["bundle", str(evidence), "--output", str(output)]) == 0
    with zipfile.ZipFile(output) as bundle:
        return {info.filename: bundle.read(info) for info in bundle.infolist()}


def entries(
    files: dict[str, bytes], change: Callable[[Entry], None] = lambda e: None
) -> list[Entry]:
    """The bundle's entries, each passed through ``change``."""
    made = [Entry(name, data) for name, data in files.items()]
    for entry in made:
        change(entry)
    return made


def forged(files: dict[str, bytes], evidence: dict[str, bytes]) -> list[Entry]:
    """A bundle of ``evidence`` whose manifest and statement are remade to agree with it: what
    only a forger who rewrites everything makes (the signature is what tells it apart)."""
    manifest = Manifest.model_validate_json(files[MANIFEST])
    listed = [
        BundledFile.model_construct(path=n, sha256=hashlib.sha256(d).hexdigest(), bytes=len(d))
        for n, d in evidence.items()
    ]
    text = manifest.model_copy(update={"files": listed}).to_json().encode()
    statement = statement_of(
        manifest.model_copy(update={"files": listed}), hashlib.sha256(text).hexdigest()
    )
    return [
        *(Entry(n, d) for n, d in evidence.items()),
        Entry(MANIFEST, text),
        Entry(STATEMENT, statement.encode()),
    ]


def own(files: dict[str, bytes]) -> dict[str, bytes]:
    """The evidence files of the bundle (not its manifest and statement)."""
    return {n: d for n, d in files.items() if n not in (MANIFEST, STATEMENT)}


def verify(
    data: bytes, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> tuple[int, list[str]]:
    """``bundle --verify`` of the zip ``data``: its exit code and lines, without the path."""
    path = tmp_path / "ev.zip"
    path.write_bytes(data)
    code = main(["bundle", "--verify", str(path)])
    captured = capsys.readouterr()
    lines = (captured.out + captured.err).splitlines()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["ev.zip"]  # nothing extracted
    return code, [
        line.replace(f"{path}: ", "").replace("tap-compliance: error: ", "error: ")
        for line in lines
    ]


def tampered(*problems: str) -> tuple[int, list[str]]:
    count = len(problems)
    return 1, [*problems, f"does not match its manifest ({count} problem{'s' * (count > 1)})"]


def refused(problem: str) -> tuple[int, list[str]]:
    return 2, [f"error: {problem}"]


def test_the_real_bundle_rebuilt_byte_by_byte_verifies(
    files: dict[str, bytes], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The byte-by-byte writer makes what ``bundle`` makes: the attacks below differ from a
    bundle that passes by the one thing each changes."""
    assert verify(build(entries(files)), tmp_path, capsys) == (
        0,
        ["all 2 files match MANIFEST.json and the statement (gate failed)"],
    )


@pytest.mark.parametrize("name", ["../x", "/etc/cron.d/x", "cdk.out\\x", "C:x", "./findings.json"])
def test_an_entry_of_a_hostile_name_is_an_added_file(
    name: str, files: dict[str, bytes], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    added = build([*entries(files), Entry(name, b"#!/bin/sh\n")])
    assert verify(added, tmp_path, capsys) == tampered(f"added: {name}")


def test_a_second_entry_of_one_name_is_tampering(
    files: dict[str, bytes], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The first entry matches the manifest; Python's zipfile (as unzip on overwrite) takes the
    second: which file the auditor reads depends on the tool, so the bundle fails."""
    forged_record = b'{"schema": "forged"}'
    twice = build([*entries(files), Entry("findings.json", forged_record)])
    assert zipfile.ZipFile(io.BytesIO(twice)).read("findings.json") == forged_record
    assert verify(twice, tmp_path, capsys) == tampered(
        "added: findings.json (a second entry of this name: extractors differ on which wins)"
    )
    manifest = build([*entries(files), Entry(MANIFEST, files[MANIFEST])])
    assert verify(manifest, tmp_path, capsys) == tampered(
        "added: MANIFEST.json (a second entry of this name: extractors differ on which wins)"
    )


@pytest.mark.parametrize(
    ("name", "problem"),
    [
        ("../x", "a '.', '..' or empty part in it"),
        ("/tmp/x", "an absolute path"),
        ("c:/x", "an absolute path"),
        ("a\\b", "a backslash in it (a folder separator to some extractors)"),
        ("a//b", "a '.', '..' or empty part in it"),
        ("a\nb", "a control character or bytes that are no text in it"),
        (STATEMENT, "the bundle's own file, listed as evidence"),
    ],
)
def test_a_manifest_listing_a_path_no_bundle_holds_is_no_bundle(
    name: str,
    problem: str,
    files: dict[str, bytes],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """Even when manifest, statement and entry agree (a forger's bundle): ``bundle`` never
    lists such a path, so the manifest is not one of a bundle."""
    forgery = forged(files, {**own(files), name: b"evil"})
    assert verify(build(forgery), tmp_path, capsys) == refused(
        f"{MANIFEST}:{files_line(forgery)}: not a tap-compliance/bundle@1 manifest: files: "
        f"path {name!r}: {problem}"
    )


def files_line(bundle: list[Entry]) -> int:
    """The line of the manifest's ``files``, where a problem of its list is named."""
    (manifest,) = [entry.data for entry in bundle if entry.name == MANIFEST]
    lines = manifest.decode("utf-8").splitlines()
    return next(n for n, line in enumerate(lines, 1) if line.startswith('  "files":'))


def test_a_manifest_listing_one_file_twice_is_no_bundle(
    files: dict[str, bytes], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    entries_ = forged(files, {**own(files), "FINDINGS.json": files["findings.json"]})
    assert verify(build(entries_), tmp_path, capsys) == refused(
        f"{MANIFEST}:{files_line(entries_)}: not a tap-compliance/bundle@1 manifest: files: "
        "path 'findings.json': listed twice (as one file, whatever its case)"
    )


@pytest.mark.parametrize(
    ("mode", "kind"),
    [(SYMLINK, "a link"), (0o040755, "a folder"), (0o104755, "a file of other permissions")],
)
def test_an_entry_that_is_no_plain_file_is_named(
    mode: int,
    kind: str,
    files: dict[str, bytes],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """A link entry whose bytes are the manifest's (an extractor makes a link to
    /etc/passwd), a folder, a setuid file."""
    bundle = forged(files, {**own(files), "passwd": b"/etc/passwd"})
    bundle[2].mode = mode
    assert verify(build(bundle), tmp_path, capsys) == tampered(
        f"changed: passwd (mode {mode:o} from system 3: {kind}, not the regular file of mode "
        "644 a bundle holds)"
    )


def zeros_deflated(size: int) -> bytes:
    """``size`` zero bytes deflated, made a MiB at a time."""
    packer = zlib.compressobj(9, zlib.DEFLATED, -15)
    chunk = bytes(1 << 20)
    return b"".join(packer.compress(chunk) for _ in range(size >> 20)) + packer.flush()


def test_an_entry_inflating_past_its_size_is_stopped_there(
    files: dict[str, bytes], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A zip bomb: the template's entry declares its real 750 bytes, and its stream then goes
    on for 512 MiB (what a streaming extractor would write): inflating stops at 751."""
    data = files[TEMPLATE]
    packer = zlib.compressobj(9, zlib.DEFLATED, -15)
    stream = packer.compress(data) + packer.compress(bytes(512 << 20)) + packer.flush()
    bomb = entries(files, lambda e: setattr(e, "raw", stream) if e.name == TEMPLATE else None)
    started = time.monotonic()
    assert verify(build(bomb), tmp_path, capsys) == tampered(
        f"changed: {TEMPLATE} (its entry cannot be read: inflates past the {len(data)} bytes it "
        "declares)"
    )
    assert time.monotonic() - started < 1.0


def test_a_size_the_manifest_does_not_list_is_not_inflated(
    files: dict[str, bytes], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The entry declares 4 GiB and the manifest lists its real size: the entry is named
    without a byte inflated. A manifest declaring itself 1 GiB is not read."""
    huge = 0xFFFFFFFE

    def declare(entry: Entry) -> None:
        if entry.name == TEMPLATE:
            entry.declared_size = huge

    started = time.monotonic()
    assert verify(build(entries(files, declare)), tmp_path, capsys) == tampered(
        f"changed: {TEMPLATE} ({huge} bytes, not the {len(files[TEMPLATE])} bytes listed)"
    )
    assert time.monotonic() - started < 1.0

    def inflate_manifest(entry: Entry) -> None:
        if entry.name == MANIFEST:
            entry.declared_size = 1 << 30

    assert verify(build(entries(files, inflate_manifest)), tmp_path, capsys) == refused(
        f"{MANIFEST}: {1 << 30} bytes: larger than 64 MiB"
    )


def test_bytes_outside_the_entries_are_named(
    files: dict[str, bytes], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A payload before the zip (a self-extractor, a polyglot), after it, in its comment, or a
    whole local entry hidden between two entries, where an extractor that walks local headers
    finds a forged ``findings.json`` the central directory never names."""
    whole = build(entries(files))
    assert verify(b"MZ" + bytes(998) + whole, tmp_path, capsys) == tampered(
        "added: 1000 bytes before the first entry"
    )
    assert verify(whole + b"<script>", tmp_path, capsys) == tampered(
        "added: 8 bytes after the end of the zip"
    )
    assert verify(build(entries(files), comment=b"hello"), tmp_path, capsys) == tampered(
        "added: a zip comment of 5 bytes"
    )
    lone = build([Entry("findings.json", b'{"forged": true}')])
    hidden = lone[: lone.index(b"PK\x01\x02")]
    first = next(iter(files))
    smuggled = entries(
        files, lambda e: setattr(e, "gap_after", hidden) if e.name == first else None
    )
    second = list(files)[1]
    assert verify(build(smuggled), tmp_path, capsys) == tampered(
        f"added: {len(hidden)} bytes before the entry {second}"
    )


def test_an_entry_that_reads_otherwise_to_another_extractor_is_named(
    files: dict[str, bytes], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A local header naming another file, Info-ZIP's Unicode path field (which unzip honours
    over the name), bytes hidden after the end of a deflate stream."""
    record = "findings.json"
    renamed = entries(
        files, lambda e: setattr(e, "local_name", b"../../x.json") if e.name == record else None
    )
    assert verify(build(renamed), tmp_path, capsys) == tampered(
        f"changed: {record} (its local header names it ../../x.json)"
    )
    path = b"../../etc/cron.d/x"
    unicode_path = struct.pack("<HHBI", 0x7075, 5 + len(path), 1, zlib.crc32(b"x")) + path
    assert len(unicode_path) <= 32  # small enough to be read, and named
    with_field = entries(
        files, lambda e: setattr(e, "extra", unicode_path[:32]) if e.name == record else None
    )
    assert verify(build(with_field), tmp_path, capsys) == tampered(
        f"changed: {record} (an extra field or a comment, which a bundle's entries never carry)"
    )
    packer = zlib.compressobj(6, zlib.DEFLATED, -15)
    stream = packer.compress(files[record]) + packer.flush() + b"PK\x03\x04 hidden"
    trailing = entries(files, lambda e: setattr(e, "raw", stream) if e.name == record else None)
    assert verify(build(trailing), tmp_path, capsys) == tampered(
        f"changed: {record} (its entry cannot be read: bytes after the end of its deflate stream)"
    )


def test_an_encrypted_or_otherwise_compressed_entry_is_named(
    files: dict[str, bytes], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    record = "findings.json"
    encrypted = entries(files, lambda e: setattr(e, "flags", 1) if e.name == record else None)
    assert verify(build(encrypted), tmp_path, capsys) == tampered(
        f"changed: {record} (its entry cannot be read: an encrypted entry)"
    )
    bzip2 = entries(files, lambda e: setattr(e, "method", 12) if e.name == record else None)
    assert verify(build(bzip2), tmp_path, capsys) == tampered(
        f"changed: {record} (its entry cannot be read: compressed by method 12; a bundle deflates)"
    )
    crc = entries(files, lambda e: setattr(e, "crc", 1) if e.name == record else None)
    found = zlib.crc32(files[record])
    assert verify(build(crc), tmp_path, capsys) == tampered(
        f"changed: {record} (its entry cannot be read: CRC-32 {found:08x}, not the 00000001 it "
        "declares)"
    )


def test_names_that_are_no_text_are_shown_quoted_on_one_line(
    files: dict[str, bytes], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A NUL (Python's zipfile cuts the name there: ``findings.json``), bytes that are no
    UTF-8 under the UTF-8 flag (zipfile raises)."""
    nul = build([*entries(files), Entry("findings.json\0.sh", b"x")])
    assert verify(nul, tmp_path, capsys) == tampered("added: 'findings.json\\x00.sh'")
    raw = Entry("x", b"", flags=0x800, central_name=b"\xff.sh", local_name=b"\xff.sh")
    assert verify(build([*entries(files), raw]), tmp_path, capsys) == tampered(
        "added: '\\udcff.sh'"
    )


def test_what_is_no_zip_is_exit_2(
    files: dict[str, bytes], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    whole = build(entries(files))
    cut = "not a zip file (no end of central directory: not a zip, or cut short)"
    assert verify(whole[: len(whole) // 2], tmp_path, capsys) == refused(cut)
    assert verify(whole[:-10], tmp_path, capsys) == refused(cut)
    assert verify(b"", tmp_path, capsys) == refused(cut)
    broken = whole.replace(b"PK\x01\x02", b"PK\x01\x03", 1)
    assert verify(broken, tmp_path, capsys) == refused(
        "not a readable zip file (its central directory is broken at 0)"
    )
    folder = tmp_path / "folder.zip"
    folder.mkdir()
    assert main(["bundle", "--verify", str(folder)]) == 2
    assert capsys.readouterr().err == f"tap-compliance: error: {folder}: a folder, not a zip file\n"
    pipe = tmp_path / "pipe.zip"
    os.mkfifo(pipe)  # no writer: opening it must not wait
    assert main(["bundle", "--verify", str(pipe)]) == 2
    assert capsys.readouterr().err == (
        f"tap-compliance: error: {pipe}: not a regular file, not a zip file\n"
    )


@pytest.mark.parametrize(
    ("manifest", "problems"),
    [
        (b"\xff\xfe{}", [": not UTF-8 text"]),
        (b"hello", [":1: not a tap-compliance/bundle@1 manifest: invalid JSON: Expecting value"]),
        (
            b"[" * 100_000,
            [": not a tap-compliance/bundle@1 manifest: invalid JSON: nested too deeply"],
        ),
        (  # every problem, a line each
            b'{"schema": "tap-compliance/bundle@1", "files": 3}',
            [
                ":1: not a tap-compliance/bundle@1 manifest: missing keys generated_at, "
                "tool_versions, bundled_by, gate, targets",
                ":1: not a tap-compliance/bundle@1 manifest: files: Input should be a valid list",
            ],
        ),
    ],
    ids=["not-utf-8", "not-json", "nested", "wrong-shape"],
)
def test_a_manifest_that_is_no_manifest_is_exit_2(
    manifest: bytes,
    problems: list[str],
    files: dict[str, bytes],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    bundle = entries(files, lambda e: setattr(e, "data", manifest) if e.name == MANIFEST else None)
    assert verify(build(bundle), tmp_path, capsys) == (
        2,
        [f"error: {MANIFEST}{problem}" for problem in problems],
    )


def test_a_statement_that_disagrees_with_the_manifest_is_named(
    files: dict[str, bytes], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    def with_statement(change: Callable[[dict[str, object]], object]) -> bytes:
        statement = json.loads(files[STATEMENT])
        change(statement)
        text = json.dumps(statement).encode()
        return build(
            entries(files, lambda e: setattr(e, "data", text) if e.name == STATEMENT else None)
        )

    subjects = lambda s: s["subject"].append(s["subject"][0])  # noqa: E731
    assert verify(with_statement(subjects), tmp_path, capsys) == tampered(
        f"{STATEMENT}: subject findings.json is listed 2 times"
    )
    passed = lambda s: s["predicate"]["gate"].update(result="passed")  # noqa: E731
    assert verify(with_statement(passed), tmp_path, capsys) == tampered(
        f"{STATEMENT}: its predicate differs from {MANIFEST} in gate"
    )
    deep = entries(
        files, lambda e: setattr(e, "data", b"[" * 100_000) if e.name == STATEMENT else None
    )
    assert verify(build(deep), tmp_path, capsys) == tampered(
        f"{STATEMENT}: not an in-toto statement of a bundle (RecursionError: nested too deeply)"
    )


def test_more_entries_than_a_bundle_holds_are_refused_unread(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The entry count of the zip64 end record decides before the directory is parsed."""
    path = tmp_path / "many.zip"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_STORED) as many:
        for index in range(MAX_ENTRIES + 1):
            many.writestr(f"{index}", b"")
    started = time.monotonic()
    assert main(["bundle", "--verify", str(path)]) == 2
    assert capsys.readouterr().err == (
        f"tap-compliance: error: {path}: {MAX_ENTRIES + 1} entries: more than a bundle holds "
        f"({MAX_ENTRIES})\n"
    )
    assert time.monotonic() - started < 0.5


# --- bundle DIR: a folder that tries to smuggle something in --------------------------------


def pack(folder: Path, output: Path, capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    code = main(["bundle", str(folder), "--output", str(output)])
    captured = capsys.readouterr()
    return code, (captured.out + captured.err).strip()


@pytest.fixture
def folder(evidence: Path, tmp_path: Path) -> Path:
    copy = tmp_path / "out"
    shutil.copytree(evidence, copy)
    return copy


def test_a_link_to_outside_is_refused_and_nothing_written(
    folder: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (folder / "templates" / "passwd").symlink_to("/etc/passwd")
    output = tmp_path / "ev.zip"
    assert pack(folder, output, capsys) == (
        2,
        f"tap-compliance: error: {folder / 'templates' / 'passwd'}: a link: the bundle holds "
        "files; copy what it points to instead",
    )
    assert not output.exists() and sorted(p.name for p in tmp_path.iterdir()) == ["out"]


def test_a_pipe_is_refused_without_waiting_on_it(
    folder: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    os.mkfifo(folder / "pipe")
    assert pack(folder, tmp_path / "ev.zip", capsys) == (
        2,
        f"tap-compliance: error: {folder / 'pipe'}: not a regular file",
    )


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads a file of mode 000")
def test_an_unreadable_file_is_named(
    folder: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (folder / "secret").write_text("x")
    (folder / "secret").chmod(0)
    assert pack(folder, tmp_path / "ev.zip", capsys) == (
        2,
        f"tap-compliance: error: {folder / 'secret'}: cannot read: permission denied",
    )


@pytest.mark.parametrize(
    ("name", "problem"),
    [
        ("a\\b.json", "a backslash in it (a folder separator to some extractors)"),
        ("a\nb.json", "a control character or bytes that are no text in it"),
    ],
)
def test_a_name_no_bundle_holds_is_refused(
    name: str, problem: str, folder: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (folder / name).write_text("{}")
    assert pack(folder, tmp_path / "ev.zip", capsys) == (
        2,
        f"tap-compliance: error: {folder}: {name!a}: a name a bundle cannot hold: {problem}",
    )


def test_two_names_of_one_file_where_case_folds_are_refused(
    folder: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (folder / "FINDINGS.json").write_text("{}")
    assert pack(folder, tmp_path / "ev.zip", capsys) == (
        2,
        f"tap-compliance: error: {folder / 'findings.json'}: and FINDINGS.json: one file where "
        "case is folded (macOS, Windows)",
    )


def test_an_output_inside_the_folder_never_replaces_evidence_or_machinery(
    folder: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    record = (folder / "findings.json").read_bytes()
    assert pack(folder, folder / "findings.json", capsys) == (
        2,
        f"tap-compliance: error: {folder / 'findings.json'}: a file of the evidence in {folder}, "
        "not a zip; write elsewhere",
    )
    assert (folder / "findings.json").read_bytes() == record
    lock = folder / ".tap-compliance.lock"
    assert pack(folder, lock, capsys) == (
        2,
        f"tap-compliance: error: {lock}: inside {folder}'s hidden entries (a run's machinery)",
    )
    assert not lock.exists()
    inside = folder / "templates" / "ev.zip"
    for _ in range(2):  # the second run replaces the first's zip, and leaves it out
        assert pack(folder, inside, capsys) == (0, f"wrote {inside}: 2 files (gate failed)")
    assert verify_lines(inside, capsys) == (
        0,
        [f"{inside}: all 2 files match MANIFEST.json and the statement (gate failed)"],
    )


def verify_lines(path: Path, capsys: pytest.CaptureFixture[str]) -> tuple[int, list[str]]:
    code = main(["bundle", "--verify", str(path)])
    captured = capsys.readouterr()
    return code, (captured.out + captured.err).splitlines()


@pytest.mark.slow
def test_a_bundle_past_a_plain_zips_65535_entries_verifies(
    folder: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Its end record is zip64's (the count no longer fits): read, and every entry checked."""
    many = folder / "many"
    many.mkdir()
    for index in range(1 << 16):
        (many / f"{index:05}.json").write_bytes(b"{}")
    output = tmp_path / "ev.zip"
    files = (1 << 16) + 2
    assert pack(folder, output, capsys) == (0, f"wrote {output}: {files} files (gate failed)")
    assert b"PK\x06\x06" in output.read_bytes()[-200:]  # the zip64 end record
    assert verify_lines(output, capsys) == (
        0,
        [f"{output}: all {files} files match MANIFEST.json and the statement (gate failed)"],
    )
