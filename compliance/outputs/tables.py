"""A table printed whole: on a terminal within its width, off one (a CI log, a pipe) as wide
as its longest row, so that no id or path is cut short or broken across lines."""

from __future__ import annotations

from rich.console import Console
from rich.measure import Measurement
from rich.table import Table

#: A width no row reaches: the table's natural width is measured against it.
UNBOUNDED = 1_000_000


def print_table(console: Console, table: Table) -> None:
    """Print ``table``. On a terminal, rich fits it to the window (cells marked
    ``overflow="fold"`` fold, none is hidden); elsewhere nobody can widen the window, so a
    table wider than the console is printed at its natural width, uncropped."""
    if not console.is_terminal:
        options = console.options.update_width(UNBOUNDED)
        natural = Measurement.get(console, options, table).maximum
        if natural > console.width:
            table.width = natural
    console.print(table, crop=False)
