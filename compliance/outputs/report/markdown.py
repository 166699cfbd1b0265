"""Markdown safety for the pull-request report: inert escaping and the length cap.

Every ``{{ value }}`` of the Markdown template goes through :func:`escape_markdown` (it is the
Jinja ``finalize`` hook), so a resource name cannot break a table, open a code span, render
HTML or mention a user. :func:`fit_parts` keeps the whole comment under the cap, cutting the
lists of least priority first and saying what it cut.
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
    return fit_parts(lambda shown: render(shown[0]), [total], cap)


def fit_parts(
    render: Callable[[list[int]], str],
    totals: list[int],
    cap: int = MARKDOWN_CAP,
    first: list[int] | None = None,
) -> str:
    """Render with as many rows of each part as fit under ``cap``, the parts in priority order.

    ``render(shown)`` must show the first ``shown[i]`` rows of part ``i`` (of ``totals[i]``)
    and say how many of each were left out. Each part in turn gets the most rows that fit
    beside the rows already given: up to ``first[i]`` rows in a first round (so that one long
    part does not crowd out the first rows of the next), up to all in a second. When not even
    zero rows of every part fit, the text is cut at the cap with a note.
    """
    shown = list(totals)
    text = render(shown)
    if len(text) < cap:
        return text
    full, shown = text, [0] * len(totals)
    if len(render(shown)) >= cap:
        note = "\n\n_(report cut at the Markdown size limit; see the HTML report)_\n"
        return full[: cap - len(note) - 1] + note
    rounds = [[min(n, total) for n, total in zip(first, totals, strict=True)]] if first else []
    for goals in [*rounds, totals]:
        for part, goal in enumerate(goals):
            shown[part] = _most_that_fit(render, shown, part, goal, cap)
    return render(shown)


def _most_that_fit(
    render: Callable[[list[int]], str], shown: list[int], part: int, goal: int, cap: int
) -> int:
    """The most rows of ``part`` (``shown[part]`` fit, at most ``goal``) under ``cap``: steps
    doubling from what fits, then halving, so no render is much longer than the cap."""

    def fits(rows: int) -> bool:
        return len(render([*shown[:part], rows, *shown[part + 1 :]])) < cap

    low, step = shown[part], 1
    while low < goal and fits(min(goal, low + step)):
        low, step = min(goal, low + step), step * 2
    high = min(goal, low + step) - 1  # ``low`` fits, ``high + 1`` does not (or is the goal)
    while low < high:
        middle = (low + high + 1) // 2
        low, high = (middle, high) if fits(middle) else (low, middle - 1)
    return low


def md_anchor(heading: str) -> str:
    """The anchor GitHub and GitLab give a heading: lower case, punctuation other than ``-``
    and ``_`` dropped, each space a ``-``."""
    return re.sub(r"[^\w\- ]", "", heading.lower()).replace(" ", "-")
