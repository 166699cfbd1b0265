"""CKV_TAP_2 (TAP-ENC-02): DynamoDB tables encrypted with a customer-managed KMS key."""

from __future__ import annotations

from typing import Any

import _bootstrap  # noqa: F401

from policies.cfn.documents import as_list, truthy
from policies.cfn.intrinsics import Resolver
from policies.cfn.kms import customer_managed
from policies.checkbase import TapCheck
from policies.context import Context
from policies.outcome import Verdict, combine_all


class DynamoDBTableCustomerManagedKey(TapCheck):
    def __init__(self) -> None:
        super().__init__("TAP-ENC-02")

    def evaluate(self, resolver: Resolver, logical_id: str, context: Context) -> Verdict:
        props = resolver.template.properties(logical_id)
        sse = resolver.resolve(props.get("SSESpecification"))
        enabled = _sse_on(sse)
        if enabled is not True:
            return enabled or Verdict.failed(
                "no SSESpecification with SSEEnabled: the AWS-owned key is used"
            )
        if resolver.template.type_of(logical_id) != "AWS::DynamoDB::GlobalTable":
            key = sse.get("KMSMasterKeyId")
            return customer_managed(resolver, key, "KMSMasterKeyId", context.customer_managed_keys)
        replicas = as_list(resolver.resolve(props.get("Replicas")))
        if not replicas:
            return Verdict.failed("the global table has no replica keys")
        return combine_all(
            (_replica_key(resolver, replica, context) for replica in replicas),
            "every replica uses a customer-managed key",
        )


def _sse_on(sse: Any) -> Verdict | bool | None:
    """True when SSE with KMS is on; a verdict when it is undecidable or not KMS."""
    if sse is None:
        return None
    if not isinstance(sse, dict):
        return Verdict.unknown("SSESpecification is not fixed by the template")
    enabled = truthy(sse.get("SSEEnabled"))
    if enabled is None:
        return Verdict.unknown("SSEEnabled is not fixed by the template")
    if not enabled:
        return None
    kind = sse.get("SSEType", "KMS")
    if kind != "KMS":
        return (
            Verdict.unknown("SSEType is not fixed by the template")
            if not isinstance(kind, str)
            else Verdict.failed(f"SSEType {kind} is not KMS")
        )
    return True


def _replica_key(resolver: Resolver, replica: Any, context: Context) -> Verdict:
    spec = replica.get("SSESpecification") if isinstance(replica, dict) else None
    key = spec.get("KMSMasterKeyId") if isinstance(spec, dict) else None
    region = replica.get("Region", "?") if isinstance(replica, dict) else "?"
    what = f"replica {region} KMSMasterKeyId"
    return customer_managed(resolver, key, what, context.customer_managed_keys)


check = DynamoDBTableCustomerManagedKey()
