"""CKV2_TAP_3 (TAP-ENC-03): RDS / Aurora storage encrypted with a customer-managed key.

An instance that belongs to a cluster (DBClusterIdentifier) inherits the cluster's storage
encryption, so its verdict is the cluster's.
"""

from __future__ import annotations

import _bootstrap  # noqa: F401

from policies.cfn.documents import truthy
from policies.cfn.intrinsics import Resolver, Token
from policies.cfn.kms import customer_managed
from policies.checkbase import TapCheck
from policies.outcome import Verdict

CLUSTER = "AWS::RDS::DBCluster"


class RDSStorageCustomerManagedKey(TapCheck):
    def __init__(self) -> None:
        super().__init__("CKV2_TAP_3", "TAP-ENC-03", [CLUSTER, "AWS::RDS::DBInstance"])

    def evaluate(self, resolver: Resolver, logical_id: str) -> Verdict:
        props = resolver.template.properties(logical_id)
        if "DBClusterIdentifier" in props:
            cluster = resolver.resolve(props["DBClusterIdentifier"])
            if isinstance(cluster, Token) and resolver.template.type_of(cluster.name) == CLUSTER:
                verdict = self.evaluate(resolver, cluster.name)
                return Verdict(
                    verdict.outcome, f"inherits cluster {cluster.name}: {verdict.reason}"
                )
            return Verdict.unknown("belongs to a cluster the template does not declare")
        encrypted = truthy(resolver.resolve(props.get("StorageEncrypted")))
        if encrypted is None:
            return Verdict.unknown("StorageEncrypted is not fixed by the template")
        if not encrypted:
            return Verdict.failed("StorageEncrypted is not true")
        return customer_managed(resolver, props.get("KmsKeyId"), "KmsKeyId")


check = RDSStorageCustomerManagedKey()
