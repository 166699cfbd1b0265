"""A progress bar on stderr while many templates are judged: only on a terminal, never in CI."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

#: Fewer templates than this are judged before a bar would be worth drawing.
MIN_TEMPLATES = 5


def progress_bar(total: int) -> Callable[[str], None]:
    """The function to call with each template's name once it is judged: a rich progress bar
    on stderr when stderr is a terminal outside CI (``CI`` unset), else nothing at all."""
    if total < MIN_TEMPLATES or os.environ.get("CI") or not sys.stderr.isatty():
        return _nothing
    bar = Progress(
        TextColumn("judging"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TextColumn("{task.description}"),
        console=Console(stderr=True),
        transient=True,
    )
    task = bar.add_task("", total=total)
    bar.start()

    def tick(name: str) -> None:
        bar.update(task, advance=1, description=name)
        if bar.finished:
            bar.stop()

    return tick


def _nothing(_: str) -> None:
    return None
