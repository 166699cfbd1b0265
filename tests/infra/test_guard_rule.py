"""TAP-IAM-01 as an AWS Config custom policy rule (Guard 2.x), run by the real cfn-guard
engine against compliant and non-compliant configuration items, and deployed as such."""

from __future__ import annotations

import json
import urllib.parse
from pathlib import Path
from typing import Any

import pytest

from infra.environments import load_environments
from infra.hardening.config_rules import (
    REGIONAL_DENY_RULE,
    guard_rule,
    regional_deny_policy_name,
)
from tests.infra.guard_engine import FAILED, PASSED, extract_cfn_guard, validate

ENVIRONMENTS = load_environments()
DENY = {
    "Action": "*",
    "Condition": {"StringNotEquals": {"aws:RequestedRegion": ["us-east-1"]}},
    "Effect": "Deny",
    "Resource": "*",
}
POLICY = regional_deny_policy_name("dev")


@pytest.fixture(scope="module")
def cfn_guard(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return extract_cfn_guard(tmp_path_factory.mktemp("cfn-guard"))


@pytest.fixture(scope="module")
def dev_rule(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("rule") / "regional_deny.guard"
    path.write_text(guard_rule("dev", ["us-east-1"]))
    return path


def _role(*attached: str) -> dict[str, Any]:
    return {
        "configurationItemVersion": "1.3",
        "resourceType": "AWS::IAM::Role",
        "resourceName": "ProcessingRole",
        "configuration": {
            "roleName": "ProcessingRole",
            "attachedManagedPolicies": [
                {"policyName": name, "policyArn": f"arn:aws:iam::111111111111:policy/{name}"}
                for name in attached
            ],
            "rolePolicyList": [],
        },
    }


def _policy(statement: dict[str, Any], *, name: str = POLICY, spaced: bool = False) -> Any:
    document = {"Version": "2012-10-17", "Statement": [statement]}
    text = json.dumps(document) if spaced else json.dumps(document, separators=(",", ":"))
    encode = urllib.parse.quote_plus if spaced else urllib.parse.quote
    return {
        "configurationItemVersion": "1.3",
        "resourceType": "AWS::IAM::Policy",
        "resourceName": name,
        "configuration": {
            "policyName": name,
            "policyVersionList": [
                {"document": encode(text), "versionId": "v2", "isDefaultVersion": True}
            ],
        },
    }


def _with(statement: dict[str, Any], **changes: Any) -> dict[str, Any]:
    return {**statement, **changes}


CASES = {
    # compliant
    "role with the deny policy": (_role("AWSLambdaBasicExecutionRole", POLICY), PASSED),
    "the deny policy": (_policy(DENY), PASSED),
    "the deny policy, spaced and +-encoded": (_policy(DENY, spaced=True), PASSED),
    "another policy is not judged": (_policy(_with(DENY, Effect="Allow"), name="x"), PASSED),
    "another resource type is not judged": (
        {"resourceType": "AWS::S3::Bucket", "configuration": {}},
        PASSED,
    ),
    # non-compliant
    "role without it": (_role("AWSLambdaBasicExecutionRole"), FAILED),
    "role without any policy": (_role(), FAILED),
    "role with a look-alike": (_role("tap-regional-deny-prod"), FAILED),
    "the policy allows instead": (_policy(_with(DENY, Effect="Allow")), FAILED),
    "the policy allows another region": (
        _policy(
            _with(
                DENY,
                Condition={"StringNotEquals": {"aws:RequestedRegion": ["us-east-1", "eu-west-1"]}},
            )
        ),
        FAILED,
    ),
    "the policy denies one action only": (_policy(_with(DENY, Action="s3:*")), FAILED),
    "the policy lost its condition on region": (
        _policy(_with(DENY, Condition={"StringNotEquals": {"aws:PrincipalAccount": ["1"]}})),
        FAILED,
    ),
}


@pytest.mark.parametrize("case", list(CASES))
def test_real_cfn_guard_judges_configuration_items(
    cfn_guard: Path, dev_rule: Path, tmp_path: Path, case: str
) -> None:
    item, expected = CASES[case]
    data = tmp_path / "item.json"
    data.write_text(json.dumps(item))
    done = validate(cfn_guard, dev_rule, data)
    assert done.returncode == expected, done.stdout + done.stderr
    if expected == FAILED:
        assert "Status = FAIL" in done.stdout


def test_a_policy_version_that_is_not_the_default_does_not_count(
    cfn_guard: Path, dev_rule: Path, tmp_path: Path
) -> None:
    item = _policy(DENY)
    item["configuration"]["policyVersionList"][0]["isDefaultVersion"] = False
    data = tmp_path / "item.json"
    data.write_text(json.dumps(item))
    assert validate(cfn_guard, dev_rule, data).returncode == FAILED


@pytest.mark.parametrize("name", list(ENVIRONMENTS))
def test_each_environment_deploys_the_rule_with_its_regions(
    template_dicts: dict[str, dict[str, Any]], name: str
) -> None:
    env = ENVIRONMENTS[name]
    resources = template_dicts[name]["Resources"]
    (rule,) = [
        r["Properties"]
        for r in resources.values()
        if r["Type"] == "AWS::Config::ConfigRule"
        and r["Properties"]["Source"]["Owner"] == "CUSTOM_POLICY"
    ]
    assert rule["ConfigRuleName"] == REGIONAL_DENY_RULE
    details = rule["Source"]["CustomPolicyDetails"]
    assert details["PolicyRuntime"] == "guard-2.x.x"
    assert details["PolicyText"] == guard_rule(env.suffix, env.allowed_regions)
    assert set(rule["Scope"]["ComplianceResourceTypes"]) == {"AWS::IAM::Role", "AWS::IAM::Policy"}
    policy = resources["RegionalDenyPolicy"]["Properties"]
    assert policy["ManagedPolicyName"] == regional_deny_policy_name(env.suffix)
