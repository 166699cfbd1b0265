"""Policy documents and their statements, read from resolved template values."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from policies.cfn.intrinsics import Text, Token, is_unresolved, parts_of, text, tokens_in
from policies.outcome import Outcome


@dataclass(frozen=True)
class Attached:
    """A policy document that applies to a resource; ``certain`` is False when it may not."""

    document: Any
    source: str
    certain: bool = True


def as_list(value: Any) -> list[Any]:
    """IAM fields take one value or a list of them."""
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


#: Tokens stand in the JSON text as private-use characters around their index.
_PLACEHOLDER = re.compile("\ue000([0-9]+)\ue001")


def from_json_text(document: Any) -> Any:
    """A policy document written as a JSON string (CloudFormation accepts one, also built
    with Fn::Sub or Fn::Join) as data, its tokens kept inside the strings; anything else, or
    text that is not JSON once its tokens are in place, is returned unchanged."""
    parts = parts_of(document)
    if parts is None or isinstance(document, Token):
        return document
    tokens = [p for p in parts if isinstance(p, Token)]
    if any("\ue000" in p for p in parts if isinstance(p, str)):
        return document
    source = "".join(p if isinstance(p, str) else f"\ue000{tokens.index(p)}\ue001" for p in parts)
    try:
        data = json.loads(source)
    except ValueError:
        return document
    return _restore(data, tokens) if isinstance(data, dict) else document


def _restore(value: Any, tokens: list[Token]) -> Any:
    if isinstance(value, dict):
        return {k: _restore(v, tokens) for k, v in value.items()}
    if isinstance(value, list):
        return [_restore(v, tokens) for v in value]
    if isinstance(value, str) and "\ue000" in value:
        pieces = _PLACEHOLDER.split(value)
        return text(*(tokens[int(p)] if i % 2 else p for i, p in enumerate(pieces)))
    return value


def statements(document: Any) -> Iterator[dict[str, Any] | Token]:
    """The statements of a document (a JSON string is read as one); what cannot be read as
    a statement is a Token."""
    document = from_json_text(document)
    if not isinstance(document, dict):
        yield Token("unresolved", "a policy document the template does not fix")
        return
    body = document.get("Statement")
    if isinstance(body, Token | Text):
        yield Token("unresolved", "a Statement list the template does not fix")
        return
    for item in as_list(body):
        if isinstance(item, dict):
            yield item
        else:
            yield Token("unresolved", "a statement the template does not fix")


def effect_is(statement: dict[str, Any], wanted: str) -> Outcome:
    """Whether the statement's own Effect is ``wanted`` (case-sensitive, as IAM reads it)."""
    effect = statement.get("Effect")
    if isinstance(effect, str):
        return Outcome.PASS if effect == wanted else Outcome.FAIL
    return Outcome.UNKNOWN


def string_values(value: Any) -> list[tuple[str | Token, ...]] | None:
    """Each entry of a string-or-list field as parts, or None when the list itself is open."""
    if isinstance(value, Token | Text) and is_unresolved(value) and parts_of(value) is None:
        return None
    result = []
    for item in as_list(value):
        parts = parts_of(item)
        if parts is None:
            parts = (Token("unresolved", "a non-string entry"),)
        result.append(parts)
    return result


def principal_is_everyone(statement: dict[str, Any]) -> Outcome:
    """PASS when Principal is ``*`` or ``{"AWS": "*"}`` (any list holding ``*``)."""
    if "NotPrincipal" in statement:
        return Outcome.FAIL
    principal = statement.get("Principal")
    if principal == "*":
        return Outcome.PASS
    if isinstance(principal, dict):
        aws = principal.get("AWS")
        if "*" in as_list(aws):
            return Outcome.PASS
        if tokens_in(aws) and is_unresolved(aws):
            return Outcome.UNKNOWN
        return Outcome.FAIL
    return Outcome.UNKNOWN if is_unresolved(principal) else Outcome.FAIL


def grants_everyone(statement: dict[str, Any]) -> Outcome:
    """PASS when any principal at all is granted: ``*`` in any principal kind, or NotPrincipal."""
    if "NotPrincipal" in statement:
        return Outcome.PASS
    principal = statement.get("Principal")
    if principal == "*":
        return Outcome.PASS
    if isinstance(principal, dict):
        if any("*" in as_list(v) for v in principal.values()):
            return Outcome.PASS
        entries = [e for v in principal.values() for e in as_list(v)]
        if any(_may_be_star(e) for e in entries):
            return Outcome.UNKNOWN
        return Outcome.FAIL
    return Outcome.UNKNOWN if _may_be_star(principal) else Outcome.FAIL


def _may_be_star(entry: Any) -> bool:
    """Whether deploy-time input could make a principal entry ``*``: IAM accepts no wildcard
    inside a principal ARN, so an entry with literal text around its tokens never is."""
    if not is_unresolved(entry):
        return False
    parts = parts_of(entry)
    if parts is None:
        return True
    return "".join(p for p in parts if isinstance(p, str)) in ("", "*")


def condition_blocks(statement: dict[str, Any]) -> dict[str, dict[str, Any]] | None:
    """The Condition as {operator: {key: value}}; None when the template does not fix it."""
    condition = statement.get("Condition", {})
    if not isinstance(condition, dict):
        return None
    blocks: dict[str, dict[str, Any]] = {}
    for operator, block in condition.items():
        if not isinstance(block, dict):
            return None
        blocks[operator] = block
    return blocks


@dataclass(frozen=True)
class SoleCondition:
    """A statement's Condition read as exactly one operator on one key."""

    outcome: Outcome
    operator: str = ""
    values: tuple[Any, ...] = ()


def sole_condition(statement: dict[str, Any], operators: Iterable[str], key: str) -> SoleCondition:
    """PASS (with the operator and values) when the statement's only condition is one of
    ``operators`` on ``key`` with at least one value; FAIL when anything else conditions it;
    UNKNOWN when the template does not fix the Condition."""
    blocks = condition_blocks(statement)
    if blocks is None:
        return SoleCondition(Outcome.UNKNOWN)
    entries = [(op, name, value) for op, block in blocks.items() for name, value in block.items()]
    if len(entries) != 1:
        return SoleCondition(Outcome.FAIL)
    operator, name, value = entries[0]
    values = as_list(value)
    if operator not in set(operators) or name.lower() != key.lower() or not values:
        return SoleCondition(Outcome.FAIL)
    return SoleCondition(Outcome.PASS, operator, tuple(values))


def truthy(value: Any) -> bool | None:
    """A CloudFormation boolean (true, "true", "True"); None when unresolved."""
    if isinstance(value, bool):
        return value
    if isinstance(value, str):
        return value.strip().lower() == "true"
    if tokens_in(value):
        return None
    return False
