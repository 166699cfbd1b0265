"""What a bundle says about itself: ``MANIFEST.json`` and ``statement.intoto.json``.

The manifest lists every file of the evidence folder (path, SHA-256, size) with what the
record says of the run: when it was made, the commit, the tools and their versions, the gate
result. The statement is an in-toto Statement v1
(https://github.com/in-toto/attestation/blob/main/spec/v1/statement.md): its subjects are the
same files by SHA-256, its predicate the same facts and the manifest's own SHA-256, so a
signature on it (``cosign attest-blob --statement``) covers the whole bundle.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections import Counter
from datetime import datetime
from typing import Any, Final, Literal

from pydantic import Field, field_validator

from compliance.record.findings import FindingsRecord, Gate
from compliance.record.model import RecordModel

MANIFEST: Final = "MANIFEST.json"
STATEMENT: Final = "statement.intoto.json"
#: The bundle's own files: never a file of the evidence folder.
OWN_FILES: Final = (MANIFEST, STATEMENT)
SCHEMA: Final = "tap-compliance/bundle@1"
STATEMENT_TYPE: Final = "https://in-toto.io/Statement/v1"
#: Names this predicate and its version (a name, not a page: it need not resolve).
PREDICATE_TYPE: Final = "https://tap-compliance.dev/attestation/evidence-bundle/v1"

#: The most files a bundle holds, and the longest path of one (UTF-8 bytes): ``bundle`` packs
#: no more, so ``bundle --verify`` reads no more (a bound on its memory, whoever made the zip).
MAX_FILES: Final = 100_000
MAX_PATH: Final = 1024
#: The most ``MANIFEST.json`` or the statement is read to (100,000 files of long paths).
OWN_LIMIT: Final = 64 << 20

SHA256 = Field(pattern=r"^[0-9a-f]{64}$")
DRIVE = re.compile(r"[A-Za-z]:")


def path_problem(path: str) -> str | None:
    """Why ``path`` cannot name a file of a bundle (None: it can). A bundle's paths are what
    every extractor writes inside the folder it extracts to, as the same file: relative, split
    by ``/`` only, no ``.``, ``..`` or empty part, no control character, no drive letter."""
    if not path:
        return "an empty path"
    if len(path.encode("utf-8", "surrogatepass")) > MAX_PATH:
        return f"longer than {MAX_PATH} bytes"
    if not path.isprintable():
        return "a control character or bytes that are no text in it"
    if path.startswith("/") or DRIVE.match(path):
        return "an absolute path"
    if "\\" in path:
        return "a backslash in it (a folder separator to some extractors)"
    if any(part in ("", ".", "..") for part in path.split("/")):
        return "a '.', '..' or empty part in it"
    return None


def same_file(path: str) -> str:
    """``path`` as a file system that folds case and Unicode normalisation sees it (macOS,
    Windows): two paths of one fold are one file there."""
    return unicodedata.normalize("NFC", path).casefold()


class BundledFile(RecordModel):
    """One file of the evidence folder, by its path inside the bundle."""

    path: str
    sha256: str = SHA256
    bytes: int = Field(ge=0)


class Manifest(RecordModel):
    """``MANIFEST.json``."""

    schema_: Literal["tap-compliance/bundle@1"] = Field(default=SCHEMA, alias="schema")
    #: When the record was made (the run's time, not the bundling's: the same folder gives
    #: the same bytes; when it was signed is the signature's to say).
    generated_at: datetime
    git_commit: str | None = None
    #: The tools that made the evidence, as the record names them.
    tool_versions: dict[str, str]
    #: The tap-compliance that packed the bundle.
    bundled_by: str
    gate: Gate
    targets: list[str]
    files: list[BundledFile] = Field(max_length=MAX_FILES)

    @field_validator("files")
    @classmethod
    def _files_are_a_bundles(cls, files: list[BundledFile]) -> list[BundledFile]:
        """Every path one a bundle can hold, each once, none the bundle's own."""
        for file in files:
            problem = path_problem(file.path)
            if problem is not None:
                raise ValueError(f"path {file.path!r}: {problem}")
            if file.path in OWN_FILES:
                raise ValueError(f"path {file.path!r}: the bundle's own file, listed as evidence")
        twice = [path for path, n in Counter(same_file(f.path) for f in files).items() if n > 1]
        if twice:
            raise ValueError(f"path {twice[0]!r}: listed twice (as one file, whatever its case)")
        return files

    def to_json(self) -> str:
        """The manifest as it is stored (``schema`` by its name)."""
        return self.model_dump_json(by_alias=True, indent=2) + "\n"


def manifest_of(record: FindingsRecord, files: list[BundledFile], bundled_by: str) -> Manifest:
    """The manifest of ``files``, with what ``record`` says of its run."""
    return Manifest(
        generated_at=record.generated_at,
        git_commit=record.git_commit,
        tool_versions=record.tool_versions,
        bundled_by=bundled_by,
        gate=record.summary.gate,
        targets=[target.name for target in record.targets],
        files=files,
    )


def statement_of(manifest: Manifest, manifest_sha256: str) -> str:
    """The in-toto statement over the manifest's files, as it is stored."""
    facts = manifest.model_dump(mode="json", exclude={"schema_", "files"})
    statement: dict[str, Any] = {
        "_type": STATEMENT_TYPE,
        "subject": [_subject(f.path, f.sha256) for f in manifest.files],
        "predicateType": PREDICATE_TYPE,
        "predicate": {
            **facts,
            "manifest": {"name": MANIFEST, "digest": {"sha256": manifest_sha256}},
        },
    }
    return json.dumps(statement, indent=2) + "\n"


def _subject(name: str, sha256: str) -> dict[str, Any]:
    """An in-toto ResourceDescriptor: a name and its digest."""
    return {"name": name, "digest": {"sha256": sha256}}
