"""Markdown safety for the pull-request report: inert escaping and the length cap.

Every ``{{ value }}`` of the Markdown template goes through :func:`escape_markdown` (it is the
Jinja ``finalize`` hook), so a resource name cannot break a table, open a code span, render
HTML or mention a user. :func:`fit_rows` keeps the whole comment under the cap.
"""

from __future__ import annotations

import re
from collections.abc import Callable

#: GitHub refuses comments over 65,536 characters; stay clearly below.
MARKDOWN_CAP = 65_000

_ESCAPES = str.maketrans(
    {
        "\\": "\\\\",
        "`": "\\`",
        "*": "\\*",
        "_": "\\_",
        "[": "\\[",
        "]": "\\]",
        "|": "\\|",
        "~": "\\~",
        "&": "&amp;",
        "<": "&lt;",
        ">": "&gt;",
        "@": "&#64;",
        "\r": " ",
        "\n": " ",
        "\t": " ",
    }
)


def escape_markdown(value: object) -> str:
    """Render ``value`` as inert inline Markdown text, safe inside a table cell."""
    return "" if value is None else str(value).translate(_ESCAPES)


def fit_rows(render: Callable[[int], str], total: int, cap: int = MARKDOWN_CAP) -> str:
    """Render with the largest number of rows (of ``total``) whose output stays under ``cap``.

    ``render(n)`` must show the first ``n`` rows and say how many were left out. When even
    zero rows do not fit, the text is cut at the cap with a note.
    """
    text = render(total)
    if len(text) < cap:
        return text
    best: str | None = None
    low, high = 0, total - 1
    while low <= high:
        middle = (low + high) // 2
        candidate = render(middle)
        if len(candidate) < cap:
            best, low = candidate, middle + 1
        else:
            high = middle - 1
    if best is not None:
        return best
    note = "\n\n_(report cut at the Markdown size limit; see the HTML report)_\n"
    return text[: cap - len(note) - 1] + note


def md_anchor(heading: str) -> str:
    """The anchor GitHub and GitLab give a heading: lower case, punctuation other than ``-``
    and ``_`` dropped, each space a ``-``."""
    return re.sub(r"[^\w\- ]", "", heading.lower()).replace(" ", "-")
