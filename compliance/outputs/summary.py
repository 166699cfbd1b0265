"""The short terminal summary: a row per control that failed or was waived, the verdict."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from pathlib import Path

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from compliance.project import WaiverSource
from compliance.record.findings import STATUSES, FindingsRecord, severity_rank

STYLE = {"passed": "bold green", "failed": "bold red"}


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
    if record.nag_packs:
        console.print(f"cdk-nag packs: {', '.join(record.nag_packs)}")
    if waivers is not None:
        line = waivers.describe()
        console.print(line if waivers.path else f"[bold yellow]{line}[/]", soft_wrap=True)
    for waiver in record.waivers:
        if waiver.state == "expired":
            console.print(f"[red]waiver {waiver.id} expired on {waiver.expires}[/red]")
        elif waiver.state == "stale":
            console.print(f"[yellow]waiver {waiver.id} is stale: it matches no failure[/yellow]")
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
    for column in ("template", "env", "status", *STATUSES, "note"):
        numeric = column in STATUSES
        table.add_column(column, justify="right" if numeric else "left", overflow="fold")
    for target in record.targets:
        status = {"judged": "judged", "skipped": "[dim]skipped[/dim]", "error": "[red]error[/red]"}
        table.add_row(
            target.template,
            target.env or "",
            status[target.status],
            *_counted(counts[(target.name, s)] for s in STATUSES),
            target.note or "",
        )
    console.print(table)


def _counted(counts: Iterable[int]) -> list[str]:
    """Table cells of counts in :data:`STATUSES` order; failures in red."""
    return [
        f"[red]{count}[/red]" if status == "fail" and count else str(count)
        for status, count in zip(STATUSES, counts, strict=True)
    ]
