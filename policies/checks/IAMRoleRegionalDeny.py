"""CKV2_TAP_10 (TAP-IAM-01): every IAM role denies all actions outside the allowed regions.

A statement counts when it is itself a Deny of every action (``*``) on every resource
(``*``) with no condition (it denies every region), or whose only condition is
StringNotEquals / StringNotEqualsIgnoreCase / StringNotLike (with no wildcard), in their
IfExists and ForAnyValue / ForAllValues forms, on aws:RequestedRegion listing allowed
regions only. An AWS-managed deny-all policy (AWSDenyAll) denies everything, as a managed
policy or a permissions boundary. It may sit in the
role's inline Policies, an AWS::IAM::Policy / ManagedPolicy / RolePolicy naming the role,
or a managed policy of the template in the role's ManagedPolicyArns, or a policy of another
template deployed beside it that names the role (an import of its export, its literal name).
A SAM function or state machine without Role is judged as the role SAM creates for it (its
Policies and PermissionsBoundary).
"""

from __future__ import annotations

from typing import Any

import _bootstrap  # noqa: F401

from policies.cfn.documents import (
    Attached,
    effect_is,
    sole_condition,
    statements,
    string_values,
)
from policies.cfn.iam import (
    SAM_WITH_ROLE,
    peer_role_policies,
    role_policies,
    sam_role_policies,
)
from policies.cfn.intrinsics import Resolver, Token, is_unresolved
from policies.cfn.matching import ANY, covers
from policies.checkbase import TapCheck
from policies.context import Context
from policies.outcome import Outcome, Verdict, all_of, any_of

#: The negated string operators that make a Deny apply when aws:RequestedRegion is none of
#: the listed values: (compares case-insensitively, reads * and ? as wildcards). IAM User
#: Guide, "IAM JSON policy elements: Condition operators", string condition operators.
_NEGATED = {
    "StringNotEquals": (False, False),
    "StringNotEqualsIgnoreCase": (True, False),
    "StringNotLike": (False, True),
}
#: aws:RequestedRegion is single-valued and always in the request context (IAM User Guide,
#: "AWS global condition context keys"). On one present value the set operators reduce to the
#: operator itself (IAM User Guide, "Set operators for multivalued context keys"):
#: ForAnyValue is true when the one value satisfies it, ForAllValues when the one value does
#: (ForAllValues is also true when the key is absent, which for a Deny only denies more);
#: the ...IfExists forms differ only when the key is absent.
REGION_OPERATORS = {
    f"{qualifier}{operator}{if_exists}": semantics
    for qualifier in ("", "ForAnyValue:", "ForAllValues:")
    for operator, semantics in _NEGATED.items()
    for if_exists in ("", "IfExists")
}


class IAMRoleRegionalDeny(TapCheck):
    def __init__(self) -> None:
        super().__init__("TAP-IAM-01")

    def evaluate(self, resolver: Resolver, logical_id: str, context: Context) -> Verdict:
        regions = context.allowed_regions
        if resolver.template.type_of(logical_id) in SAM_WITH_ROLE:
            written = resolver.template.properties(logical_id).get("Role")
            role = resolver.resolve(written)
            if role is not None and is_unresolved(role) and "Fn::If" in repr(written):
                return Verdict.unknown("a condition decides whether SAM creates its role")
            if role is not None:
                return Verdict.not_applicable("it runs as the Role it names, judged as that role")
            documents, unseen = sam_role_policies(resolver, logical_id)
        else:
            documents, unseen = role_policies(resolver, logical_id)
            documents += peer_role_policies(resolver, logical_id, context.peers)
        certain = [d for d in documents if d.certain]
        for document in certain:
            if _denies_outside(document, regions) is Outcome.PASS:
                return Verdict.passed(
                    f"{document.source} denies all actions outside {', '.join(regions)}"
                )
        maybe = [
            d.source
            for d in documents
            if not d.certain and _denies_outside(d, regions) is not Outcome.FAIL
        ]
        maybe += [d.source for d in certain if _denies_outside(d, regions) is Outcome.UNKNOWN]
        maybe += [f"managed policy {arn} (not in the template)" for arn in unseen]
        if maybe:
            return Verdict.unknown(f"only {', '.join(maybe)} could carry the regional deny")
        return Verdict.failed(
            "no Deny of * on * with StringNotEquals aws:RequestedRegion limited to "
            + ", ".join(regions)
        )


def _denies_outside(document: Attached, regions: tuple[str, ...]) -> Outcome:
    outcomes = []
    for statement in statements(document.document):
        if isinstance(statement, Token):
            outcomes.append(Outcome.UNKNOWN)
            continue
        outcomes.append(
            all_of(
                [
                    effect_is(statement, "Deny"),
                    _everything(statement, "Action", (ANY, ":", ANY)),
                    _everything(statement, "Resource", (ANY,)),
                    _outside_regions(statement, regions),
                ]
            )
        )
    return any_of(outcomes)


def _everything(statement: dict[str, Any], field: str, target: tuple[Any, ...]) -> Outcome:
    if f"Not{field}" in statement:
        return Outcome.FAIL
    values = string_values(statement.get(field))
    if values is None:
        return Outcome.UNKNOWN
    return any_of(covers(v, target) for v in values)


def _outside_regions(statement: dict[str, Any], regions: tuple[str, ...]) -> Outcome:
    """The statement denies whenever aws:RequestedRegion is none of the allowed regions: it
    has no condition at all (it denies every region), or its only condition is a negated
    string operator on aws:RequestedRegion whose values are allowed regions only."""
    if statement.get("Condition") in (None, {}):
        return Outcome.PASS
    condition = sole_condition(statement, REGION_OPERATORS, "aws:RequestedRegion")
    if condition.outcome is not Outcome.PASS:
        return condition.outcome
    fold_case, wildcards = REGION_OPERATORS[condition.operator]
    listed = condition.values
    if not all(isinstance(v, str) for v in listed):
        return Outcome.UNKNOWN
    if wildcards and any(c in v for v in listed for c in "*?"):
        # a pattern matches more than one string: requests in a region that matches it but is
        # not allowed are not denied (StringNotLike with no wildcard is StringNotEquals)
        return Outcome.FAIL
    allowed = set(regions)
    values = {v.lower() for v in listed} if fold_case else set(listed)
    return Outcome.PASS if values <= allowed else Outcome.FAIL


check = IAMRoleRegionalDeny()
