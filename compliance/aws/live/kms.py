"""A KMS key as it runs: spec, origin and automatic rotation."""

from __future__ import annotations

from compliance.aws.live.keys import KeyNames
from compliance.aws.live.reads import Reads
from compliance.aws.live.shape import Live


def key(reads: Reads, key_id: str, keys: KeyNames, logical_id: str) -> Live:
    """``kms:DescribeKey`` and ``kms:GetKeyRotationStatus`` (asked only of keys that can
    rotate: symmetric, KMS-generated material)."""
    metadata = reads.call("kms", "describe_key", KeyId=key_id)["KeyMetadata"]
    spec = metadata.get("KeySpec", "SYMMETRIC_DEFAULT")
    origin = metadata.get("Origin", "AWS_KMS")
    properties = {"KeySpec": spec, "Origin": origin, "Enabled": metadata.get("Enabled")}
    if spec == "SYMMETRIC_DEFAULT" and origin == "AWS_KMS":
        status = reads.call("kms", "get_key_rotation_status", KeyId=key_id)
        properties["EnableKeyRotation"] = bool(status.get("KeyRotationEnabled"))
    return Live(properties)
