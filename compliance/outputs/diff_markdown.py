"""The diff as a pull-request comment: the delta first, under GitHub's comment size limit."""

from __future__ import annotations

from compliance.outputs.diff import DiffItem, RecordDiff
from compliance.outputs.report.markdown import MARKDOWN_CAP, fit_rows
from compliance.outputs.report.templates import environment

#: The first line of the comment: the workflow finds its own comment by it and edits it.
MARKER = "<!-- tap-compliance-diff -->"
SECTIONS = ("new", "fixed", "moved", "still_failing")


def render_diff_markdown(diff: RecordDiff, cap: int = MARKDOWN_CAP) -> str:
    """Markdown of ``diff``: as many rows as fit under ``cap``, new failures first."""
    template = environment("md").get_template("diff.md.j2")
    rows: list[tuple[str, DiffItem]] = [
        (section, item) for section in SECTIONS for item in getattr(diff, section)
    ]

    def with_rows(shown: int) -> str:
        kept = {section: [i for s, i in rows[:shown] if s == section] for section in SECTIONS}
        return template.render(diff=diff, shown=kept, omitted=len(rows) - shown, where=where)

    return fit_rows(with_rows, len(rows), cap)


def where(item: DiffItem) -> str:
    """``file:line`` of the app code that made the resource, else of the template."""
    location = item.source_location or item.location
    if location is None:
        return item.target
    return f"{location.file}:{location.start_line}" if location.start_line else location.file
