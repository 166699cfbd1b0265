"""Resolve intrinsic functions as far as the template allows, never further.

A resolved value is plain data in which a string may be a :class:`Text` (literal parts and
:class:`Token` parts) and anything the template cannot decide is an ``unresolved`` Token.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

from policies.cfn.domains import OTHER, Value, domains, scalar
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


#: A value the engine put where the template holds something CloudFormation rejects (a null):
#: it resolves to an unresolved token naming the problem, never to "absent".
INVALID = "TapCompliance::Invalid"


def invalid(reason: str) -> dict[str, str]:
    """The stand-in for a value CloudFormation rejects (see :data:`INVALID`)."""
    return {INVALID: reason}


class Resolver:
    """Resolves values of one template."""

    def __init__(
        self,
        template: Template,
        assume: Mapping[str, bool] | None = None,
        values: Mapping[str, Value] | None = None,
    ) -> None:
        """``assume`` fixes the truth of named conditions and ``values`` the values of
        parameters (or :data:`~policies.cfn.domains.OTHER`) and of map keys (one
        deploy-time case, :mod:`policies.cfn.conditions`)."""
        self.template = template
        self.assume = dict(assume or {})
        self.values = dict(values or {})
        #: Conditions asked about that neither the template nor ``assume`` decided, in order.
        self.undecided: list[str] = []
        #: Names with a finite domain (a parameter, a map's key) whose value an evaluation
        #: needed and ``values`` did not give, with that domain, in order.
        self.asked: dict[str, tuple[Value, ...]] = {}

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
                return self._other_than_literal(arg)
            left_text, right_text = scalar(left), scalar(right)
            if left_text is not None and right_text is not None:
                return left_text == right_text
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

    def _other_than_literal(self, arg: list[Any]) -> bool | None:
        """False when a parameter this case sets to OTHER is compared with a literal."""
        for ref, other in (arg, arg[::-1]):
            is_ref = isinstance(ref, dict) and set(ref) == {"Ref"}
            if is_ref and scalar(other) is not None and self.values.get(str(ref["Ref"])) is OTHER:
                return False
        return None

    def parameter(self, name: str) -> Any:
        """A parameter's value in this case, or an unresolved token; a parameter with a
        finite domain and no value here is noted in :attr:`asked`."""
        value = self.values.get(name)
        if isinstance(value, str):
            return value
        domain = domains(self.template).get(name)
        if value is None and domain is not None:
            self.asked.setdefault(name, domain)
        if value is OTHER:
            return unresolved(f"parameter {name} (a value other than {_listed(domain)})")
        return unresolved(f"parameter {name} (set at deploy time)")

    def choice(self, name: str, domain: tuple[Value, ...]) -> Value | None:
        """The value this case gives ``name`` (a map key the template does not fix), noting
        it in :attr:`asked` when it gives none."""
        if name not in self.values:
            self.asked.setdefault(name, domain)
        return self.values.get(name)


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
        return resolver.parameter(name)
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
    """``Fn::Select [index, list]``: the item at the index (AWS: "Fn::Select", intrinsic
    function reference; an index out of range is an error, left unresolved here)."""
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


#: What a reference's value is made of, where AWS documents it: a resource's ``Ref`` and
#: ``Fn::GetAtt`` return values (the resource type pages, "Return values") and the pseudo
#: parameters ("Pseudo parameters reference"). A string holding one of these splits around
#: it (``Fn::Split``) when the delimiter is none of its characters.
#: - AWS::S3::Bucket: Ref is the bucket name, which holds lowercase letters, digits, dots and
#:   hyphens (S3 User Guide, "General purpose bucket naming rules"); Arn is
#:   ``arn:aws:s3:::name``.
#: - AWS::KMS::Key: Ref is the key id, a UUID or ``mrk-`` and hex digits (KMS Developer Guide,
#:   "Key identifiers"); Arn is ``arn:aws:kms:region:account:key/key-id``.
#: - AWS::Region is a region code; AWS::AccountId twelve digits.
_REF_CHARACTERS = {
    ("ref", "AWS::S3::Bucket"): frozenset("abcdefghijklmnopqrstuvwxyz0123456789.-"),
    ("ref", "AWS::KMS::Key"): frozenset("abcdefghijklmnopqrstuvwxyz0123456789-"),
    ("pseudo", "AWS::Region"): frozenset("abcdefghijklmnopqrstuvwxyz0123456789-"),
    ("pseudo", "AWS::AccountId"): frozenset("0123456789"),
}
_ARN_FORMATS = {
    "AWS::S3::Bucket": "arn:${AWS::Partition}:s3:::${Ref}",
    "AWS::KMS::Key": "arn:${AWS::Partition}:kms:${AWS::Region}:${AWS::AccountId}:key/${Ref}",
}


def _split(resolver: Resolver, arg: Any) -> Any:
    """``Fn::Split [delimiter, string]``: the string's pieces between delimiters (AWS:
    "Fn::Split", intrinsic function reference). A string with references splits when each
    reference's value is known to hold no delimiter (:data:`_REF_CHARACTERS`), an ARN
    attribute spelled out as AWS documents it first: ``Fn::Select [1, Fn::Split ["/",
    Key.Arn]]`` is the key's id, ``Fn::Select [5, Fn::Split [":", Bucket.Arn]]`` its name."""
    if not (isinstance(arg, list) and len(arg) == 2):
        return unresolved("malformed Fn::Split")
    delimiter, source = resolver.resolve(arg[0]), resolver.resolve(arg[1])
    if not isinstance(delimiter, str) or not delimiter:
        return unresolved("Fn::Split with a delimiter the template does not fix")
    if isinstance(source, str):
        return source.split(delimiter)
    parts = parts_of(_spelled_out(resolver, source))
    if parts is None:
        return unresolved("Fn::Split of a string the template does not fix")
    pieces: list[list[str | Token]] = [[]]
    for part in parts:
        if isinstance(part, str):
            first, *rest = part.split(delimiter)
            pieces[-1].append(first)
            pieces += [[each] for each in rest]
            continue
        kind = resolver.template.type_of(part.name) if part.kind == "ref" else part.name
        characters = _REF_CHARACTERS.get((part.kind, kind or ""))
        if characters is None or set(delimiter) & characters:
            return unresolved(f"Fn::Split of a string holding {part.describe()}")
        pieces[-1].append(part)
    return [text(*piece) for piece in pieces]


