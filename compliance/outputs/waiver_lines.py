"""What became of each waiver in a run, as terminal lines: expired, expiring within
:data:`EXPIRING_DAYS` days of the run, stale, or not applicable to this run."""

from __future__ import annotations

from datetime import UTC

from rich.markup import escape

from compliance.record.findings import FindingsRecord

#: A waiver expiring within this many days of the run is announced: on the terminal, in the
#: report (highlighted) and in ``diff`` (the one bound for all three).
EXPIRING_DAYS = 30


def waiver_lines(record: FindingsRecord) -> list[str]:
    """A line (rich markup) for each waiver the user should hear about, in file order."""
    today = record.generated_at.astimezone(UTC).date()
    lines = []
    for waiver in record.waivers:
        if waiver.state == "expired":
            lines.append(f"[red]waiver {waiver.id} expired on {waiver.expires}[/red]")
            continue
        note = escape(waiver.note or "")
        if waiver.state == "stale":
            lines.append(f"[yellow]waiver {waiver.id} is stale: {note}[/yellow]")
        elif waiver.state == "not-applicable":
            lines.append(f"waiver {waiver.id} is not applicable to this run: {note}")
        left = (waiver.expires - today).days
        if 0 <= left <= EXPIRING_DAYS:
            when = "today is its last day" if left == 0 else f"{left} day(s) left"
            lines.append(f"[yellow]waiver {waiver.id} expires on {waiver.expires}: {when}[/yellow]")
    return lines
