"""The evidence bundle of a real ``check``: packed deterministically, verified again, and every
change to it (a byte, a file removed or added, the statement) named; bad input is exit 2."""

from __future__ import annotations

import hashlib
import json
import shutil
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest

from compliance.cli import main
from compliance.outputs.bundle import pack as packing
from compliance.outputs.bundle.manifest import MANIFEST, PREDICATE_TYPE, STATEMENT, STATEMENT_TYPE

pytestmark = pytest.mark.slow

#: What a deploy and a verify leave beside the record (their content is not read here).
DEPLOYED = {
    "deployment.json": b'{"schema": "tap-compliance/deployment@1"}\n',
    "deployment.previous.json": b'{"schema": "tap-compliance/deployment@1"}\n',
    "live/BucketsAnalyticsBucketD7328E4F.json": b"{}\n",
}
#: A run's machinery: the lock, a staging folder, a half-written file.
MACHINERY = {
    ".tap-compliance.lock": b'{"pid": 1}\n',
    ".staging-x1/findings.json": b"{half",
    ".findings.json.abc123": b"{half",
}


@pytest.fixture(scope="module")
def evidence(seed_gate: tuple[int, Path], tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the evidence folder of the seed's real check, with what deploy and verify
    leave, and a run's machinery that must stay out."""
    folder = tmp_path_factory.mktemp("evidence") / "out"
    shutil.copytree(seed_gate[1], folder)
    for name, data in {**DEPLOYED, **MACHINERY}.items():
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_bytes(data)
    return folder


@pytest.fixture(scope="module")
def bundled(evidence: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    output = tmp_path_factory.mktemp("bundle") / "ev.zip"
    assert main(["bundle", str(evidence), "--output", str(output)]) == 0
    return output


def on_disk(folder: Path) -> dict[str, str]:
    """Every file under ``folder`` but its hidden top-level entries, by SHA-256."""
    return {
        path.relative_to(folder).as_posix(): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in folder.rglob("*")
        if path.is_file() and not path.relative_to(folder).parts[0].startswith(".")
    }


def rewrite(
    source: Path,
    target: Path,
    change: Callable[[str, bytes], bytes | None] = lambda name, data: data,
    add: dict[str, bytes] | None = None,
) -> Path:
    """The zip ``source`` written again as ``target``: each entry through ``change`` (None
    drops it), then the entries of ``add``."""
    with zipfile.ZipFile(source) as old, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as new:
        for info in old.infolist():
            data = change(info.filename, old.read(info))
            if data is not None:
                new.writestr(info, data)
        for name, data in (add or {}).items():
            new.writestr(name, data)
    return target


def flip(data: bytes) -> bytes:
    """``data`` with one bit of its middle byte flipped."""
    middle = len(data) // 2
    return data[:middle] + bytes([data[middle] ^ 0x01]) + data[middle + 1 :]


def verify(path: Path, capsys: pytest.CaptureFixture[str]) -> tuple[int, list[str]]:
    code = main(["bundle", "--verify", str(path)])
    captured = capsys.readouterr()
    lines = (captured.out + captured.err).splitlines()
    return code, [line.removeprefix(f"{path}: ") for line in lines]


def test_the_bundle_holds_the_evidence_and_its_manifest(evidence: Path, bundled: Path) -> None:
    expected = on_disk(evidence)
    for name in ("findings.json", "findings.sarif", "junit.xml", "gl-code-quality-report.json"):
        assert name in expected
    assert {"audit.html", "audit.md", "cdk.out/TapStack-dev.template.json", *DEPLOYED} <= set(
        expected
    )
    with zipfile.ZipFile(bundled) as bundle:
        names = bundle.namelist()
        assert names == [*sorted(expected), MANIFEST, STATEMENT]
        for info in bundle.infolist():
            assert (info.date_time, info.external_attr >> 16) == ((1980, 1, 1, 0, 0, 0), 0o100644)
        manifest = json.loads(bundle.read(MANIFEST))
        statement = json.loads(bundle.read(STATEMENT))
        for file in manifest["files"]:
            assert bundle.read(file["path"]) == (evidence / file["path"]).read_bytes()
    assert {f["path"]: f["sha256"] for f in manifest["files"]} == expected
    sizes = {f["path"]: f["bytes"] for f in manifest["files"]}
    assert sizes["findings.json"] == (evidence / "findings.json").stat().st_size
    record = json.loads((evidence / "findings.json").read_text())
    assert manifest["schema"] == "tap-compliance/bundle@1"
    assert manifest["gate"] == record["summary"]["gate"]
    assert manifest["gate"]["result"] == "failed"
    assert (manifest["git_commit"], manifest["generated_at"]) == (
        record["git_commit"],
        record["generated_at"],
    )
    assert manifest["tool_versions"] == record["tool_versions"]
    assert manifest["targets"] == ["TapStack-dev"]

    assert statement["_type"] == STATEMENT_TYPE
    assert statement["predicateType"] == PREDICATE_TYPE
    subjects = {s["name"]: s["digest"]["sha256"] for s in statement["subject"]}
    assert subjects == expected
    predicate = statement["predicate"]
    assert predicate["gate"]["result"] == "failed"
    assert predicate["git_commit"] == record["git_commit"]
    manifest_sha256 = hashlib.sha256(zipfile.ZipFile(bundled).read(MANIFEST)).hexdigest()
    assert predicate["manifest"] == {"name": MANIFEST, "digest": {"sha256": manifest_sha256}}


def test_the_same_folder_gives_the_same_bytes(
    evidence: Path, bundled: Path, tmp_path: Path
) -> None:
    again = tmp_path / "again.zip"
    assert main(["bundle", str(evidence), "--output", str(again)]) == 0
    assert again.read_bytes() == bundled.read_bytes()


def test_a_bundle_inside_its_folder_leaves_itself_out(evidence: Path, tmp_path: Path) -> None:
    folder = tmp_path / "out"
    shutil.copytree(evidence, folder)
    inside = folder / "ev.zip"
    for _ in range(2):
        assert main(["bundle", str(folder), "--output", str(inside)]) == 0
    assert "ev.zip" not in zipfile.ZipFile(inside).namelist()
    assert not [p.name for p in folder.iterdir() if p.name.startswith(".ev.zip")]


def test_verify_passes_an_untouched_bundle(
    bundled: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, lines = verify(bundled, capsys)
    assert code == 0
    files = len(zipfile.ZipFile(bundled).namelist()) - 2
    assert lines == [f"all {files} files match MANIFEST.json and the statement (gate failed)"]


def test_one_flipped_byte_is_named(
    bundled: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    changed = rewrite(
        bundled,
        tmp_path / "changed.zip",
        lambda name, data: flip(data) if name == "findings.sarif" else data,
    )
    code, lines = verify(changed, capsys)
    assert code == 1
    assert [line.split(" (")[0] for line in lines[:-1]] == ["changed: findings.sarif"]
    assert lines[-1] == "does not match its manifest (1 problem)"


def test_a_byte_flipped_in_place_is_named(
    bundled: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The zip's own bytes changed (no rewrite): the entry's CRC no longer holds."""
    with zipfile.ZipFile(bundled) as bundle:
        info = bundle.getinfo("junit.xml")
    data = bytearray(bundled.read_bytes())
    start = info.header_offset + 30 + len(info.filename.encode()) + len(info.extra)
    data[start + info.compress_size // 2] ^= 0x01
    damaged = tmp_path / "damaged.zip"
    damaged.write_bytes(bytes(data))
    code, lines = verify(damaged, capsys)
    assert code == 1
    assert [line.split(" (")[0] for line in lines[:-1]] == ["changed: junit.xml"]


def test_a_removed_and_an_added_file_are_named(
    bundled: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    removed = rewrite(
        bundled,
        tmp_path / "removed.zip",
        lambda name, data: None if name == "deployment.previous.json" else data,
    )
    assert verify(removed, capsys) == (
        1,
        ["missing: deployment.previous.json", "does not match its manifest (1 problem)"],
    )
    added = rewrite(bundled, tmp_path / "added.zip", add={"../evil.sh": b"#!/bin/sh\n"})
    assert verify(added, capsys) == (
        1,
        ["added: ../evil.sh", "does not match its manifest (1 problem)"],
    )
    assert not (tmp_path / "evil.sh").exists() and not (tmp_path.parent / "evil.sh").exists()


def test_a_statement_that_disagrees_with_the_manifest_is_named(
    bundled: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    def forge(name: str, data: bytes) -> bytes:
        if name != STATEMENT:
            return data
        statement = json.loads(data)
        statement["subject"][0]["digest"]["sha256"] = "0" * 64
        return json.dumps(statement).encode()

    code, lines = verify(rewrite(bundled, tmp_path / "forged.zip", forge), capsys)
    assert code == 1
    first = zipfile.ZipFile(bundled).namelist()[0]
    assert lines[:-1] == [
        f"{STATEMENT}: subject {first} sha256 {'0' * 64} is not so in {MANIFEST}",
        f"{STATEMENT}: {first} of {MANIFEST} is not a subject with sha256 "
        + hashlib.sha256(zipfile.ZipFile(bundled).read(first)).hexdigest(),
    ]


def test_what_is_no_bundle_is_exit_2(
    bundled: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    text = tmp_path / "notes.zip"
    text.write_text("not a zip\n")
    assert verify(text, capsys) == (
        2,
        [
            f"tap-compliance: error: {text}: not a zip file "
            "(no end of central directory: not a zip, or cut short)"
        ],
    )
    bare = rewrite(bundled, tmp_path / "bare.zip", lambda n, d: None if n == MANIFEST else d)
    assert verify(bare, capsys) == (
        2,
        [f"tap-compliance: error: {bare}: no {MANIFEST}: not a tap-compliance evidence bundle"],
    )
    broken = rewrite(bundled, tmp_path / "broken.zip", lambda n, d: b"[]" if n == MANIFEST else d)
    code, lines = verify(broken, capsys)
    assert code == 2 and len(lines) == 1 and "not a tap-compliance/bundle@1 manifest" in lines[0]
    missing = tmp_path / "missing.zip"
    assert verify(missing, capsys) == (2, [f"tap-compliance: error: {missing}: no such file"])


def test_a_folder_without_a_record_is_refused_and_nothing_written(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / "reports"
    folder.mkdir()
    (folder / "audit.html").write_text("<html></html>\n")
    output = tmp_path / "ev.zip"
    assert main(["bundle", str(folder), "--output", str(output)]) == 2
    assert capsys.readouterr().err.splitlines() == [
        f"tap-compliance: error: {folder}: no findings.json: not an evidence folder "
        "(check writes one)"
    ]
    assert not output.exists()
    assert main(["bundle", str(folder)]) == 2
    assert "give DIR and --output" in capsys.readouterr().err


def test_a_failed_bundle_leaves_the_last_one_whole(
    evidence: Path, bundled: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    output = tmp_path / "ev.zip"
    shutil.copyfile(bundled, output)
    before = output.read_bytes()
    folder = tmp_path / "out"
    shutil.copytree(evidence, folder)
    (folder / "elsewhere").symlink_to(tmp_path)
    assert main(["bundle", str(folder), "--output", str(output)]) == 2
    (folder / "elsewhere").unlink()

    real = packing._add_file
    calls: list[str] = []

    def interrupted(bundle: zipfile.ZipFile, source: Path, name: str) -> object:
        calls.append(name)
        if len(calls) == 3:
            raise KeyboardInterrupt
        return real(bundle, source, name)

    monkeypatch.setattr(packing, "_add_file", interrupted)
    assert main(["bundle", str(folder), "--output", str(output)]) == 130
    assert output.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["ev.zip", "out"]
    assert not (folder / ".tap-compliance.lock").exists()
