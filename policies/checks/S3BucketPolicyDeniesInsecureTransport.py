"""CKV2_TAP_7 (TAP-TLS-01): the bucket's policy denies every request without TLS.

Some statement of a policy attached to the bucket must itself: Deny, for every principal,
all S3 actions, on the bucket ARN and on its objects (``arn/*``), when aws:SecureTransport is
false, with no other condition narrowing it. Statements may split the bucket and its
objects between them. A bucket policy for a bucket the template does not declare (a literal
name, a parameter, an import) is judged the same way on its own statements.
"""

from __future__ import annotations

from typing import Any

import _bootstrap  # noqa: F401

from policies.cfn.documents import (
    Attached,
    effect_is,
    principal_is_everyone,
    sole_condition,
    statements,
    string_values,
)
from policies.cfn.intrinsics import Resolver, Token, text
from policies.cfn.matching import ANY, covers
from policies.cfn.s3 import (
    BUCKET_POLICY,
    bucket_arn,
    bucket_policies,
    canonical,
    foreign_policy,
)
from policies.checkbase import TapCheck
from policies.context import Context
from policies.outcome import Outcome, Verdict, all_of, any_of

SECURE_TRANSPORT_OPERATORS = ("Bool", "BoolIfExists")


class S3BucketPolicyDeniesInsecureTransport(TapCheck):
    def __init__(self) -> None:
        super().__init__("TAP-TLS-01")

    def evaluate(self, resolver: Resolver, logical_id: str, context: Context) -> Verdict:
        if resolver.template.type_of(logical_id) == BUCKET_POLICY:
            # the policy of a bucket the template does not declare: judged on its own
            foreign = foreign_policy(resolver, logical_id)
            if isinstance(foreign, Verdict):
                return foreign
            return _judge(resolver, [foreign.attached], foreign.arn)
        policies = bucket_policies(resolver, logical_id)
        if not policies:
            return Verdict.failed("no bucket policy is attached to the bucket")
        return _judge(resolver, policies, bucket_arn(resolver, logical_id))


def _judge(resolver: Resolver, policies: list[Attached], arn: tuple[Any, ...]) -> Verdict:
    targets = {"the bucket": arn, "its objects": (*arn, "/", ANY)}
    certain = [p for p in policies if p.certain]
    outcome = (
        all_of(_policy_denies(resolver, p, targets) for p in certain) if certain else Outcome.FAIL
    )
    if outcome is Outcome.PASS:
        names = ", ".join(p.source for p in certain)
        return Verdict.passed(f"{names} denies requests without TLS")
    possible = [p for p in policies if not p.certain]
    if any(_policy_denies(resolver, p, targets) is not Outcome.FAIL for p in possible):
        return Verdict.unknown(
            f"only {', '.join(p.source for p in possible)} may deny requests without TLS, "
            "and the template does not fix whether it applies"
        )
    if outcome is Outcome.UNKNOWN:
        return Verdict.unknown("the denying statement depends on values the template does not fix")
    return Verdict.failed(
        "no Deny statement for every principal on s3:* over the bucket and its objects "
        "with aws:SecureTransport false"
    )


def _policy_denies(resolver: Resolver, policy: Attached, targets: dict[str, Any]) -> Outcome:
    per_target = {name: Outcome.FAIL for name in targets}
    for statement in statements(policy.document):
        if isinstance(statement, Token):
            per_target = {name: any_of([o, Outcome.UNKNOWN]) for name, o in per_target.items()}
            continue
        qualifies = all_of(
            [
                effect_is(statement, "Deny"),
                principal_is_everyone(statement),
                _all_s3_actions(statement),
                _insecure_transport_only(statement),
            ]
        )
        for name, target in targets.items():
            here = all_of([qualifies, _resources_cover(resolver, statement, target)])
            per_target[name] = any_of([per_target[name], here])
    return all_of(per_target.values())


def _all_s3_actions(statement: dict[str, Any]) -> Outcome:
    if "NotAction" in statement:
        return Outcome.FAIL
    values = string_values(statement.get("Action"))
    if values is None:
        return Outcome.UNKNOWN
    return any_of(covers(v, ("s3:", ANY), fold_case=True) for v in values)


def _resources_cover(resolver: Resolver, statement: dict[str, Any], target: Any) -> Outcome:
    if "NotResource" in statement:
        return Outcome.FAIL
    values = string_values(statement.get("Resource"))
    if values is None:
        return Outcome.UNKNOWN
    # the target's tokens are parts of the bucket's name, which holds no "/", ":" or "*"
    plain = frozenset(part for part in target if isinstance(part, Token))
    outcomes = []
    for value in values:
        parts = canonical(resolver, text(*value))
        outcomes.append(
            covers(parts, target, plain=plain) if parts is not None else Outcome.UNKNOWN
        )
    return any_of(outcomes)


def _insecure_transport_only(statement: dict[str, Any]) -> Outcome:
    """The Condition is exactly aws:SecureTransport false (string or boolean)."""
    condition = sole_condition(statement, SECURE_TRANSPORT_OPERATORS, "aws:SecureTransport")
    if condition.outcome is not Outcome.PASS:
        return condition.outcome
    values = condition.values
    if any(not isinstance(v, str | bool) for v in values):
        return Outcome.UNKNOWN
    return Outcome.PASS if "false" in {str(v).lower() for v in values} else Outcome.FAIL


check = S3BucketPolicyDeniesInsecureTransport()
