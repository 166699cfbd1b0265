"""Is a key reference a customer-managed KMS key?"""

from __future__ import annotations

from typing import Any

from policies.cfn.intrinsics import Resolver, Token, parts_of
from policies.outcome import Verdict

CUSTOMER_KEY_TYPES = ("AWS::KMS::Key", "AWS::KMS::ReplicaKey")
ALIAS = "AWS::KMS::Alias"


def customer_managed(resolver: Resolver, value: Any, what: str, depth: int = 0) -> Verdict:
    """Judge a key reference (key id, key ARN, alias name or alias ARN) from a template.

    A key declared in the template (directly or through its alias) is customer-managed;
    ``alias/aws/...`` is an AWS-managed key; any other alias can only name a customer-managed
    key; a literal key id or ARN from outside the template cannot be told apart.
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
            return customer_managed(resolver, target, what, depth + 1)
    if all(isinstance(p, str) for p in parts) and _is_custom_alias(literal):
        return Verdict.passed(f"{what} is the customer alias {literal}")
    unresolved = [p.describe() for p in parts if isinstance(p, Token)]
    if unresolved:
        return Verdict.unknown(f"{what} depends on {', '.join(unresolved)}")
    return Verdict.unknown(
        f"{what} is the key {literal} from outside the template: "
        "cannot tell whether it is customer-managed"
    )


def _is_custom_alias(reference: str) -> bool:
    """``alias/x`` or ``arn:...:alias/x`` other than ``alias/aws/...`` names a customer key."""
    name = reference.split(":", 5)[-1] if reference.startswith("arn:") else reference
    return name.startswith("alias/") and not name.startswith("alias/aws/")
