"""The one error type the CLI turns into exit code 2 and a one-line message."""

from __future__ import annotations

from pathlib import Path

from pydantic import ValidationError

from policies.files import read_problem

__all__ = ["InputError", "describe", "read_problem", "read_text"]


class InputError(Exception):
    """Usage, configuration or input error: bad file, unparsable template, synth crash.

    ``InputError(path, problem, line)`` reads ``path:line: problem``; ``InputError(message)``
    keeps an already formatted message. Either way the message is one line.
    """

    def __init__(self, source: str | Path, problem: str | None = None, line: int | None = None):
        where = f"{source}:{line}" if line is not None else str(source)
        message = where if problem is None else f"{where}: {problem}"
        super().__init__(" ".join(message.split()))
        #: What is wrong without naming the file (``line N: problem``), for listings.
        self.detail = " ".join(
            (f"line {line}: {problem}" if line is not None else problem or message).split()
        )


def read_text(path: Path) -> str:
    """A text file's content; a missing or unreadable file is an :class:`InputError`."""
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise InputError(path, read_problem(error)) from None


def describe(error: ValidationError) -> str:
    """The first validation problem on one line: ``where: what (and N more)``.

    The one wording of a validation error, for every file the engine or the app reads.
    """
    first = error.errors()[0]
    where = ".".join(str(part) for part in first["loc"] if part != "[key]") or "top level"
    more = f" (and {error.error_count() - 1} more)" if error.error_count() > 1 else ""
    return f"{where}: {first['msg'].removeprefix('Value error, ')}{more}"
