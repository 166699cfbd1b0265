"""Stable finding fingerprints: one finding keeps its fingerprint across commits.

A fingerprint hashes what identifies a finding and nothing that moves when unrelated code is
edited: the control (the tool's rule for a rule no control maps), the environment, the stack,
the construct path (the logical id when there is none) and the file. Both tools judging one
control on one resource report the same failure, so their findings share the fingerprint.
The file is the app's source file when the finding has a source location, else the template:
its name inside the cloud assembly for a synthesized stack (the output folder does not
matter), the path as given for a plain template. Line numbers are left out, so moving a
construct keeps its fingerprint; two templates declaring the same logical id keep theirs apart.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from pathlib import PurePosixPath

from compliance.record.findings import Finding, FindingsRecord, Target

#: Bump when the parts change: fingerprints of different versions never compare equal.
VERSION = "tap-fingerprint/1"


def identity(finding: Finding, target: Target | None) -> tuple[str, ...]:
    """Everything of the fingerprint but the file (what a renamed file keeps)."""
    return (
        finding.control_id or f"{finding.source}:{finding.rule_id}",
        (target.env if target else None) or "",
        (target.stack if target else None) or finding.target,
        finding.resource.construct_path or finding.resource.logical_id,
    )


def fingerprint_file(finding: Finding, target: Target | None) -> str:
    """The file part: the source file, else the template (by name inside an assembly)."""
    if finding.source_location is not None:
        return finding.source_location.file
    shown = finding.location.file if finding.location else (target.template if target else "")
    if target is not None and target.stack is not None:
        return PurePosixPath(shown).name
    return shown


def fingerprint(finding: Finding, target: Target | None) -> str:
    """The finding's fingerprint (hex SHA-256 of its identity and file)."""
    parts = (VERSION, *identity(finding, target), fingerprint_file(finding, target))
    return hashlib.sha256("\x1f".join(parts).encode("utf-8")).hexdigest()


def with_fingerprints(findings: Iterable[Finding], targets: Iterable[Target]) -> list[Finding]:
    """The findings with their fingerprints filled in (kept where already set)."""
    by_name = {target.name: target for target in targets}
    return [
        finding
        if finding.fingerprint
        else finding.model_copy(
            update={"fingerprint": fingerprint(finding, by_name.get(finding.target))}
        )
        for finding in findings
    ]


def fingerprinted(record: FindingsRecord) -> FindingsRecord:
    """The record with every finding fingerprinted (records written before fingerprints)."""
    return record.model_copy(
        update={"findings": with_fingerprints(record.findings, record.targets)}
    )
