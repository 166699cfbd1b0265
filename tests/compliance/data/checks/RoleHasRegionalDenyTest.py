"""Test check: a role passes with an inline regional Deny, fails without, UNKNOWN on intrinsics."""

from __future__ import annotations

from typing import Any

from checkov.cloudformation.checks.resource.base_resource_check import BaseResourceCheck
from checkov.common.models.enums import CheckCategories, CheckResult


class RoleHasRegionalDenyTest(BaseResourceCheck):
    def __init__(self) -> None:
        super().__init__(
            name="Test: IAM role denies actions outside the allowed regions",
            id="CKV_TAPTEST_1",
            categories=[CheckCategories.IAM],
            supported_resources=["AWS::IAM::Role"],
        )

    def scan_resource_conf(self, conf: dict[str, Any]) -> CheckResult:
        allowed = {"us-east-1"}  # a plain checkov check: fixed regions (ours get a Context)
        for policy in conf.get("Properties", {}).get("Policies") or []:
            document = policy.get("PolicyDocument")
            if not isinstance(document, dict):
                return CheckResult.UNKNOWN
            for statement in document.get("Statement", []):
                condition = statement.get("Condition", {}).get("StringNotEquals", {})
                regions = condition.get("aws:RequestedRegion")
                if statement.get("Effect") == "Deny" and regions is not None:
                    if not isinstance(regions, list):
                        return CheckResult.UNKNOWN
                    if not allowed or set(regions) <= allowed:
                        return CheckResult.PASSED
        return CheckResult.FAILED


check = RoleHasRegionalDenyTest()