def _spelled_out(resolver: Resolver, value: Any) -> Any:
    """A string with each ARN attribute of :data:`_ARN_FORMATS` written in its parts."""
    parts = parts_of(value)
    if parts is None:
        return value
    out: list[str | Token | Text] = []
    for part in parts:
        kind = resolver.template.type_of(part.name) if isinstance(part, Token) else None
        if isinstance(part, Token) and part.kind == "attr" and part.attribute == "Arn":
            arn = _ARN_FORMATS.get(kind or "")
            if arn is not None:
                out.append(_sub(resolver, arn.replace("${Ref}", "${" + part.name + "}")))
                continue
        out.append(part)
    return text(*out)


def _find_in_map(resolver: Resolver, arg: Any) -> Any:
    """``Fn::FindInMap [map, top key, second key]``: the mapping's value (AWS:
    "Fn::FindInMap", intrinsic function reference). A key the template does not fix is
    one of the entries present (a lookup with no entry fails the deployment), or, under
    ``AWS::LanguageExtensions``, any key when a ``DefaultValue`` stands for the missing
    ones ("Fn::FindInMap enhancements"): each entry is a case of its own, so a value all
    entries agree on is decided (:mod:`policies.cfn.conditions` enumerates the cases). A
    key the template fixes to no entry is left unresolved."""
    if not (isinstance(arg, list) and len(arg) in (3, 4)):
        return unresolved("malformed Fn::FindInMap")
    default: Any = _NO_DEFAULT
    if len(arg) == 4:
        option = arg[3]
        if not (_language_extensions(resolver.template) and isinstance(option, dict)):
            return unresolved("malformed Fn::FindInMap")
        default = option.get("DefaultValue", _NO_DEFAULT)
    node: Any = resolver.template.mappings
    for position, expression in enumerate(arg[:3]):
        key = resolver.resolve(expression)
        if not isinstance(node, dict):
            return unresolved("Fn::FindInMap over a mapping the template does not fix")
        if not isinstance(key, str) and position > 0:
            entries: tuple[Value, ...] = tuple(str(k) for k in node)
            domain = (*entries, OTHER) if default is not _NO_DEFAULT else entries
            picked = resolver.choice(_key_name(arg[0], position, expression), domain)
            if picked is None:
                return unresolved("Fn::FindInMap with keys the template does not fix")
            key = picked
        if isinstance(key, str) and key in node:
            node = node[key]
            continue
        if default is not _NO_DEFAULT:
            return resolver.resolve(default)
        return unresolved("Fn::FindInMap with keys the template does not fix")
    return resolver.resolve(node)


_NO_DEFAULT = object()


def _language_extensions(template: Template) -> bool:
    transform = template.body.get("Transform")
    names = transform if isinstance(transform, list) else [transform]
    return "AWS::LanguageExtensions" in names


#: The names of map-key choices in a case begin so. Each lookup's key is chosen on its own,
#: so the cases are a superset of what can be deployed: a verdict over them is decided only
#: when every case agrees (:mod:`policies.cfn.conditions`).
MAP_CHOICE = "Fn::FindInMap "


def _key_name(map_name: Any, position: int, expression: Any) -> str:
    ref = expression.get("Ref") if isinstance(expression, dict) and len(expression) == 1 else None
    key = ref if isinstance(ref, str) else json.dumps(expression, sort_keys=True, default=str)
    return f"{MAP_CHOICE}{map_name}{'[...]' * (position - 1)}[{key}]"


def _listed(domain: tuple[Value, ...] | None) -> str:
    return ", ".join(str(v) for v in domain or () if isinstance(v, str)) or "any literal"


def _invalid(_resolver: Resolver, arg: Any) -> Any:
    return unresolved(str(arg))


def _import(_resolver: Resolver, arg: Any) -> Any:
    return unresolved("Fn::ImportValue (defined in another stack)")


def _stack_output(_resolver: Resolver, arg: Any) -> Any:
    """An output of another stack, read when this one is created or updated, no export needed
    (CloudFormation template reference, "Fn::GetStackOutput"; CDK writes its cross-stack
    references so under a feature flag)."""
    return unresolved("Fn::GetStackOutput (an output of another stack)")


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
    "Fn::GetStackOutput": _stack_output,
    INVALID: _invalid,
}
