"""Policy documents and their statements, read from resolved template values."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from policies.cfn.intrinsics import Text, Token, is_unresolved, parts_of, tokens_in
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


def statements(document: Any) -> Iterator[dict[str, Any] | Token]:
    """The statements of a document; what cannot be read as a statement is a Token."""
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
        return Outcome.UNKNOWN if is_unresolved(principal) else Outcome.FAIL
    return Outcome.UNKNOWN if is_unresolved(principal) else Outcome.FAIL


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
