"""Where a finding is, as one line of text: the app's line that made the resource and the
app's calls that led there (``called_from``), else the template's file and line."""

from __future__ import annotations

from compliance.record.findings import Location, SourceLocation

#: Call sites shown after the line by default: the innermost one tells apart the resources one
#: helper made.
CALLS_SHOWN = 2


def file_line(where: Location) -> str:
    """``file:line``, or the file alone when the line is not known."""
    return f"{where.file}:{where.start_line}" if where.start_line else where.file


def source_line(where: Location, calls: int = CALLS_SHOWN) -> str:
    """``file:line``, followed for an app's line by ``(called from file:line, ...)``: at most
    ``calls`` call sites, innermost first, and ``...`` when there are more."""
    text = file_line(where)
    if not isinstance(where, SourceLocation) or not where.called_from or calls <= 0:
        return text
    shown = [file_line(site) for site in where.called_from[:calls]]
    if len(where.called_from) > calls:
        shown.append("...")
    return f"{text} (called from {', '.join(shown)})"
