"""The diff as a pull-request comment: the delta first, under GitHub's comment size limit."""

from __future__ import annotations

from compliance.outputs.diff import DiffItem, RecordDiff
from compliance.outputs.report.markdown import MARKDOWN_CAP, fit_rows
from compliance.outputs.report.templates import environment
from compliance.outputs.where import file_line, source_line

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
    """``file:line`` of the app code that made the resource with the call site that led there
    (failures one helper made differ there), else of the template."""
    if item.source_location is not None:
        return source_line(item.source_location, calls=1)
    return file_line(item.location) if item.location is not None else item.target
