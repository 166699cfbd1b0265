"""The one error type the CLI turns into exit code 2, a line a problem (every problem of one
input at once: :meth:`InputError.every`), and pydantic's validation errors said in a data
file's terms (:func:`problems`)."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from difflib import get_close_matches
from pathlib import Path
from types import UnionType
from typing import Annotated, Any, Self, Union, get_args, get_origin

from pydantic import BaseModel, ValidationError

from policies.files import read_problem

__all__ = [
    "InputError",
    "Location",
    "Problem",
    "by_id",
    "dotted",
    "problems",
    "read_problem",
    "read_text",
]

#: Where a problem is: a validation error's location in a file's data.
Location = tuple[str | int, ...]
#: A problem of a file: where in its data, and what is wrong there.
Problem = tuple[Location, str]


class InputError(Exception):
    """Usage, configuration or input error: bad file, unparsable template, synth crash.

    ``InputError(path, problem, line)`` reads ``path:line: problem``; ``InputError(message)``
    keeps an already formatted message. Either way the message is one line; an input's
    several problems are one error of a line each (:meth:`every`).
    """

    def __init__(self, source: str | Path, problem: str | None = None, line: int | None = None):
        where = f"{source}:{line}" if line is not None else str(source)
        message = where if problem is None else f"{where}: {problem}"
        super().__init__(" ".join(message.split()))
        #: What is wrong without naming the file (``line N: problem``), for listings.
        self.detail = " ".join(
            (f"line {line}: {problem}" if line is not None else problem or message).split()
        )
        #: Each problem as its own one-line error (this one alone, or :meth:`every`'s).
        self.errors: list[InputError] = [self]

    @classmethod
    def every(cls, source: str | Path, found: Iterable[tuple[int | None, str]]) -> Self:
        """Every problem of ``source`` (its line, what is wrong) as one error of this kind:
        a line each, in line order."""
        errors = [cls(source, text, line) for line, text in sorted(found, key=_by_line)]
        if not errors:
            raise ValueError("no problem to report")
        whole = errors[0]
        if len(errors) > 1:
            whole = cls(source)
            whole.args = ("\n".join(str(error) for error in errors),)
            whole.detail = "; ".join(error.detail for error in errors)
            whole.errors = list(errors)
        return whole


def _by_line(found: tuple[int | None, str]) -> int:
    return found[0] or 0


def read_text(path: Path) -> str:
    """A text file's content; a missing or unreadable file is an :class:`InputError`."""
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise InputError(path, read_problem(error)) from None


def dotted(location: Location, raw: object = None) -> str:
    """How a problem's place reads before what is wrong: ``dev.region: `` (nothing at the top,
    a key holding a dot quoted: ``"4.0.1"."1.2": ``);
    a :func:`problems` ``where`` (given the file's data, to name a place by what it holds)."""
    where = ".".join(f'"{part}"' if "." in str(part) else str(part) for part in location)
    return f"{where}: " if where else ""


def by_id(nouns: Mapping[str, str]) -> Callable[[Location, Any], str]:
    """A ``where`` naming a place by the innermost item of a list it lies in: a list the
    file's key names (``nouns``: the key, what an item is), the item by its ``id`` (its place
    when it has none), then the key within it: ``control TAP-ENC-01: severity: ``."""

    def where(location: Location, raw: object) -> str:
        name, rest = "", location
        for depth, part in enumerate(location):
            noun = nouns.get(str(location[depth - 1])) if depth else None
            if isinstance(part, int) and noun is not None:
                item = _value_at(raw, location[: depth + 1])
                ident = item.get("id") if isinstance(item, Mapping) else None
                name = f"{noun} {ident}: " if isinstance(ident, str) else f"{noun} #{part + 1}: "
                rest = location[depth + 1 :]
        return name + dotted(rest)

    return where


