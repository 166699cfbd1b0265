"""What changed between two records: the delta a pull request brings, for a PR comment.

A failure is one fingerprint (a control on a resource; both tools judging it count once).
Failing in HEAD only is new, in BASE only is fixed, in both is still failing. A new and a
fixed failure that differ only in their file (the same control, environment, stack and
construct, now created in another source file) are listed as moved: the same finding, though
its fingerprint changed, so a ``--baseline`` gate counts it as new. BASE's failures on a target
HEAD did not check (another ``--env``, a template no longer scanned) are not compared: nothing
says they were fixed. Waivers are compared by id; controls by their ROC status
(:mod:`compliance.outputs.roc`) on the targets HEAD checked."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from datetime import UTC, date
from typing import Final, Literal

from pydantic import Field

from compliance.outputs.roc import RocStatus, roc_status
from compliance.outputs.waiver_lines import EXPIRING_DAYS
from compliance.record.findings import (
    Finding,
    FindingsRecord,
    Location,
    Severity,
    SourceLocation,
    WaiverState,
    effective_status,
    severity_rank,
)
from compliance.record.fingerprints import fingerprinted, identity
from compliance.record.model import RecordModel
from policies.catalog import Catalog

SCHEMA: Final = "tap-compliance/diff@1"
Now = Literal["pass", "waived", "not-applicable", "absent"]


class DiffItem(RecordModel):
    """One failure (one fingerprint) in the delta."""

    fingerprint: str
    control_id: str | None
    title: str
    severity: Severity
    target: str
    logical_id: str
    resource_type: str
    construct_path: str | None
    #: The tool rules that reported it (one per tool).
    rule_ids: list[str]
    #: The app's line that made the resource and the calls that led there (``called_from``):
    #: what tells apart failures one helper made.
    source_location: SourceLocation | None
    location: Location | None
    #: At or above the HEAD gate's threshold (for fixed failures: BASE's).
    at_threshold: bool
    #: For a fixed failure: what HEAD says of it (pass, waived, or absent).
    now: Now | None = None
    #: For a moved failure: the file BASE had it in.
    moved_from: str | None = None


class WaiverChange(RecordModel):
    """A waiver added, removed, expiring or expired."""

    id: str
    control: str
    expires: date
    approver: str
    days_left: int | None = None


class ControlChange(RecordModel):
    """A control whose ROC-style status differs between the two records."""

    control_id: str
    title: str
    base: RocStatus
    head: RocStatus


class RecordDiff(RecordModel):
    """The delta between a BASE and a HEAD record (``tap-compliance/diff@1``)."""

    schema_: Literal["tap-compliance/diff@1"] = Field(default=SCHEMA, alias="schema")
    base_commit: str | None
    head_commit: str | None
    head_gate: Literal["passed", "failed"]
    fail_on: Severity
    new: list[DiffItem]
    fixed: list[DiffItem]
    moved: list[DiffItem]
    still_failing: list[DiffItem]
    #: Targets of one record only (BASE's are not compared; HEAD's failures are all new).
    targets_only_in_base: list[str]
    targets_only_in_head: list[str]
    waivers_added: list[WaiverChange]
    waivers_removed: list[WaiverChange]
    waivers_expiring: list[WaiverChange]
    waivers_expired: list[WaiverChange]
    controls_changed: list[ControlChange]

    def to_json(self) -> str:
        """The diff as JSON (``schema`` first)."""
        return self.model_dump_json(indent=2, by_alias=True) + "\n"


def diff_records(base: FindingsRecord, head: FindingsRecord, catalog: Catalog) -> RecordDiff:
    """Compare two records (fingerprints are computed for records written without them)."""
    base, head = fingerprinted(base), fingerprinted(head)
    base_names = {t.name for t in base.targets}
    head_names = {t.name for t in head.targets}
    base_failing = _failures(base, head_names)
    head_failing = _failures(head, head_names)
    head_all = _grouped(head.findings)
    fail_on = head.summary.gate.fail_on
    added = [p for p in head_failing if p not in base_failing]
    gone = [p for p in base_failing if p not in head_failing]
    moves = _moves(base, head, [base_failing[p] for p in gone], [head_failing[p] for p in added])
    today = head.generated_at.astimezone(UTC).date()
    base_ids = {w.id for w in base.waivers}
    head_ids = {w.id for w in head.waivers}
    return RecordDiff(
        base_commit=base.git_commit,
        head_commit=head.git_commit,
        head_gate=head.summary.gate.result,
        fail_on=fail_on,
        new=_sorted(_item(head_failing[p], fail_on) for p in added if p not in moves),
        fixed=_sorted(
            _item(base_failing[p], base.summary.gate.fail_on, now=_now(head_all.get(p)))
            for p in gone
            if p not in moves.values()
        ),
        moved=_sorted(
            _item(head_failing[p], fail_on, moved_from=_file(base_failing[was]))
            for p, was in moves.items()
        ),
        still_failing=_sorted(
            _item(head_failing[p], fail_on) for p in head_failing if p in base_failing
        ),
        targets_only_in_base=sorted(base_names - head_names),
        targets_only_in_head=sorted(head_names - base_names),
        waivers_added=[_waiver(w) for w in head.waivers if w.id not in base_ids],
        waivers_removed=[_waiver(w) for w in base.waivers if w.id not in head_ids],
        waivers_expiring=[
            _waiver(w, today)
            for w in head.waivers
            # as the terminal announces them
            if w.state != "expired" and 0 <= (w.expires - today).days <= EXPIRING_DAYS
        ],
        waivers_expired=[_waiver(w, today) for w in head.waivers if w.state == "expired"],
        controls_changed=_control_changes(base, head, catalog, head_names),
    )


def _grouped(findings: Sequence[Finding]) -> dict[str, list[Finding]]:
    groups: dict[str, list[Finding]] = defaultdict(list)
    for finding in findings:
        if finding.fingerprint:
            groups[finding.fingerprint].append(finding)
    return groups


def _failures(record: FindingsRecord, targets: set[str]) -> dict[str, list[Finding]]:
    """Fingerprint → its failing findings (an expired waiver waives nothing)."""
    failing = [f for f in record.findings if f.target in targets and effective_status(f) == "fail"]
    return _grouped(failing)


def _moves(
    base: FindingsRecord,
    head: FindingsRecord,
    gone: list[list[Finding]],
    added: list[list[Finding]],
) -> dict[str, str]:
    """New fingerprint → fixed fingerprint of the same finding in a renamed file."""
    base_targets = {t.name: t for t in base.targets}
    head_targets = {t.name: t for t in head.targets}
    by_identity: dict[tuple[str, ...], list[str]] = defaultdict(list)
    for group in gone:
        first = group[0]
        assert first.fingerprint is not None
        by_identity[identity(first, base_targets.get(first.target))].append(first.fingerprint)
    moves = {}
    for group in added:
        first = group[0]
        candidates = by_identity.get(identity(first, head_targets.get(first.target)))
        if candidates and first.fingerprint:
            moves[first.fingerprint] = candidates.pop(0)
    return moves


def _file(group: list[Finding]) -> str | None:
    where = group[0].source_location or group[0].location
    return where.file if where else None


def _now(group: list[Finding] | None) -> Now:
    if not group:
        return "absent"
    statuses = {effective_status(f) for f in group}
    if "waived" in statuses:
        return "waived"
    return "not-applicable" if statuses == {"not-applicable"} else "pass"


def _item(
    group: list[Finding],
    fail_on: Severity,
    *,
    now: Now | None = None,
    moved_from: str | None = None,
) -> DiffItem:
    first = min(group, key=lambda f: severity_rank(f.severity))
    assert first.fingerprint is not None
    return DiffItem(
        fingerprint=first.fingerprint,
        control_id=first.control_id,
        title=first.title,
        severity=first.severity,
        target=first.target,
        logical_id=first.resource.logical_id,
        resource_type=first.resource.type,
        construct_path=first.resource.construct_path,
        rule_ids=sorted({f.rule_id for f in group}),
        source_location=first.source_location,
        location=first.location,
        at_threshold=any(f.unmapped for f in group)
        or severity_rank(first.severity) <= severity_rank(fail_on),
        now=now,
        moved_from=moved_from,
    )


def _sorted(items: Iterable[DiffItem]) -> list[DiffItem]:
    return sorted(
        items,
        key=lambda i: (severity_rank(i.severity), i.control_id or "~", i.target, i.logical_id),
    )


def _waiver(waiver: WaiverState, today: date | None = None) -> WaiverChange:
    return WaiverChange(
        id=waiver.id,
        control=waiver.control,
        expires=waiver.expires,
        approver=waiver.approver,
        days_left=(waiver.expires - today).days if today else None,
    )


def control_statuses(
    record: FindingsRecord, catalog: Catalog, targets: set[str]
) -> dict[str, RocStatus]:
    """Each control's ROC status on ``targets``."""
    findings = [f for f in record.findings if f.target in targets]
    present = {f.resource.type for f in findings}
    by_control: dict[str, list[Finding]] = defaultdict(list)
    for finding in findings:
        if finding.control_id:
            by_control[finding.control_id].append(finding)
    return {
        control.id: roc_status(
            (effective_status(f) for f in by_control.get(control.id, [])),
            bool(set(control.resource_types) & present),
        )
        for control in catalog.controls
    }


def _control_changes(
    base: FindingsRecord, head: FindingsRecord, catalog: Catalog, targets: set[str]
) -> list[ControlChange]:
    before = control_statuses(base, catalog, targets)
    after = control_statuses(head, catalog, targets)
    return [
        ControlChange(control_id=c.id, title=c.title, base=before[c.id], head=after[c.id])
        for c in catalog.controls
        if before[c.id] != after[c.id]
    ]
