"""Geometry of the summary chart: one horizontal bar per severity, stacked by status.

Only numbers are computed here; ``reports/templates`` draws them as inline SVG.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from compliance.record.findings import STATUSES, Status

LABEL_WIDTH = 70
BAR_AREA = 380
COUNT_WIDTH = 50
BAR_HEIGHT = 18
ROW_GAP = 8
LEGEND_HEIGHT = 26


@dataclass(frozen=True)
class Segment:
    """A run of one status inside a bar."""

    status: Status
    count: int
    x: float
    width: float


@dataclass(frozen=True)
class Bar:
    """One severity's bar."""

    label: str
    total: int
    y: int
    text_y: int
    segments: list[Segment]


@dataclass(frozen=True)
class LegendItem:
    """A colour key."""

    status: Status
    x: int


@dataclass(frozen=True)
class Chart:
    """Everything the SVG needs: size, bars, legend."""

    width: int
    height: int
    label_width: int
    bar_height: int
    count_x: int
    bars: list[Bar]
    legend: list[LegendItem]
    legend_y: int


def severity_chart(rows: Sequence[tuple[str, dict[Status, int]]]) -> Chart:
    """Bars scaled to the largest total; segments ordered fail, waived, pass."""
    largest = max((sum(counts.values()) for _, counts in rows), default=0)
    scale = BAR_AREA / largest if largest else 0.0
    bars = []
    for index, (label, counts) in enumerate(rows):
        y = LEGEND_HEIGHT + index * (BAR_HEIGHT + ROW_GAP)
        x = float(LABEL_WIDTH)
        segments = []
        for status in STATUSES:
            count = counts.get(status, 0)
            if count:
                width = round(count * scale, 2)
                segments.append(Segment(status, count, round(x, 2), width))
                x += width
        bars.append(Bar(label, sum(counts.values()), y, y + BAR_HEIGHT - 5, segments))
    height = LEGEND_HEIGHT + len(rows) * (BAR_HEIGHT + ROW_GAP)
    return Chart(
        width=LABEL_WIDTH + BAR_AREA + COUNT_WIDTH,
        height=height,
        label_width=LABEL_WIDTH,
        bar_height=BAR_HEIGHT,
        count_x=LABEL_WIDTH + BAR_AREA + 6,
        bars=bars,
        legend=[LegendItem(status, LABEL_WIDTH + i * 90) for i, status in enumerate(STATUSES)],
        legend_y=6,
    )
