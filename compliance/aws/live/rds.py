"""An RDS cluster or DB instance as it runs: storage encryption, its key, deletion protection."""

from __future__ import annotations

from typing import Any

from compliance.aws.live.keys import KeyNames
from compliance.aws.live.reads import Gone, Reads
from compliance.aws.live.shape import Live


def cluster(reads: Reads, name: str, keys: KeyNames, logical_id: str) -> Live:
    """``rds:DescribeDBClusters``."""
    found = reads.call("rds", "describe_db_clusters", DBClusterIdentifier=name)["DBClusters"]
    return Live(_storage(reads, keys, found[0], "DBClusterIdentifier")) if found else _gone(name)


def instance(reads: Reads, name: str, keys: KeyNames, logical_id: str) -> Live:
    """``rds:DescribeDBInstances``; an Aurora instance names its cluster."""
    found = reads.call("rds", "describe_db_instances", DBInstanceIdentifier=name)["DBInstances"]
    if not found:
        return _gone(name)
    properties = _storage(reads, keys, found[0], "DBInstanceIdentifier")
    if found[0].get("DBClusterIdentifier"):
        properties["DBClusterIdentifier"] = found[0]["DBClusterIdentifier"]
    return Live(properties)


def _storage(reads: Reads, keys: KeyNames, described: dict[str, Any], name: str) -> dict[str, Any]:
    properties: dict[str, Any] = {
        name: described.get(name),
        "Engine": described.get("Engine"),
        "StorageEncrypted": bool(described.get("StorageEncrypted")),
        "DeletionProtection": bool(described.get("DeletionProtection")),
    }
    if described.get("KmsKeyId"):
        properties["KmsKeyId"] = keys.reference(reads, described["KmsKeyId"])
    return properties


def _gone(name: str) -> Live:
    raise Gone(f"rds: no {name}")
