"""The engine decides over parameters' allowed values as a brute force over every allowed
assignment does: random small templates of parameters (with AllowedValues, and one compared
with literals only), conditions (Fn::Equals / And / Or / Not / Condition) and a bucket's
encryption under Fn::If (the key, or the whole property removed with AWS::NoValue). The
brute force evaluates each assignment by its own small interpreter, not the engine's: all
pass -> pass, any fail -> fail; a bucket no assignment creates is not applicable."""

from __future__ import annotations

import itertools
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from policies import CHECKS_DIR
from policies.cfn.template import Template
from policies.checkbase import TapCheck
from policies.context import Context
from policies.outcome import Outcome

VALUES = ("a", "b", "c")
#: The value the brute force gives Q for "any value but the literals compared with it".
OTHER = "zz-other"
STRONG, WEAK, NO_KEY = {"Ref": "Key"}, "alias/aws/s3", {"Ref": "AWS::NoValue"}
LEAVES = {"strong": STRONG, "weak": WEAK, "none": NO_KEY}


@st.composite
def _condition(draw: st.DrawFn, earlier: list[str], depth: int = 0) -> Any:
    kinds = ["equals", "equals"] + (["not", "and", "or"] if depth < 2 else [])
    kinds += ["condition"] if earlier else []
    kind = draw(st.sampled_from(kinds))
    if kind == "equals":
        return ("equals", draw(st.sampled_from(("P0", "P1", "Q"))), draw(st.sampled_from(VALUES)))
    if kind == "condition":
        return ("condition", draw(st.sampled_from(earlier)))
    if kind == "not":
        return ("not", draw(_condition(earlier, depth + 1)))
    items = draw(st.lists(_condition(earlier, depth + 1), min_size=2, max_size=3))
    return (kind, *items)


@st.composite
def _choice(draw: st.DrawFn, names: list[str], depth: int = 0) -> Any:
    if depth >= 2 or draw(st.booleans()):
        return ("leaf", draw(st.sampled_from(sorted(LEAVES))))
    condition = draw(st.sampled_from(names))
    return ("if", condition, draw(_choice(names, depth + 1)), draw(_choice(names, depth + 1)))


@st.composite
def _case(draw: st.DrawFn) -> dict[str, Any]:
    allowed = {
        name: draw(st.lists(st.sampled_from(VALUES), min_size=1, max_size=3, unique=True))
        for name in ("P0", "P1")
    }
    conditions: dict[str, Any] = {}
    for index in range(draw(st.integers(1, 3))):
        conditions[f"C{index}"] = draw(_condition(list(conditions)))
    names = list(conditions)
    return {
        "allowed": allowed,
        "conditions": conditions,
        "exists": draw(st.one_of(st.none(), st.sampled_from(names))),
        "key": draw(_choice(names)),
        "whole": draw(st.one_of(st.none(), st.sampled_from(names))),
    }


# --- the template the engine reads --------------------------------------------------------


def _expression(node: Any) -> Any:
    kind, *args = node
    if kind == "equals":
        return {"Fn::Equals": [{"Ref": args[0]}, args[1]]}
    if kind == "condition":
        return {"Condition": args[0]}
    name = {"not": "Fn::Not", "and": "Fn::And", "or": "Fn::Or"}[kind]
    return {name: [_expression(a) for a in args]}


def _value(node: Any) -> Any:
    if node[0] == "leaf":
        return LEAVES[node[1]]
    return {"Fn::If": [node[1], _value(node[2]), _value(node[3])]}


def _template(case: dict[str, Any]) -> Template:
    encryption: Any = {
        "ServerSideEncryptionConfiguration": [
            {"ServerSideEncryptionByDefault": {"SSEAlgorithm": "aws:kms", **_key(case)}}
        ]
    }
    if case["whole"]:  # the whole property only when the condition holds
        encryption = {"Fn::If": [case["whole"], encryption, NO_KEY]}
    bucket: dict[str, Any] = {"Type": "AWS::S3::Bucket"}
    bucket["Properties"] = {"BucketEncryption": encryption}
    if case["exists"]:
        bucket["Condition"] = case["exists"]
    return Template.from_dict(
        {
            "Parameters": {
                **{n: {"Type": "String", "AllowedValues": v} for n, v in case["allowed"].items()},
                "Q": {"Type": "String"},
            },
            "Conditions": {name: _expression(e) for name, e in case["conditions"].items()},
            "Resources": {
                "Key": {"Type": "AWS::KMS::Key", "Properties": {"KeyPolicy": {}}},
                "Bucket": bucket,
            },
        }
    )


def _key(case: dict[str, Any]) -> dict[str, Any]:
    return {"KMSMasterKeyID": _value(case["key"])}


def _enc01() -> TapCheck:
    from compliance.judging.judge import custom_checks

    found = [c for c in custom_checks(CHECKS_DIR) if getattr(c, "id", None) == "CKV_TAP_1"]
    assert isinstance(found[0], TapCheck)
    return found[0]


# --- the brute force ----------------------------------------------------------------------


def _truth(node: Any, values: dict[str, str], conditions: dict[str, Any]) -> bool:
    kind, *args = node
    if kind == "equals":
        return values[args[0]] == args[1]
    if kind == "condition":
        return _truth(conditions[args[0]], values, conditions)
    truths = [_truth(a, values, conditions) for a in args]
    return {"not": lambda: not truths[0], "and": lambda: all(truths), "or": lambda: any(truths)}[
        kind
    ]()


def _leaf(node: Any, truth: dict[str, bool]) -> str:
    while node[0] == "if":
        node = node[2] if truth[node[1]] else node[3]
    return str(node[1])


def _brute_force(case: dict[str, Any]) -> Outcome:
    outcomes = []
    domains = [*case["allowed"].values(), [*VALUES, OTHER]]
    for p0, p1, q in itertools.product(*domains):
        values = {"P0": p0, "P1": p1, "Q": q}
        truth = {n: _truth(e, values, case["conditions"]) for n, e in case["conditions"].items()}
        if case["exists"] and not truth[case["exists"]]:
            continue  # not created under this assignment
        if case["whole"] and not truth[case["whole"]]:
            outcomes.append(Outcome.FAIL)  # no BucketEncryption: SSE-S3
            continue
        leaf = _leaf(case["key"], truth)
        outcomes.append(Outcome.PASS if leaf == "strong" else Outcome.FAIL)
    if not outcomes:
        return Outcome.NOT_APPLICABLE
    return Outcome.FAIL if Outcome.FAIL in outcomes else Outcome.PASS


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(case=_case())
def test_the_verdict_is_the_brute_force_over_every_allowed_assignment(
    case: dict[str, Any],
) -> None:
    verdict = _enc01().judge(_template(case), "Bucket", Context())
    expected = _brute_force(case)
    if verdict.outcome is Outcome.UNKNOWN:  # only where the bound is reached, and said so
        assert "more than 64 deploy-time cases" in verdict.reason, verdict.reason
        return
    assert verdict.outcome is expected, (verdict, case)
