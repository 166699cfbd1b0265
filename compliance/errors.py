"""The one error type the CLI turns into exit code 2 and a one-line message (a line a problem
when one input has several: :class:`InputErrors`)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from pydantic import ValidationError

from policies.files import read_problem

__all__ = ["InputError", "InputErrors", "describe", "read_problem", "read_text"]


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


class InputErrors(InputError):
    """Every problem found in one input at once: one :class:`InputError` line each."""

    def __init__(self, errors: Sequence[InputError]):
        Exception.__init__(self, "\n".join(str(error) for error in errors))
        self.errors = list(errors)
        self.detail = "; ".join(error.detail for error in errors)


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
