"""EBS volumes and launch templates as they run: encryption of each volume and block device."""

from __future__ import annotations

from typing import Any

from compliance.aws.live.keys import KeyNames
from compliance.aws.live.reads import Gone, Reads
from compliance.aws.live.shape import Live


def volume(reads: Reads, volume_id: str, keys: KeyNames, logical_id: str) -> Live:
    """``ec2:DescribeVolumes``."""
    found = reads.call("ec2", "describe_volumes", VolumeIds=[volume_id])["Volumes"]
    if not found:
        raise Gone(f"ec2: no volume {volume_id}")
    properties: dict[str, Any] = {"Encrypted": bool(found[0].get("Encrypted"))}
    if found[0].get("KmsKeyId"):
        properties["KmsKeyId"] = keys.reference(reads, found[0]["KmsKeyId"])
    return Live(properties)


def launch_template(reads: Reads, template_id: str, keys: KeyNames, logical_id: str) -> Live:
    """``ec2:DescribeLaunchTemplateVersions`` of the default version (what launches use)."""
    versions = reads.call(
        "ec2",
        "describe_launch_template_versions",
        LaunchTemplateId=template_id,
        Versions=["$Default"],
    )["LaunchTemplateVersions"]
    if not versions:
        raise Gone(f"ec2: no default version of {template_id}")
    data = versions[0].get("LaunchTemplateData") or {}
    mappings = []
    for mapping in data.get("BlockDeviceMappings") or []:
        ebs = dict(mapping.get("Ebs") or {})
        if ebs.get("KmsKeyId"):
            ebs["KmsKeyId"] = keys.reference(reads, ebs["KmsKeyId"])
        mappings.append({**mapping, "Ebs": ebs} if mapping.get("Ebs") else mapping)
    written: dict[str, Any] = {"BlockDeviceMappings": mappings} if mappings else {}
    if data.get("ImageId"):
        written["ImageId"] = data["ImageId"]
    return Live({"LaunchTemplateData": written})
