"""CKV_TAP_5 (TAP-ENC-05): Lambda environment variables encrypted with a customer key."""

from __future__ import annotations

import _bootstrap  # noqa: F401

from policies.cfn.intrinsics import Resolver
from policies.cfn.kms import customer_managed
from policies.checkbase import TapCheck
from policies.context import Context
from policies.outcome import Verdict


class LambdaEnvironmentCustomerManagedKey(TapCheck):
    def __init__(self) -> None:
        super().__init__("TAP-ENC-05")

    def evaluate(self, resolver: Resolver, logical_id: str, context: Context) -> Verdict:
        props = resolver.template.properties(logical_id)
        environment = resolver.resolve(props.get("Environment"))
        variables = environment.get("Variables") if isinstance(environment, dict) else environment
        if variables is None or variables == {}:
            return Verdict.not_applicable("the function has no environment variables")
        key = props.get("KmsKeyArn")
        return customer_managed(resolver, key, "KmsKeyArn", context.customer_managed_keys)


check = LambdaEnvironmentCustomerManagedKey()
