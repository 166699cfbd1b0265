"""Baseline gating: block only on failures a baseline record does not already hold.

``check|scan --baseline BASE.json``: a finding whose fingerprint is among BASE's failures is
marked ``existing``. A failure stays a failure in every output, and the gate does not count it. A
failure whose waiver expired is never existing (an expired waiver blocks), and a finding BASE
had waived is not among BASE's failures, so removing its waiver blocks too.
"""

from __future__ import annotations

from pathlib import Path

from compliance.gate.threshold import summarise
from compliance.record.findings import Baseline, Finding, FindingsRecord, effective_status
from compliance.record.fingerprints import fingerprinted


def load_baseline(path: Path) -> FindingsRecord:
    """A baseline record from a file; a bad file is an :class:`InputError` (exit 2), every
    problem of it a line."""
    from compliance.record.load import load_record

    return fingerprinted(load_record(path))


def failures(record: FindingsRecord) -> set[str]:
    """Fingerprints of the record's failures (an expired waiver waives nothing)."""
    return {
        f.fingerprint
        for f in fingerprinted(record).findings
        if f.fingerprint and effective_status(f) == "fail"
    }


def gate_against(record: FindingsRecord, baseline: FindingsRecord, shown: str) -> FindingsRecord:
    """``record`` with the baseline's failures marked existing and the gate decided again."""
    known = failures(baseline)
    findings = [_marked(f, known) for f in fingerprinted(record).findings]
    return record.model_copy(
        update={
            "findings": findings,
            "summary": summarise(
                findings, record.waivers, record.summary.gate.fail_on, record.targets
            ),
            "baseline": Baseline(
                file=shown,
                git_commit=baseline.git_commit,
                generated_at=baseline.generated_at,
                failures=len(known),
            ),
        }
    )


def _marked(finding: Finding, known: set[str]) -> Finding:
    expired = finding.waiver is not None and finding.waiver.expired
    return finding.model_copy(update={"existing": finding.fingerprint in known and not expired})
