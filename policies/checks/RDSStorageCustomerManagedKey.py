"""CKV2_TAP_3 (TAP-ENC-03): RDS / Aurora storage encrypted with a customer-managed key.

An instance that belongs to a cluster (DBClusterIdentifier) inherits the cluster's storage
encryption, so its verdict is the cluster's. A read replica, a restore from a snapshot and a
point-in-time restore inherit encryption from their source (CloudFormation ignores
StorageEncrypted there); the KmsKeyId given, if any, is then the key. Aurora Serverless v1
clusters are always encrypted.
"""

from __future__ import annotations

from typing import Any

import _bootstrap  # noqa: F401

from policies.cfn.documents import truthy
from policies.cfn.intrinsics import Resolver, Token, parts_of
from policies.cfn.kms import customer_managed
from policies.cfn.matching import same
from policies.checkbase import TapCheck
from policies.context import Context
from policies.outcome import Outcome, Verdict, combine_all

CLUSTER = "AWS::RDS::DBCluster"
INSTANCE = "AWS::RDS::DBInstance"
#: properties naming the source a resource inherits its encryption from, per type:
#: (property, type of a source the template may declare, that type's identifier property)
SOURCES = {
    CLUSTER: (
        ("SourceDBClusterIdentifier", CLUSTER, "DBClusterIdentifier"),
        ("SnapshotIdentifier", None, None),
    ),
    INSTANCE: (
        ("SourceDBInstanceIdentifier", INSTANCE, "DBInstanceIdentifier"),
        ("SourceDBClusterIdentifier", CLUSTER, "DBClusterIdentifier"),
        ("DBSnapshotIdentifier", None, None),
        ("DBClusterSnapshotIdentifier", None, None),
    ),
}


class RDSStorageCustomerManagedKey(TapCheck):
    def __init__(self) -> None:
        super().__init__("TAP-ENC-03")

    def evaluate(self, resolver: Resolver, logical_id: str, context: Context) -> Verdict:
        encrypted, key = _storage(resolver, logical_id, context, depth=0)
        if encrypted.outcome is Outcome.FAIL:
            return encrypted
        return combine_all([encrypted, key], key.reason)


def _storage(
    resolver: Resolver, logical_id: str, context: Context, depth: int
) -> tuple[Verdict, Verdict]:
    """Whether the storage is encrypted at all, and whether its key is customer-managed."""
    if depth > 5:
        too_long = Verdict.unknown("a chain of sources too long to follow")
        return too_long, too_long
    kind = resolver.template.type_of(logical_id) or ""
    props = resolver.template.properties(logical_id)
    key = customer_managed(
        resolver, props.get("KmsKeyId"), "KmsKeyId", context.customer_managed_keys
    )
    if kind == INSTANCE and "DBClusterIdentifier" in props:
        cluster = _declared(resolver, props["DBClusterIdentifier"], CLUSTER, "DBClusterIdentifier")
        if cluster is None:
            unknown = Verdict.unknown("belongs to a cluster the template does not declare")
            return unknown, unknown
        encrypted, cluster_key = _storage(resolver, cluster, context, depth + 1)
        return _via(encrypted, f"cluster {cluster}"), _via(cluster_key, f"cluster {cluster}")
    for prop, source_type, id_prop in SOURCES.get(kind, ()):
        if props.get(prop) is None:
            continue
        source = (
            _declared(resolver, props[prop], source_type, id_prop)
            if source_type and id_prop
            else None
        )
        if source is None:
            unknown = Verdict.unknown(
                f"encryption is inherited from {prop}, which the template does not declare"
            )
            return unknown, key if "KmsKeyId" in props else unknown
        encrypted, source_key = _storage(resolver, source, context, depth + 1)
        where = f"{source} ({prop})"
        return _via(encrypted, where), key if "KmsKeyId" in props else _via(source_key, where)
    if kind == CLUSTER and resolver.resolve(props.get("EngineMode")) == "serverless":
        if truthy(resolver.resolve(props.get("StorageEncrypted", True))) is False:
            return Verdict.failed("StorageEncrypted is false"), key
        return Verdict.passed("Aurora Serverless v1 storage is always encrypted"), key
    on = truthy(resolver.resolve(props.get("StorageEncrypted")))
    if on is None:
        return Verdict.unknown("StorageEncrypted is not fixed by the template"), key
    if not on:
        return Verdict.failed("StorageEncrypted is not true"), key
    return Verdict.passed("StorageEncrypted is true"), key


def _via(verdict: Verdict, source: str) -> Verdict:
    return Verdict(verdict.outcome, f"inherits {source}: {verdict.reason}")


def _declared(resolver: Resolver, value: Any, kind: str, id_prop: str) -> str | None:
    """The resource of this type a Ref or an identifier names (identifiers are stored in
    lowercase), or None when the template declares none."""
    resolved = resolver.resolve(value)
    if isinstance(resolved, Token) and resolver.template.type_of(resolved.name) == kind:
        return resolved.name
    parts = parts_of(resolved)
    if parts is None:
        return None
    wanted = tuple(p.lower() if isinstance(p, str) else p for p in parts)
    for candidate in resolver.template.of_type(kind):
        name = parts_of(resolver.resolve(resolver.template.properties(candidate).get(id_prop)))
        if name is None:
            continue
        lowered = tuple(p.lower() if isinstance(p, str) else p for p in name)
        if same(wanted, lowered) is Outcome.PASS:
            return candidate
    return None


check = RDSStorageCustomerManagedKey()
