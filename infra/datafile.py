"""Reading the app's YAML data files into validated models, with one-line errors."""

from __future__ import annotations

from pathlib import Path
from typing import TypeVar

import yaml
from pydantic import TypeAdapter, ValidationError

T = TypeVar("T")


class DataFileError(Exception):
    """A data file is missing, unreadable or invalid; the message is one line."""


def display(path: Path) -> str:
    """The path relative to the working directory when it lies below it."""
    try:
        return str(path.resolve().relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def describe(error: ValidationError) -> str:
    """Every validation error on one line: ``where.field: message; ...``."""
    parts = []
    for item in error.errors():
        location = ".".join(str(part) for part in item["loc"] if part != "[key]")
        message = item["msg"].removeprefix("Value error, ")
        parts.append(f"{location}: {message}" if location else message)
    return "; ".join(parts)


def load_yaml(path: Path, schema: TypeAdapter[T], error: type[DataFileError]) -> T:
    """Parse ``path`` as YAML and validate it with ``schema``; problems raise ``error``."""
    shown = display(path)
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise error(f"{shown}: no such file") from None
    except PermissionError:
        raise error(f"{shown}: cannot read: permission denied") from None
    except OSError as exc:
        raise error(f"{shown}: cannot read: {exc.strerror or exc}") from None
    except UnicodeDecodeError:
        raise error(f"{shown}: not UTF-8 text") from None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark
        where = f":{mark.line + 1}" if mark else ""
        raise error(f"{shown}{where}: invalid YAML: {exc.problem}") from None
    except yaml.YAMLError as exc:
        raise error(f"{shown}: invalid YAML: {exc}") from None
    except ValueError as exc:  # the YAML parser's own, e.g. an impossible date 2030-13-45
        raise error(f"{shown}: invalid YAML: {exc}") from None
    try:
        return schema.validate_python(raw)
    except ValidationError as exc:
        raise error(f"{shown}: {describe(exc)}") from None
