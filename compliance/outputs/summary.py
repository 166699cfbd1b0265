"""The short terminal summary: a row per control that failed or was waived, the failing
resources with the app's line that made them, the verdict."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from pathlib import Path

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from compliance.outputs.waiver_lines import waiver_lines
from compliance.outputs.where import source_line
from compliance.project import WaiverSource
from compliance.record.findings import (
    STATUSES,
    Finding,
    FindingsRecord,
    effective_status,
    severity_rank,
)

STYLE = {"passed": "bold green", "failed": "bold red"}
#: Failing resources listed on the terminal, the most severe first; the report lists them all.
FAILURES_SHOWN = 20


def print_summary(
    record: FindingsRecord,
    console: Console,
    written: Sequence[Path] = (),
    waivers: WaiverSource | None = None,
) -> None:
    """Print the table of failing, waived or not-applicable controls, the waiver file and its
    news, the outputs and the verdict."""
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
    console.print(table)
    passes = sum(counts[(*row, "pass")] for row in quiet)
    console.print(f"{len(quiet)} other control(s) passed everywhere ({passes} passing results)")
    for verdict in (v for v in record.verdicts if v.disagreement):
        console.print(
            f"[yellow]tools disagree on {verdict.target}/{verdict.logical_id} "
            f"({verdict.control_id}, verdict {verdict.status}): {verdict.disagreement}[/yellow]",
            soft_wrap=True,
        )
    print_targets(record, console)
    print_failures(record, console)
    for lookup in record.missing_lookups:
        console.print(f"[red]{escape(lookup.message)}[/red]", soft_wrap=True)
    if record.nag_packs:
        console.print(f"cdk-nag packs: {', '.join(record.nag_packs)}")
    if waivers is not None:
        line = waivers.describe()
        console.print(line if waivers.path else f"[bold yellow]{line}[/]", soft_wrap=True)
    for line in waiver_lines(record):
        console.print(line, soft_wrap=True)
    for path in written:
        console.print(f"wrote {path}")
    gate = record.summary.gate
    reasons = f"{gate.blocking} blocking failure(s) at or above {gate.fail_on}"
    if unmapped := sum(
        f.unmapped and f.status == "fail" and not f.existing for f in record.findings
    ):
        reasons += f" ({unmapped} of cdk-nag rules no control maps: they block at any threshold)"
    if gate.expired_waivers:
        reasons += f", {gate.expired_waivers} expired waiver(s)"
    if gate.unjudged:
        reasons += f", {gate.unjudged} template(s) that could not be judged"
    if record.missing_lookups:
        reasons += f" ({len(record.missing_lookups)} missing context lookup(s))"
    if record.baseline is not None:
        baseline = escape(record.baseline.file)
        reasons += f"; {gate.existing} existing failure(s) in the baseline {baseline}"
    console.print(f"gate [{STYLE[gate.result]}]{gate.result}[/]: {reasons}")


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
    console.print(table)


def print_failures(record: FindingsRecord, console: Console, shown: int = FAILURES_SHOWN) -> None:
    """One row per control failing on a resource (both tools' findings of it together), the
    most severe first: where the app made the resource and the calls that led there (what
    tells apart the resources one helper made), else the template's line."""
    failing: dict[tuple[str, str, str], list[Finding]] = {}
    for finding in record.findings:
        if effective_status(finding) == "fail":
            key = (
                finding.control_id or finding.rule_id,
                finding.target,
                finding.resource.logical_id,
            )
            failing.setdefault(key, []).append(finding)
    if not failing:
        return
    groups = sorted(
        failing.items(), key=lambda item: (min(severity_rank(f.severity) for f in item[1]), item[0])
    )
    table = Table(title=f"failures ({len(groups)})", title_justify="left")
    for column in ("severity", "control", "resource", "where"):
        table.add_column(column, overflow="fold")
    for (control, target, logical_id), findings in groups[:shown]:
        first = min(findings, key=lambda f: severity_rank(f.severity))
        where = first.source_location or first.location
        table.add_row(
            first.severity,
            escape(control + (" (existing)" if first.existing else "")),
            escape(f"{target}/{logical_id}"),
            escape(source_line(where) if where else ""),
        )
    console.print(table)
    if len(groups) > shown:
        console.print(f"{len(groups) - shown} more failing resource(s): the report lists them all")


def _counted(counts: Iterable[int]) -> list[str]:
    """Table cells of counts in :data:`STATUSES` order; failures in red."""
    return [
        f"[red]{count}[/red]" if status == "fail" and count else str(count)
        for status, count in zip(STATUSES, counts, strict=True)
    ]
