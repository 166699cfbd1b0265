"""Is a key reference a customer-managed KMS key?"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from policies.cfn.intrinsics import Resolver, Token, parts_of
from policies.outcome import Verdict

CUSTOMER_KEY_TYPES = ("AWS::KMS::Key", "AWS::KMS::ReplicaKey")
ALIAS = "AWS::KMS::Alias"


def customer_managed(
    resolver: Resolver, value: Any, what: str, known: Sequence[str] = (), depth: int = 0
) -> Verdict:
    """Judge a key reference (key id, key ARN, alias name or alias ARN) from a template.

    A key declared in the template (directly or through its alias) is customer-managed;
    ``alias/aws/...`` is an AWS-managed key; any other alias can only name a customer-managed
    key; a literal key id or ARN from outside the template cannot be told apart, unless it
    is one of the ``known`` customer-managed keys (as the user declared them).
    """
    if value is None:
        return Verdict.failed(f"{what} names no key, so the AWS-managed key is used")
    parts = parts_of(resolver.resolve(value))
    if parts is None:
        return Verdict.unknown(f"{what} is not a key reference the template fixes")
    literal = "".join(p for p in parts if isinstance(p, str))
    if "alias/aws/" in literal:
        return Verdict.failed(f"{what} is an AWS-managed key ({literal})")
    for token in (p for p in parts if isinstance(p, Token)):
        kind = resolver.template.type_of(token.name) if token.kind in ("ref", "attr") else None
        if kind in CUSTOMER_KEY_TYPES:
            return Verdict.passed(f"{what} is the customer-managed key {token.name}")
        if kind == ALIAS and depth < 5:
            target = resolver.template.properties(token.name).get("TargetKeyId")
            return customer_managed(resolver, target, what, known, depth + 1)
    if literal in known and len(parts) == 1:
        return Verdict.passed(f"{what} is {literal}, declared customer-managed")
    alias = _alias_name(parts)
    if alias is not None:
        return Verdict.passed(f"{what} is the customer alias {alias}")
    unresolved = [p.describe() for p in parts if isinstance(p, Token)]
    if unresolved:
        return Verdict.unknown(f"{what} depends on {', '.join(unresolved)}")
    return Verdict.unknown(
        f"{what} is the key {literal} from outside the template: "
        "cannot tell whether it is customer-managed"
    )


def _alias_name(parts: tuple[str | Token, ...]) -> str | None:
    """The alias a reference ends with, when that alias is literal and not ``alias/aws/...``.

    Only customer-managed keys can carry such an alias; the ARN's region and account may be
    pseudo parameters without changing that.
    """
    last = parts[-1]
    if not isinstance(last, str) or "alias/" not in last:
        return None
    head, _, name = last.rpartition("alias/")
    if len(parts) == 1 and head and not head.startswith("arn:"):
        return None
    if len(parts) > 1 and not head.endswith(":"):
        return None
    if not name or name.startswith("aws/"):
        return None
    return f"alias/{name}"
