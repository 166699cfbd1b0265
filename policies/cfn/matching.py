"""IAM-style wildcard matching over strings that may contain tokens.

A pattern (a policy's Resource or Action) *covers* a target when it matches every value
the target can take. The target may end in :data:`ANY` ("any suffix"), which only a ``*``
covers. Matching is three-valued: tokens the template cannot resolve may match anything.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache

from policies.cfn.intrinsics import Token
from policies.outcome import Outcome


class _Any:
    """Stands for any (possibly empty) run of characters in a target."""

    def __repr__(self) -> str:
        return "ANY"


ANY = _Any()

Element = str | Token | _Any


def elements(parts: Sequence[str | Token | _Any], fold_case: bool = False) -> tuple[Element, ...]:
    """Characters and tokens, one element each."""
    out: list[Element] = []
    for part in parts:
        if isinstance(part, str):
            out.extend(part.lower() if fold_case else part)
        else:
            out.append(part)
    return tuple(out)


def covers(
    pattern: Sequence[str | Token],
    target: Sequence[str | Token | _Any],
    fold_case: bool = False,
    plain: frozenset[Token] = frozenset(),
) -> Outcome:
    """PASS when the pattern covers the whole target, UNKNOWN when only unresolved parts
    could make it so, FAIL otherwise. Tokens in ``plain`` (e.g. parts of a bucket name)
    hold no separator or wildcard, wherever they appear."""
    p, t = elements(pattern, fold_case), elements(target, fold_case)
    if _match(p, t, False, plain):
        return Outcome.PASS
    if _match(p, t, True, plain):
        return Outcome.UNKNOWN
    return Outcome.FAIL


def _flexible(element: Element) -> bool:
    return isinstance(element, Token) and element.kind in ("pseudo", "unresolved")


#: Pseudo parameters whose values (an account id, a region, a stack name) never hold a
#: separator or a wildcard: they cannot stretch over ``/``, ``:``, ``*`` or ``?``.
_PLAIN_PSEUDO = frozenset({"AWS::AccountId", "AWS::Region", "AWS::StackName"})
_SEPARATORS = frozenset("/:*?")


def _holds(token: Element, element: Element, plain: frozenset[Token] = frozenset()) -> bool:
    """Whether a flexible token's value may contain ``element`` (a character or ANY)."""
    if not isinstance(token, Token):
        return True
    if token not in plain and not (token.kind == "pseudo" and token.name in _PLAIN_PSEUDO):
        return True
    if isinstance(element, _Any):
        return False
    return not (isinstance(element, str) and element in _SEPARATORS)


@lru_cache(maxsize=4096)
def _match(
    p: tuple[Element, ...], t: tuple[Element, ...], loose: bool, plain: frozenset[Token]
) -> bool:
    memo: dict[tuple[int, int], bool] = {}

    def step(i: int, j: int) -> bool:
        key = (i, j)
        if key in memo:
            return memo[key]
        if i == len(p):
            result = j == len(t) or (loose and all(_flexible(e) for e in t[j:]))
        else:
            head = p[i]
            if head == "*" or (loose and _flexible(head)):
                result = step(i + 1, j) or (
                    j < len(t) and _holds(head, t[j], plain) and step(i, j + 1)
                )
            elif j == len(t):
                result = False
            else:
                here = t[j]
                if loose and _flexible(here) and here != head:
                    # an unresolved target part may equal any run of the pattern's literals
                    result = step(i, j + 1) or (
                        isinstance(head, str) and _holds(here, head, plain) and step(i + 1, j)
                    )
                elif isinstance(here, _Any):
                    result = False
                elif head == "?":
                    result = isinstance(here, str) and step(i + 1, j + 1)
                else:
                    result = head == here and step(i + 1, j + 1)
        memo[key] = result
        return result

    return step(0, 0)


def same(left: Sequence[str | Token], right: Sequence[str | Token]) -> Outcome:
    """Whether two strings are equal: PASS when they are spelled the same, UNKNOWN when only
    unresolved parts (pseudo parameters, deploy-time input) could make them so, FAIL otherwise.
    Resource tokens (Ref, Fn::GetAtt) are equal only to themselves."""
    a, b = elements(left), elements(right)
    if a == b:
        return Outcome.PASS
    return Outcome.UNKNOWN if _overlap(a, b) else Outcome.FAIL


@lru_cache(maxsize=4096)
def _overlap(a: tuple[Element, ...], b: tuple[Element, ...]) -> bool:
    """Some string matches both, a flexible token standing for any run of characters."""
    memo: dict[tuple[int, int], bool] = {}

    def step(i: int, j: int) -> bool:
        key = (i, j)
        if key not in memo:
            if i < len(a) and _flexible(a[i]):
                result = step(i + 1, j) or (j < len(b) and _holds(a[i], b[j]) and step(i, j + 1))
            elif j < len(b) and _flexible(b[j]):
                result = step(i, j + 1) or (i < len(a) and _holds(b[j], a[i]) and step(i + 1, j))
            elif i == len(a) or j == len(b):
                result = i == len(a) and j == len(b)
            else:
                result = a[i] == b[j] and step(i + 1, j + 1)
            memo[key] = result
        return memo[key]

    return step(0, 0)
