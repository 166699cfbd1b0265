"""Reading a project's YAML data files into validated models, with one-line errors.

The engine reads the environments file with it (:mod:`compliance.environments`); the CDK app
builds its own data files on it, so a data file's problem is worded one way wherever it is read.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TypeVar

import yaml
from pydantic import TypeAdapter, ValidationError

from compliance.errors import InputError, describe, read_problem

T = TypeVar("T")


class DataFileError(InputError):
    """A data file is missing, unreadable or invalid; the message is one line naming it."""


def display(path: Path) -> str:
    """The path relative to the working directory when it lies below it."""
    try:
        return str(path.resolve().relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def load_yaml(path: Path, schema: TypeAdapter[T], error: type[DataFileError]) -> T:
    """Parse ``path`` as YAML and validate it with ``schema``; problems raise ``error``."""
    shown = display(path)
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise error(f"{shown}: {read_problem(exc)}") from None
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


def line_at(root: yaml.Node | None, location: Sequence[str | int]) -> int | None:
    """The line (1-based) of what a validation error's ``location`` names in a composed YAML
    document: the deepest key or list item along it that the file holds (None: no document)."""
    node, line = root, None
    for part in location:
        if isinstance(node, yaml.MappingNode):
            pair = next(((k, v) for k, v in node.value if k.value == part), None)
            if pair is None:
                break
            node, line = pair[1], pair[0].start_mark.line
        elif isinstance(node, yaml.SequenceNode) and isinstance(part, int):
            if part >= len(node.value):
                break
            node = node.value[part]
            line = node.start_mark.line
        else:
            break
    if line is None and root is not None:
        line = root.start_mark.line
    return None if line is None else int(line) + 1
