"""Reading a project's data files into validated models: every problem of a file at once, a
line each naming ``file:line``.

The engine reads the environments file with it (:mod:`compliance.environments`); the CDK app
builds its own data files on it, so a data file's problem is worded one way wherever it is read.
A JSON file's lines are found by reading it as the YAML it also is (:func:`json_root`).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any, TypeVar, overload

import yaml
from pydantic import TypeAdapter, ValidationError

from compliance.errors import InputError, Location, Problem, dotted, problems, read_problem
from policies.files import SAFE_LOADER

T = TypeVar("T")
#: What a file nested deeper than its parser recurses is.
NESTED = "nested too deeply"
#: What else is wrong in a file's data besides what its model says (e.g. a name given twice).
Checks = Callable[[Any], Iterable[Problem]]


class DataFileError(InputError):
    """A data file is missing, unreadable or invalid; a line a problem, each naming it."""


def display(path: Path) -> str:
    """The path relative to the working directory when it lies below it."""
    try:
        return str(path.resolve().relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def read_yaml(
    path: Path, error: type[InputError] = DataFileError, loader: type[Any] = SAFE_LOADER
) -> tuple[yaml.Node | None, Any]:
    """A YAML file's document: its nodes (where each value is) and its data. A file that
    cannot be read or is no YAML is ``error``."""
    shown = display(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise error(shown, read_problem(exc)) from None
    reader = loader(text)
    try:
        root = reader.get_single_node()
        return root, reader.construct_document(root) if root is not None else None
    except yaml.MarkedYAMLError as exc:
        line = exc.problem_mark.line + 1 if exc.problem_mark else None
        raise error(shown, f"invalid YAML: {exc.problem}", line) from None
    except yaml.YAMLError as exc:
        raise error(shown, f"invalid YAML: {exc}") from None
    except ValueError as exc:  # the YAML parser's own, e.g. an impossible date 2030-13-45
        raise error(shown, f"invalid YAML: {exc}") from None
    except RecursionError:  # the parser recurses once per level of nesting
        raise error(shown, f"invalid YAML: {NESTED}") from None
    finally:
        reader.dispose()


def parse_json(
    text: str, source: str | Path, error: type[InputError] = InputError, prefix: str = ""
) -> Any:
    """``text`` (the file ``source``) as JSON; invalid JSON, or JSON nested deeper than
    Python's parser goes, is ``error``: one line naming where, ``prefix`` before what."""
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise error(source, f"{prefix}invalid JSON: {exc.msg}", exc.lineno) from None
    except RecursionError:
        raise error(source, f"{prefix}invalid JSON: {NESTED}") from None


def json_root(text: str) -> yaml.Node | None:
    """A JSON document's nodes, for the lines of its values (None: not readable so)."""
    try:
        node: yaml.Node | None = yaml.compose(text, Loader=SAFE_LOADER)
    except (yaml.YAMLError, RecursionError):
        return None
    return node


@overload
def load_yaml(
    path: Path,
    schema: type[T],
    error: type[InputError] = ...,
    *,
    context: object = ...,
    where: Callable[[Location, Any], str] = ...,
    checks: Checks | None = ...,
    loader: type[Any] = ...,
) -> T: ...
@overload
def load_yaml(
    path: Path,
    schema: Any,
    error: type[InputError] = ...,
    *,
    context: object = ...,
    where: Callable[[Location, Any], str] = ...,
    checks: Checks | None = ...,
    loader: type[Any] = ...,
) -> Any: ...
def load_yaml(
    path: Path,
    schema: Any,
    error: type[InputError] = DataFileError,
    *,
    context: object = None,
    where: Callable[[Location, Any], str] = dotted,
    checks: Checks | None = None,
    loader: type[Any] = SAFE_LOADER,
) -> Any:
    """Parse ``path`` as YAML and validate it with ``schema`` (a model, or any type pydantic
    validates); every problem is one ``error`` (:func:`validated`)."""
    root, raw = read_yaml(path, error, loader)
    return validated(
        path, schema, raw, lambda: root, error, context=context, where=where, checks=checks
    )


def validated(
    source: Path | str,
    schema: Any,
    raw: object,
    nodes: Callable[[], yaml.Node | None],
    error: type[InputError] = InputError,
    *,
    context: object = None,
    where: Callable[[Location, Any], str] = dotted,
    checks: Checks | None = None,
    prefix: str = "",
) -> Any:
    """``raw`` (read from ``source``) validated with ``schema``. Every problem, those
    ``checks`` finds included, is one ``error``: a line each with the line it is at (in the
    file's ``nodes``, composed only then: a JSON file's cost more than its validation),
    ``prefix`` before what is wrong."""
    found: list[Problem] = []
    value = None
    try:
        value = TypeAdapter(schema).validate_python(raw, context=context)
    except ValidationError as invalid:
        found += problems(invalid, schema, raw, where)
    if checks is not None:
        found += checks(raw)
    if found:
        shown = display(source) if isinstance(source, Path) else source
        root = nodes()
        raise error.every(shown, ((line_at(root, at), prefix + text) for at, text in found))
    return value


def line_at(root: yaml.Node | None, location: Sequence[str | int]) -> int | None:
    """The line (1-based) of what a validation error's ``location`` names in a composed YAML
    document: the deepest key or list item along it that the file holds (None: no document)."""
    node, line = root, None
    for part in location:
        if isinstance(node, yaml.MappingNode):
            pair = next(((k, v) for k, v in node.value if k.value == str(part)), None)
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
