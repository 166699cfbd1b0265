"""Source locations of findings: the app's line that created each resource, from the assembly.

The synth child writes construct path → file, line and the app's calls above it into the cloud
assembly (:mod:`compliance.synthesis.source_capture`). A finding's resource is matched through
its construct path (the template's ``aws:cdk:path`` metadata): the construct itself, else its
nearest recorded ancestor. Plain templates have no such file and keep their template locations
only; a file written before ``called_from`` existed reads with none.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path

from pydantic import BaseModel, ConfigDict, ValidationError

from compliance.errors import InputError
from compliance.record.findings import Finding, Location, SourceLocation
from compliance.synthesis.source_capture import SOURCES_FILE, SOURCES_SCHEMA


class _Line(BaseModel):
    model_config = ConfigDict(extra="forbid")
    file: str
    line: int
    called_from: list[tuple[str, int]] = []


class _SourcesFile(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)
    schema_: str
    constructs: dict[str, _Line]


class SourceMap:
    """Construct path → the app code line that created it."""

    def __init__(self, lines: dict[str, SourceLocation]) -> None:
        self._lines = lines

    def __len__(self) -> int:
        return len(self._lines)

    def locate(self, construct_path: str | None) -> SourceLocation | None:
        """The location of the construct, else of its nearest recorded ancestor."""
        if not construct_path:
            return None
        parts = construct_path.strip("/").split("/")
        while parts:
            if (found := self._lines.get("/".join(parts))) is not None:
                return found
            parts.pop()
        return None


def read_sources(assembly_dir: Path) -> SourceMap:
    """The assembly's source map (empty when it was synthesized without one)."""
    path = assembly_dir / SOURCES_FILE
    if not path.is_file():
        return SourceMap({})
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
        document = _SourcesFile.model_validate(
            {"schema_": raw.get("schema"), "constructs": raw.get("constructs")}
            if isinstance(raw, dict)
            else raw
        )
    except (OSError, UnicodeDecodeError, json.JSONDecodeError, ValidationError) as error:
        raise InputError(path, f"unreadable construct source map: {error}") from None
    if document.schema_ != SOURCES_SCHEMA:
        raise InputError(path, f"unknown construct source map schema {document.schema_!r}")
    return SourceMap(
        {
            construct: SourceLocation(
                file=line.file,
                start_line=line.line,
                called_from=[Location(file=f, start_line=n) for f, n in line.called_from],
            )
            for construct, line in document.constructs.items()
        }
    )


def with_sources(findings: Iterable[Finding], sources: dict[str, SourceMap]) -> list[Finding]:
    """The findings with ``source_location`` from their target's source map, where it has one."""
    located = []
    for finding in findings:
        source_map = sources.get(finding.target)
        where = source_map.locate(finding.resource.construct_path) if source_map else None
        located.append(finding.model_copy(update={"source_location": where}) if where else finding)
    return located
