"""Resolve intrinsic functions as far as the template allows, never further.

A resolved value is plain data in which a string may be a :class:`Text` (literal parts and
:class:`Token` parts) and anything the template cannot decide is an ``unresolved`` Token.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

from policies.cfn.template import Template

TokenKind = Literal["ref", "attr", "pseudo", "unresolved"]

#: Pseudo parameters whose value is the same wherever this analysis runs.
_FIXED_PSEUDO = {"AWS::Partition": "aws", "AWS::URLSuffix": "amazonaws.com"}
#: Every ``${...}`` of an ``Fn::Sub`` string: a variable, or a literal ``${!...}``, as the
#: string resolves.
SUB_PLACEHOLDER = re.compile(r"\$\{([^}]*)\}")
#: The ``${...}`` of an ``Fn::Sub`` string that name a variable, as the references and the
#: parameters in the string are read. Not the same as SUB_PLACEHOLDER less its literals in
#: three edge cases, kept as they were: ``${}`` is none, ``${ !X}`` names ``!X``, and a ``${``
#: inside a literal starts one (``${!A${B}`` names ``B``; resolved, it is all literal).
SUB_VARIABLE = re.compile(r"\$\{([^}!][^}]*)\}")


@dataclass(frozen=True)
class Token:
    """A value known only by what it refers to (a resource, attribute or pseudo parameter)."""

    kind: TokenKind
    name: str
    attribute: str = ""

    def describe(self) -> str:
        if self.kind == "attr":
            return f"{self.name}.{self.attribute}"
        if self.kind == "unresolved":
            return self.name
        return f"Ref {self.name}"


@dataclass(frozen=True)
class Text:
    """A string built from literal parts and tokens (Fn::Join, Fn::Sub)."""

    parts: tuple[str | Token, ...]


class _NoValue:
    """AWS::NoValue: the property or list item is removed."""


NO_VALUE = _NoValue()


def unresolved(reason: str) -> Token:
    return Token("unresolved", reason)


def text(*parts: str | Token | Text) -> str | Token | Text:
    """Concatenate parts, merging adjacent literals; a single part is returned as is."""
    flat: list[str | Token] = []
    for part in parts:
        for piece in part.parts if isinstance(part, Text) else (part,):
            if isinstance(piece, str) and flat and isinstance(flat[-1], str):
                flat[-1] += piece
            elif piece != "":
                flat.append(piece)
    if not flat:
        return ""
    if len(flat) == 1:
        return flat[0]
    return Text(tuple(flat))


def parts_of(value: Any) -> tuple[str | Token, ...] | None:
    """The parts of a string-like resolved value, or None when it is not string-like."""
    if isinstance(value, str):
        return (value,)
    if isinstance(value, Token):
        return (value,)
    if isinstance(value, Text):
        return value.parts
    return None


def tokens_in(value: Any) -> list[Token]:
    """Every token anywhere inside a resolved value."""
    if isinstance(value, Token):
        return [value]
    if isinstance(value, Text):
        return [p for p in value.parts if isinstance(p, Token)]
    if isinstance(value, dict):
        return [t for v in value.values() for t in tokens_in(v)]
    if isinstance(value, list):
        return [t for v in value for t in tokens_in(v)]
    return []


def is_unresolved(value: Any) -> bool:
    return any(t.kind == "unresolved" for t in tokens_in(value))


class Resolver:
    """Resolves values of one template."""

    def __init__(self, template: Template, assume: Mapping[str, bool] | None = None) -> None:
        """``assume`` fixes the truth of named conditions (one deploy-time case)."""
        self.template = template
        self.assume = dict(assume or {})
        #: Conditions asked about that neither the template nor ``assume`` decided, in order.
        self.undecided: list[str] = []

    def open_conditions(self) -> list[str]:
        """The named conditions the template alone does not decide."""
        return [name for name in self.template.conditions if self.condition(name) is None]

    def resolve(self, value: Any) -> Any:
        """The value with every intrinsic function resolved as far as possible."""
        if isinstance(value, list):
            items = [self.resolve(v) for v in value]
            return [v for v in items if v is not NO_VALUE]
        if not isinstance(value, dict):
            return value
        if len(value) == 1:
            ((key, arg),) = value.items()
            handler = _FUNCTIONS.get(key)
            if handler is not None:
                return handler(self, arg)
            if key.startswith("Fn::"):
                return unresolved(f"{key} is not evaluated")
        resolved = {k: self.resolve(v) for k, v in value.items()}
        return {k: v for k, v in resolved.items() if v is not NO_VALUE}

    def condition(self, name: Any) -> bool | None:
        """The truth of a named condition, or None when it depends on deploy-time input."""
        if not isinstance(name, str) or name not in self.template.conditions:
            return None
        if name in self.assume:
            return self.assume[name]
        truth = self._truth(self.template.conditions[name], depth=0)
        if truth is None and name not in self.undecided:
            self.undecided.append(name)
        return truth

    def exists(self, logical_id: str) -> bool | None:
        """Whether a resource is created: its Condition's truth (True when it has none)."""
        resource = self.template.resource(logical_id) or {}
        if "Condition" not in resource:
            return True
        return self.condition(resource["Condition"])

    def _truth(self, expr: Any, depth: int) -> bool | None:
        if depth > 20 or not isinstance(expr, dict) or len(expr) != 1:
            return None
        ((key, arg),) = expr.items()
        if key == "Condition":
            if isinstance(arg, str) and arg in self.assume:
                return self.assume[arg]
            return self._truth(self.template.conditions.get(arg), depth + 1)
        if not isinstance(arg, list):
            return None
        values = [self._truth(a, depth + 1) for a in arg] if key != "Fn::Equals" else []
        if key == "Fn::Equals" and len(arg) == 2:
            left, right = (self.resolve(a) for a in arg)
            if tokens_in(left) or tokens_in(right):
                return None
            return str(left) == str(right)
        if key == "Fn::Not" and len(values) == 1:
            return None if values[0] is None else not values[0]
        if key == "Fn::And":
            if False in values:
                return False
            return None if None in values else True
        if key == "Fn::Or":
            if True in values:
                return True
            return None if None in values else False
        return None


