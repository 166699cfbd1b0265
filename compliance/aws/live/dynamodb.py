"""A DynamoDB table as it runs: its encryption and point-in-time recovery.

DescribeTable names no SSEDescription for a table encrypted with the AWS-owned key (the
default); ``SSEType: KMS`` names the key
(https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_SSEDescription.html)."""

from __future__ import annotations

from typing import Any

from compliance.aws.live.keys import KeyNames
from compliance.aws.live.reads import Reads
from compliance.aws.live.shape import Live


def table(reads: Reads, name: str, keys: KeyNames, logical_id: str) -> Live:
    """``dynamodb:DescribeTable`` and ``dynamodb:DescribeContinuousBackups``."""
    described = reads.call("dynamodb", "describe_table", TableName=name)["Table"]
    properties: dict[str, Any] = {"TableName": name}
    sse = described.get("SSEDescription") or {}
    if sse.get("Status") in ("ENABLED", "UPDATING"):
        properties["SSESpecification"] = {
            "SSEEnabled": True,
            "SSEType": sse.get("SSEType", "KMS"),
            "KMSMasterKeyId": keys.reference(reads, sse.get("KMSMasterKeyArn")),
        }
    backups = reads.call("dynamodb", "describe_continuous_backups", TableName=name)
    recovery = backups["ContinuousBackupsDescription"].get("PointInTimeRecoveryDescription") or {}
    properties["PointInTimeRecoverySpecification"] = {
        "PointInTimeRecoveryEnabled": recovery.get("PointInTimeRecoveryStatus") == "ENABLED"
    }
    properties["DeletionProtectionEnabled"] = bool(described.get("DeletionProtectionEnabled"))
    return Live(properties)