def problems(
    invalid: ValidationError,
    schema: Any,
    raw: object,
    where: Callable[[Location, Any], str] = dotted,
) -> Iterator[Problem]:
    """Each validation error of ``raw`` (read against ``schema``, a model class or any type a
    ``TypeAdapter`` takes) in the file's terms, ``where`` naming its place: an unknown key
    with the known ones (and the one it misspells, instead of that one as missing), a value
    that should be a mapping with its keys, pydantic's "Value error, " left out."""
    errors = invalid.errors()
    unknown: dict[Location, list[str]] = {}
    missing: dict[Location, list[str]] = {}
    for error in errors:
        if error["type"] in ("extra_forbidden", "missing"):
            found = unknown if error["type"] == "extra_forbidden" else missing
            found.setdefault(error["loc"][:-1], []).append(str(error["loc"][-1]))
    for mapping, keys in missing.items():
        strays = unknown.get(mapping) or _strays(schema, mapping, raw)
        misspelt = {key: get_close_matches(key, strays, n=1) for key in keys}
        if keys := [key for key, guess in misspelt.items() if not guess]:
            plural = "s" if len(keys) > 1 else ""
            yield mapping, f"{where(mapping, raw)}missing key{plural} {', '.join(keys)}"
        if mapping not in unknown:  # a model that ignores other keys: the misspelling named
            for key, guess in misspelt.items():
                if guess:
                    said = f"{where(mapping, raw)}unknown key {guess[0]} (did you mean {key}?)"
                    yield (*mapping, guess[0]), said
    for error in errors:
        location: Location = error["loc"]
        if error["type"] == "missing":
            continue
        if error["type"] == "extra_forbidden":
            mapping, key = location[:-1], str(location[-1])
            known = _keys_at(schema, mapping)
            guess = get_close_matches(key, known, n=1)
            hint = f" (did you mean {guess[0]}?)" if guess else ""
            listed = f"; known keys: {', '.join(known)}" if known else ""
            yield location, f"{where(mapping, raw)}unknown key {key}{hint}{listed}"
        elif location[-1:] == ("[key]",):
            yield location[:-1], f"{where(location[:-2], raw)}key {location[-2]}: {_said(error)}"
        elif error["type"] in ("model_type", "model_attributes_type", "dict_type"):
            model = _model(_follow(schema, location))
            closed = model is not None and model.model_config.get("extra") == "forbid"
            keys = _keys_at(schema, location) if closed else []  # else: others may be there
            shape = f"a mapping with the keys {', '.join(keys)}" if keys else "a mapping"
            yield location, f"{where(location, raw)}expected {shape}, not {_kind(error)}"
        else:
            yield location, f"{where(location, raw)}{_said(error)}"


def _said(error: Any) -> str:
    """What is wrong, in pydantic's words where they are plain, else in the file's."""
    context = error.get("ctx") or {}
    if error["type"] in ("too_short", "too_long"):
        bound = context["min_length" if error["type"] == "too_short" else "max_length"]
        one, many = (
            ("entry", "entries") if context.get("field_type") == "Dictionary" else ("item", "items")
        )
        most = "at least" if error["type"] == "too_short" else "at most"
        actual = context.get("actual_length")
        return f"expected {most} {bound} {one if bound == 1 else many}, not {actual}"
    if error["type"] == "string_pattern_mismatch":
        return f"{error['input']!r} does not match the pattern {context['pattern']}"
    return str(error["msg"]).removeprefix("Value error, ").removeprefix("Assertion failed, ")


def _kind(error: Any) -> str:
    value = error.get("input")
    if value is None or value == "":
        return "an empty value"
    if isinstance(value, list):
        return "a list"
    return f"{value!r}" if isinstance(value, str | int | float | bool) else type(value).__name__


def _keys_at(schema: Any, location: Location) -> list[str]:
    """The keys ``schema`` takes at a mapping of the file (none known: [])."""
    model = _model(_follow(schema, location))
    if model is None:
        return []
    return [field.alias or name for name, field in model.model_fields.items()]


def _strays(schema: Any, mapping: Location, raw: object) -> list[str]:
    """The keys a mapping of the file holds that its model does not take (when the model
    ignores them instead of refusing them)."""
    here = _value_at(raw, mapping)
    known = _keys_at(schema, mapping)
    return [str(key) for key in here if str(key) not in known] if isinstance(here, Mapping) else []


def _value_at(raw: object, location: Location) -> object:
    for part in location:
        if isinstance(raw, Mapping):
            raw = raw.get(part)
        elif isinstance(raw, list) and isinstance(part, int) and part < len(raw):
            raw = raw[part]
        else:
            return None
    return raw


def _follow(schema: Any, location: Location) -> Any:
    """The type at ``location`` below ``schema`` (None: not known)."""
    for part in location:
        schema = _unwrapped(schema)
        model = _model(schema)
        if model is not None:
            field = next(
                (f for n, f in model.model_fields.items() if part in (n, f.alias)),
                None,
            )
            schema = field.annotation if field else None
        elif get_origin(schema) in (dict, Mapping) and get_args(schema):
            schema = get_args(schema)[1]
        elif get_origin(schema) in (list, tuple, set, frozenset) and get_args(schema):
            schema = get_args(schema)[0]
        else:
            return None
    return schema


def _unwrapped(schema: Any) -> Any:
    """The type an ``Annotated`` or optional type holds."""
    while True:
        if get_origin(schema) is Annotated:
            schema = get_args(schema)[0]
        elif get_origin(schema) in (Union, UnionType):
            others = [arg for arg in get_args(schema) if arg is not type(None)]
            if len(others) != 1:
                return schema
            schema = others[0]
        else:
            return schema


def _model(schema: Any) -> type[BaseModel] | None:
    schema = _unwrapped(schema)
    return schema if isinstance(schema, type) and issubclass(schema, BaseModel) else None
