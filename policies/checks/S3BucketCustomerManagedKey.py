"""CKV_TAP_1 (TAP-ENC-01): S3 default encryption uses a customer-managed KMS key."""

from __future__ import annotations

import _bootstrap  # noqa: F401

from policies.cfn.documents import as_list
from policies.cfn.intrinsics import Resolver
from policies.cfn.kms import customer_managed
from policies.checkbase import TapCheck
from policies.context import Context
from policies.outcome import Verdict, combine_all

KMS_ALGORITHMS = ("aws:kms", "aws:kms:dsse")


class S3BucketCustomerManagedKey(TapCheck):
    def __init__(self) -> None:
        super().__init__("TAP-ENC-01")

    def evaluate(self, resolver: Resolver, logical_id: str, context: Context) -> Verdict:
        props = resolver.template.properties(logical_id)
        encryption = resolver.resolve(props.get("BucketEncryption"))
        if encryption is None:
            return Verdict.failed("no BucketEncryption: S3 uses SSE-S3 (AES256)")
        if not isinstance(encryption, dict):
            return Verdict.unknown("BucketEncryption is not fixed by the template")
        rules = as_list(encryption.get("ServerSideEncryptionConfiguration"))
        if not rules:
            return Verdict.failed("BucketEncryption has no encryption rule")
        return combine_all(
            (self._rule(resolver, rule, context) for rule in rules),
            "SSE-KMS with a customer-managed key",
        )

    @staticmethod
    def _rule(resolver: Resolver, rule: object, context: Context) -> Verdict:
        default = rule.get("ServerSideEncryptionByDefault") if isinstance(rule, dict) else None
        if not isinstance(default, dict):
            return Verdict.unknown("an encryption rule the template does not fix")
        algorithm = default.get("SSEAlgorithm")
        if not isinstance(algorithm, str):
            return Verdict.unknown("SSEAlgorithm is not fixed by the template")
        if algorithm not in KMS_ALGORITHMS:
            return Verdict.failed(f"SSEAlgorithm {algorithm} is not a KMS key")
        key = default.get("KMSMasterKeyID")
        return customer_managed(resolver, key, "KMSMasterKeyID", context.customer_managed_keys)


check = S3BucketCustomerManagedKey()
