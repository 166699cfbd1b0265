"""The one error type the CLI turns into exit code 2 and a one-line message."""

from __future__ import annotations

from pathlib import Path


class InputError(Exception):
    """Usage, configuration or input error: bad file, unparsable template, synth crash.

    ``InputError(path, problem, line)`` reads ``path:line: problem``; ``InputError(message)``
    keeps an already formatted message. Either way the message is one line.
    """

    def __init__(self, source: str | Path, problem: str | None = None, line: int | None = None):
        where = f"{source}:{line}" if line is not None else str(source)
        message = where if problem is None else f"{where}: {problem}"
        super().__init__(" ".join(message.split()))
