"""The seed as written: the ingestion, analytics, archival and config buckets."""

from __future__ import annotations

from typing import Any

import pytest
from aws_cdk.assertions import Match, Template

BLOCK_ALL = {
    "BlockPublicAcls": True,
    "BlockPublicPolicy": True,
    "IgnorePublicAcls": True,
    "RestrictPublicBuckets": True,
}
#: Bucket name -> the storage class its lifecycle rule moves objects to (None: no rule).
BUCKETS = {
    "trading-ingestion-dev-111111111111": "GLACIER",
    "trading-analytics-dev-111111111111": "GLACIER",
    "trading-archival-dev-111111111111": "DEEP_ARCHIVE",
    "config-bucket-dev-111111111111": None,
}


def bucket_id(seed_of_type: Any, name: str) -> str:
    (logical_id,) = [
        logical_id
        for logical_id, bucket in seed_of_type("AWS::S3::Bucket").items()
        if bucket["Properties"]["BucketName"] == name
    ]
    return str(logical_id)


def test_four_buckets(seed: Template) -> None:
    seed.resource_count_is("AWS::S3::Bucket", 4)
    seed.resource_count_is("AWS::S3::BucketPolicy", 4)
    seed.resource_count_is("Custom::S3AutoDeleteObjects", 4)


@pytest.mark.parametrize(("name", "storage_class"), BUCKETS.items())
def test_bucket(
    seed: Template, seed_key_ids: dict[str, str], name: str, storage_class: str | None
) -> None:
    lifecycle = (
        {
            "Rules": [
                {
                    "Status": "Enabled",
                    "Transitions": [{"StorageClass": storage_class, "TransitionInDays": 90}],
                }
            ]
        }
        if storage_class
        else Match.absent()
    )
    seed.has_resource(
        "AWS::S3::Bucket",
        {
            "Properties": Match.object_like(
                {
                    "BucketName": name,
                    "BucketEncryption": {
                        "ServerSideEncryptionConfiguration": [
                            {
                                "ServerSideEncryptionByDefault": {
                                    "SSEAlgorithm": "aws:kms",
                                    "KMSMasterKeyID": {"Fn::GetAtt": [seed_key_ids["s3"], "Arn"]},
                                }
                            }
                        ]
                    },
                    "VersioningConfiguration": {"Status": "Enabled"},
                    "PublicAccessBlockConfiguration": BLOCK_ALL,
                    "LifecycleConfiguration": lifecycle,
                    "LoggingConfiguration": Match.absent(),
                }
            ),
            "DeletionPolicy": "Delete",
            "UpdateReplacePolicy": "Delete",
        },
    )


@pytest.mark.parametrize("name", BUCKETS)
def test_policy_denies_requests_without_tls(seed: Template, seed_of_type: Any, name: str) -> None:
    logical_id = bucket_id(seed_of_type, name)
    arn = {"Fn::GetAtt": [logical_id, "Arn"]}
    seed.has_resource_properties(
        "AWS::S3::BucketPolicy",
        {
            "Bucket": {"Ref": logical_id},
            "PolicyDocument": {
                "Statement": Match.array_with(
                    [
                        {
                            "Action": "s3:*",
                            "Condition": {"Bool": {"aws:SecureTransport": "false"}},
                            "Effect": "Deny",
                            "Principal": {"AWS": "*"},
                            "Resource": [arn, {"Fn::Join": ["", [arn, "/*"]]}],
                        }
                    ]
                ),
                "Version": "2012-10-17",
            },
        },
    )
    seed.has_resource_properties("Custom::S3AutoDeleteObjects", {"BucketName": {"Ref": logical_id}})