def _ref(resolver: Resolver, name: Any) -> Any:
    if not isinstance(name, str):
        return unresolved("Ref to a non-string")
    if name == "AWS::NoValue":
        return NO_VALUE
    if name in _FIXED_PSEUDO:
        return _FIXED_PSEUDO[name]
    if name.startswith("AWS::"):
        return Token("pseudo", name)
    if name in resolver.template.parameters:
        return unresolved(f"parameter {name} (set at deploy time)")
    if name in resolver.template.resources:
        return Token("ref", name)
    return unresolved(f"Ref to undefined {name}")


def _get_att(resolver: Resolver, arg: Any) -> Any:
    if isinstance(arg, str) and "." in arg:
        arg = arg.split(".", 1)
    if not (isinstance(arg, list) and len(arg) == 2 and isinstance(arg[0], str)):
        return unresolved("malformed Fn::GetAtt")
    logical_id, attribute = arg[0], resolver.resolve(arg[1])
    if logical_id not in resolver.template.resources or not isinstance(attribute, str):
        return unresolved(f"Fn::GetAtt {logical_id}")
    return Token("attr", logical_id, attribute)


def _join(resolver: Resolver, arg: Any) -> Any:
    if not (isinstance(arg, list) and len(arg) == 2):
        return unresolved("malformed Fn::Join")
    delimiter, items = resolver.resolve(arg[0]), resolver.resolve(arg[1])
    if not isinstance(delimiter, str) or not isinstance(items, list):
        return unresolved("Fn::Join over a list the template does not fix")
    pieces: list[str | Token | Text] = []
    for index, item in enumerate(items):
        if parts_of(item) is None:
            return unresolved("Fn::Join of a non-string")
        if index:
            pieces.append(delimiter)
        pieces.append(item)
    return text(*pieces)


def _sub(resolver: Resolver, arg: Any) -> Any:
    if isinstance(arg, list) and len(arg) == 2 and isinstance(arg[1], dict):
        source, variables = arg[0], {k: resolver.resolve(v) for k, v in arg[1].items()}
    else:
        source, variables = arg, {}
    if not isinstance(source, str):
        return unresolved("malformed Fn::Sub")
    pieces: list[str | Token | Text] = []
    position = 0
    for match in SUB_PLACEHOLDER.finditer(source):
        pieces.append(source[position : match.start()])
        position = match.end()
        name = match.group(1).strip()
        if name.startswith("!"):
            pieces.append("${" + name[1:] + "}")
            continue
        if name in variables:
            value = variables[name]
        elif "." in name and not name.startswith("AWS::"):
            value = _get_att(resolver, name)
        else:
            value = _ref(resolver, name)
        if parts_of(value) is None:
            return unresolved(f"Fn::Sub variable {name}")
        pieces.append(value)
    pieces.append(source[position:])
    return text(*pieces)


def _if(resolver: Resolver, arg: Any) -> Any:
    if not (isinstance(arg, list) and len(arg) == 3):
        return unresolved("malformed Fn::If")
    truth = resolver.condition(arg[0])
    if truth is not None:
        return resolver.resolve(arg[1] if truth else arg[2])
    when_true, when_false = resolver.resolve(arg[1]), resolver.resolve(arg[2])
    if when_true == when_false:
        return when_true
    return unresolved(f"Fn::If on condition {arg[0]} (decided at deploy time)")


def _select(resolver: Resolver, arg: Any) -> Any:
    if not (isinstance(arg, list) and len(arg) == 2):
        return unresolved("malformed Fn::Select")
    index, items = resolver.resolve(arg[0]), resolver.resolve(arg[1])
    try:
        position = int(index)
    except (TypeError, ValueError):
        return unresolved("Fn::Select with an index the template does not fix")
    if isinstance(items, list) and 0 <= position < len(items):
        return items[position]
    return unresolved("Fn::Select over a list the template does not fix")


def _split(resolver: Resolver, arg: Any) -> Any:
    if not (isinstance(arg, list) and len(arg) == 2):
        return unresolved("malformed Fn::Split")
    delimiter, source = resolver.resolve(arg[0]), resolver.resolve(arg[1])
    if isinstance(delimiter, str) and isinstance(source, str) and delimiter:
        return source.split(delimiter)
    return unresolved("Fn::Split of a string the template does not fix")


def _find_in_map(resolver: Resolver, arg: Any) -> Any:
    if not (isinstance(arg, list) and len(arg) >= 3):
        return unresolved("malformed Fn::FindInMap")
    keys = [resolver.resolve(k) for k in arg[:3]]
    node: Any = resolver.template.mappings
    for key in keys:
        if not isinstance(key, str) or not isinstance(node, dict) or key not in node:
            return unresolved("Fn::FindInMap with keys the template does not fix")
        node = node[key]
    return resolver.resolve(node)


def _import(_resolver: Resolver, arg: Any) -> Any:
    return unresolved("Fn::ImportValue (defined in another stack)")


_FUNCTIONS = {
    "Ref": _ref,
    "Fn::GetAtt": _get_att,
    "Fn::Join": _join,
    "Fn::Sub": _sub,
    "Fn::If": _if,
    "Fn::Select": _select,
    "Fn::Split": _split,
    "Fn::FindInMap": _find_in_map,
    "Fn::ImportValue": _import,
}
