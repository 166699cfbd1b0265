"""The short terminal summary: a row per control that failed or was waived, each failure
that blocks the gate as one line (where the app made the resource, what is wrong, how to fix
it), the others counted, the verdict."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from pathlib import Path

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from compliance.outputs.tables import print_table
from compliance.outputs.waiver_lines import waiver_lines
from compliance.outputs.where import source_line
from compliance.project import WaiverSource
from compliance.record.findings import (
    STATUSES,
    ControlVerdict,
    Finding,
    FindingsRecord,
    Severity,
    blocking,
    effective_status,
    severity_rank,
)
from policies.catalog import Catalog, default_catalog
from policies.docs import control_link
from policies.nag_packs import default_nag_packs

STYLE = {"passed": "bold green", "failed": "bold red"}
#: Blocking failures listed on the terminal, the most severe first; the report lists them all.
FAILURES_SHOWN = 20
#: What to do about a failure of a rule no control maps (it blocks at every --fail-on).
UNMAPPED_FIX = "map the rule to a control in policies/catalog.yaml, or waive it"


def print_summary(
    record: FindingsRecord,
    console: Console,
    written: Sequence[Path] = (),
    waivers: WaiverSource | None = None,
    catalog: Catalog | None = None,
) -> None:
    """Print the table of failing, waived or not-applicable controls, the failures (with the
    remediation of ``catalog``, default: the project's), the waiver file and its news, the
    outputs and the verdict."""
    counts: Counter[tuple[str, str, str]] = Counter()
    for finding in record.findings:
        control = finding.control_id or f"unmapped ({finding.source})"
        counts[(control, finding.severity, finding.status)] += 1
    rows = sorted({(c, s) for c, s, _ in counts}, key=lambda r: (severity_rank(r[1]), r[0]))  # type: ignore[arg-type]
    judged = sum(target.status == "judged" for target in record.targets)
    table = Table(title=f"tap-compliance: {judged} target(s)", title_justify="left")
    for column in ("control", "severity", *STATUSES):
        table.add_column(column, justify="left" if column in ("control", "severity") else "right")
    # a control shown: anything but passes (not applicable by design is shown, never a pass)
    quiet = [row for row in rows if not any(counts[(*row, s)] for s in STATUSES if s != "pass")]
    for control, severity in rows:
        if (control, severity) in quiet:
            continue
        table.add_row(
            control, severity, *_counted(counts[(control, severity, s)] for s in STATUSES)
        )
    print_table(console, table)
    passes = sum(counts[(*row, "pass")] for row in quiet)
    console.print(f"{len(quiet)} other control(s) passed everywhere ({passes} passing results)")
    print_disagreements(record, console)
    print_targets(record, console)
    print_failures(record, console, catalog or default_catalog())
    for lookup in record.missing_lookups:
        console.print(f"[red]{escape(lookup.message)}[/red]", soft_wrap=True)
    if record.nag_packs:
        console.print(_packs(record.nag_packs), soft_wrap=True)
    if waivers is not None:
        line = waivers.describe()
        console.print(line if waivers.path else f"[bold yellow]{line}[/]", soft_wrap=True)
    for line in waiver_lines(record):
        console.print(line, soft_wrap=True)
    for path in written:
        console.print(f"wrote {path}")
    if record.reused_judgement is not None:
        since = record.reused_judgement.first_judged_at.strftime("%Y-%m-%d %H:%M:%S UTC")
        console.print(f"judgement reused (inputs unchanged since {since})", soft_wrap=True)
    gate = record.summary.gate
    reasons = _blocking(record)
    if gate.expired_waivers:
        reasons += f", {gate.expired_waivers} expired waiver(s)"
    if gate.unjudged:
        reasons += f", {gate.unjudged} template(s) that could not be judged"
    if record.missing_lookups:
        reasons += f" ({len(record.missing_lookups)} missing context lookup(s))"
    if record.baseline is not None:
        baseline = escape(record.baseline.file)
        reasons += f"; {gate.existing} existing failure(s) in the baseline {baseline}"
    console.print(f"gate [{STYLE[gate.result]}]{gate.result}[/]: {reasons}", soft_wrap=True)


def _blocking(record: FindingsRecord) -> str:
    """How many failures block and why: at or above the threshold, or of a rule no control
    maps (which blocks at every threshold, whatever cdk-nag's level)."""
    gate = record.summary.gate
    unmapped = sum(f.unmapped and blocking(f, gate.fail_on) for f in record.findings)
    if not unmapped:
        return f"{gate.blocking} blocking failure(s) at or above {gate.fail_on}"
    parts = [f"{unmapped} of cdk-nag rules no control maps (they block at every --fail-on)"]
    if mapped := gate.blocking - unmapped:
        parts.insert(0, f"{mapped} at or above {gate.fail_on}")
    return f"{gate.blocking} blocking failure(s): {', '.join(parts)}"


def _packs(packs: Sequence[str]) -> str:
    """The cdk-nag packs that ran, and that --pack chose them when they are not the default
    (--pack replaces the default packs, it does not add to them)."""
    line = f"cdk-nag packs: {', '.join(packs)}"
    default = default_nag_packs().default
    if list(packs) == default:
        return line
    if left_out := [pack for pack in default if pack not in packs]:
        return f"{line} (chosen by --pack, in place of the default {', '.join(left_out)})"
    return f"{line} (chosen by --pack)"


def print_disagreements(record: FindingsRecord, console: Console) -> None:
    """Where the rules of a control disagree: one line per control and disagreement, naming
    the resource when there is one, else counting them (the report names each)."""
    grouped: dict[tuple[str, str], list[ControlVerdict]] = {}
    for verdict in record.verdicts:
        if verdict.disagreement:
            grouped.setdefault((verdict.control_id, verdict.disagreement), []).append(verdict)
    for (control, disagreement), verdicts in grouped.items():
        if len(verdicts) == 1:
            (one,) = verdicts
            where = f"{one.target}/{one.logical_id} ({control}, verdict {one.status})"
        else:
            statuses = Counter(verdict.status for verdict in verdicts)
            templates = len({verdict.target for verdict in verdicts})
            where = (
                f"{control} for {len(verdicts)} resources in {templates} template(s) (verdict "
                + ", ".join(f"{status} {n}" for status, n in statuses.items())
                + "; the report names each)"
            )
        console.print(
            f"[yellow]tools disagree on {escape(where)}: {escape(disagreement)}[/yellow]",
            soft_wrap=True,
        )


def print_targets(record: FindingsRecord, console: Console) -> None:
    """One row per template with its status and counts, when there is more than one, or one
    was skipped or could not be judged (with the reason)."""
    plain = len(record.targets) == 1 and record.targets[0].status == "judged"
    if not record.targets or (plain and not record.targets[0].note):
        return
    counts: Counter[tuple[str, str]] = Counter(
        (finding.target, finding.status) for finding in record.findings
    )
    table = Table(title="per template", title_justify="left")
    # a Stage's stacks and nested stacks name what deploys them
    placed = any(target.parent for target in record.targets)
    for column in ("template", *(["in"] if placed else []), "env", "status", *STATUSES, "note"):
        numeric = column in STATUSES
        table.add_column(column, justify="right" if numeric else "left", overflow="fold")
    for target in record.targets:
        status = {"judged": "judged", "skipped": "[dim]skipped[/dim]", "error": "[red]error[/red]"}
        table.add_row(
            escape(target.template),
            *([escape(target.parent or "")] if placed else []),
            target.env or "",
            status[target.status],
            *_counted(counts[(target.name, s)] for s in STATUSES),
            escape(target.note or ""),
        )
    print_table(console, table)


def print_failures(
    record: FindingsRecord, console: Console, catalog: Catalog, shown: int = FAILURES_SHOWN
) -> None:
    """Each failure that blocks the gate as one line, per control and resource (both tools'
    findings of it together), the most severe first: the control, its severity, the resource,
    where the app made it (with the calls that led there: what tells apart the resources one
    helper made) or else the template's line, what is wrong, the first line of the catalogue's
    remediation and the control's section of docs/controls.md. The failures that do not
    block (below --fail-on, or already in the baseline) are counted."""
    fail_on = record.summary.gate.fail_on
    failing: dict[tuple[str, str, str], list[Finding]] = {}
    below: Counter[Severity] = Counter()
    existing = 0
    for finding in record.findings:
        if effective_status(finding) != "fail":
            continue
        # a finding whose waiver expired fails the gate at every severity
        if blocking(finding, fail_on) or finding.status == "waived":
            key = (
                finding.control_id or finding.rule_id,
                finding.target,
                finding.resource.logical_id,
            )
            failing.setdefault(key, []).append(finding)
        elif finding.existing:
            existing += 1
        else:
            below[finding.severity] += 1
    groups = sorted(
        failing.items(), key=lambda item: (min(severity_rank(f.severity) for f in item[1]), item[0])
    )
    if groups:
        findings_behind = sum(len(findings) for _, findings in groups)
        console.print(
            f"failures blocking the gate, per control and resource ({len(groups)}; "
            f"{findings_behind} finding(s) of their rules):",
            soft_wrap=True,
        )
    remedies = {control.id: control.remediation.summary for control in catalog.controls}
    for (control, target, logical_id), findings in groups[:shown]:
        # the most severe; of equals, a check of ours or checkov's (it names the property)
        # before cdk-nag's rule text
        first = min(findings, key=lambda f: (severity_rank(f.severity), f.source == "cdk-nag"))
        where = first.source_location or first.location
        unmapped = " (unmapped)" if first.control_id is None else ""
        line = f"{control}{unmapped} {first.severity} {target}/{logical_id}"
        if where is not None:
            line += f" {source_line(where)}"
        line += f": {' '.join(first.message.split()).rstrip('.')}"
        if first.waiver is not None and first.status == "waived":
            line += f" (waiver {first.waiver.id} expired on {first.waiver.expires})"
        if first.control_id is None:
            line += f"; fix: {UNMAPPED_FIX}"
        elif first.control_id in remedies:
            remedy = remedies[first.control_id].strip().splitlines()[0]
            line += f"; fix: {remedy} See {control_link(first.control_id)}"
        console.print(f"  {escape(line)}", soft_wrap=True, highlight=False)
    if len(groups) > shown:
        console.print(f"  {len(groups) - shown} more: the report lists them all")
    not_blocking = []
    if below:
        by_severity = ", ".join(f"{below[s]} {s}" for s in sorted(below, key=severity_rank))
        not_blocking.append(f"{below.total()} failure(s) below --fail-on {fail_on} ({by_severity})")
    if existing:
        not_blocking.append(f"{existing} failure(s) the baseline already had")
    if not_blocking:
        console.print(f"not blocking: {'; '.join(not_blocking)}", soft_wrap=True)


def _counted(counts: Iterable[int]) -> list[str]:
    """Table cells of counts in :data:`STATUSES` order; failures in red."""
    return [
        f"[red]{count}[/red]" if status == "fail" and count else str(count)
        for status, count in zip(STATUSES, counts, strict=True)
    ]
