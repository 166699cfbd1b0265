"""An S3 bucket as it runs: encryption, public access block, ACL, policy.

The ACL's grants are written as the canned ACL that grants them (AccessControl), as
https://docs.aws.amazon.com/AmazonS3/latest/userguide/acl-overview.html#canned-acl defines:
a grant to AllUsers is PublicRead (READ) or PublicReadWrite (WRITE, FULL_CONTROL), one to
AuthenticatedUsers AuthenticatedRead; the bucket policy becomes an AWS::S3::BucketPolicy of
the bucket.
"""

from __future__ import annotations

import json
from typing import Any

from compliance.aws.live.keys import KeyNames
from compliance.aws.live.reads import Reads
from compliance.aws.live.shape import Live

GROUPS = "http://acs.amazonaws.com/groups/global/"


def bucket(reads: Reads, name: str, keys: KeyNames, logical_id: str) -> Live:
    """The bucket's properties, and its policy as a resource beside it."""
    properties: dict[str, Any] = {"BucketName": name}
    encryption = reads.optional(
        "s3",
        "get_bucket_encryption",
        ("ServerSideEncryptionConfigurationNotFoundError",),
        Bucket=name,
    )
    if encryption is not None:
        rules = encryption["ServerSideEncryptionConfiguration"].get("Rules", [])
        properties["BucketEncryption"] = {
            "ServerSideEncryptionConfiguration": [_rule(reads, keys, rule) for rule in rules]
        }
    block = reads.optional(
        "s3", "get_public_access_block", ("NoSuchPublicAccessBlockConfiguration",), Bucket=name
    )
    if block is not None:
        properties["PublicAccessBlockConfiguration"] = block["PublicAccessBlockConfiguration"]
    acl = reads.call("s3", "get_bucket_acl", Bucket=name)
    properties["AccessControl"] = canned_acl(acl.get("Grants", []))
    siblings: dict[str, dict[str, Any]] = {}
    policy = reads.optional("s3", "get_bucket_policy", ("NoSuchBucketPolicy",), Bucket=name)
    if policy is not None:
        siblings[f"{logical_id}LivePolicy"] = {
            "Type": "AWS::S3::BucketPolicy",
            "Properties": {
                "Bucket": {"Ref": logical_id},
                "PolicyDocument": json.loads(policy["Policy"]),
            },
        }
    return Live(properties, siblings)


def _rule(reads: Reads, keys: KeyNames, rule: dict[str, Any]) -> dict[str, Any]:
    default = dict(rule.get("ApplyServerSideEncryptionByDefault") or {})
    if "KMSMasterKeyID" in default:
        default["KMSMasterKeyID"] = keys.reference(reads, default["KMSMasterKeyID"])
    written: dict[str, Any] = {"ServerSideEncryptionByDefault": default}
    if "BucketKeyEnabled" in rule:
        written["BucketKeyEnabled"] = rule["BucketKeyEnabled"]
    return written


def canned_acl(grants: list[dict[str, Any]]) -> str:
    """The canned ACL that grants what ``grants`` give the public groups."""
    public: set[str] = set()
    authenticated = False
    for grant in grants:
        grantee = grant.get("Grantee") or {}
        uri = str(grantee.get("URI", ""))
        if uri == GROUPS + "AllUsers":
            public.add(str(grant.get("Permission")))
        elif uri == GROUPS + "AuthenticatedUsers":
            authenticated = True
    if public & {"WRITE", "FULL_CONTROL", "WRITE_ACP"}:
        return "PublicReadWrite"
    if public:
        return "PublicRead"
    return "AuthenticatedRead" if authenticated else "Private"
