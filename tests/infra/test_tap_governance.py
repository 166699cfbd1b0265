"""The seed as written: aWS Config: role (with the regional deny), recorder, delivery channel, five
managed rules."""

from __future__ import annotations

from typing import Any

import pytest
from aws_cdk.assertions import Match, Template

RULES = {
    "ENCRYPTED_VOLUMES": "Check that EBS volumes are encrypted",
    "RDS_STORAGE_ENCRYPTED": "Check that RDS storage is encrypted",
    "S3_BUCKET_PUBLIC_READ_PROHIBITED": "Check that S3 buckets do not allow public read access",
    "S3_BUCKET_PUBLIC_WRITE_PROHIBITED": "Check that S3 buckets do not allow public write access",
    "S3_BUCKET_LOGGING_ENABLED": "Check that S3 buckets have access logging enabled",
}


def only(seed_of_type: Any, resource_type: str) -> str:
    (logical_id,) = seed_of_type(resource_type)
    return str(logical_id)


def config_role_id(seed_of_type: Any) -> str:
    (logical_id,) = [
        logical_id
        for logical_id, role in seed_of_type("AWS::IAM::Role").items()
        if role["Properties"]["AssumeRolePolicyDocument"]["Statement"][0]["Principal"]
        == {"Service": "config.amazonaws.com"}
    ]
    return str(logical_id)


def test_recorder_records_everything_with_the_config_role(
    seed: Template, seed_of_type: Any
) -> None:
    seed.has_resource_properties(
        "AWS::Config::ConfigurationRecorder",
        {
            "RoleARN": {"Fn::GetAtt": [config_role_id(seed_of_type), "Arn"]},
            "RecordingGroup": {"AllSupported": True, "IncludeGlobalResourceTypes": True},
        },
    )


def test_delivery_channel_writes_to_the_config_bucket_after_the_recorder(
    seed: Template, seed_of_type: Any
) -> None:
    (bucket_id,) = [
        logical_id
        for logical_id, bucket in seed_of_type("AWS::S3::Bucket").items()
        if bucket["Properties"]["BucketName"].startswith("config-bucket-dev-")
    ]
    seed.has_resource(
        "AWS::Config::DeliveryChannel",
        {
            "Properties": {"S3BucketName": {"Ref": bucket_id}},
            "DependsOn": [only(seed_of_type, "AWS::Config::ConfigurationRecorder")],
        },
    )


@pytest.mark.parametrize(("identifier", "description"), RULES.items())
def test_managed_rule_depends_on_recorder_and_channel(
    seed: Template, seed_of_type: Any, identifier: str, description: str
) -> None:
    seed.has_resource(
        "AWS::Config::ConfigRule",
        {
            "Properties": {
                "Description": description,
                "Source": {"Owner": "AWS", "SourceIdentifier": identifier},
            },
            "DependsOn": Match.array_equals(
                [
                    only(seed_of_type, "AWS::Config::ConfigurationRecorder"),
                    only(seed_of_type, "AWS::Config::DeliveryChannel"),
                ]
            ),
        },
    )


def test_exactly_five_rules(seed: Template) -> None:
    seed.resource_count_is("AWS::Config::ConfigRule", 5)


def test_config_role(seed_of_type: Any, seed_key_ids: dict[str, str]) -> None:
    role_id = config_role_id(seed_of_type)
    role = seed_of_type("AWS::IAM::Role")[role_id]["Properties"]
    assert (
        role["ManagedPolicyArns"][0]["Fn::Join"][1][-1]
        == ":iam::aws:policy/service-role/ConfigRole"
    )
    (policy,) = [
        p["Properties"]
        for p in seed_of_type("AWS::IAM::Policy").values()
        if p["Properties"]["Roles"] == [{"Ref": role_id}]
    ]
    statements = policy["PolicyDocument"]["Statement"]
    assert "s3:PutObject" in statements[0]["Action"]
    assert statements[1] == {
        "Action": ["kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey*", "kms:ReEncrypt*"],
        "Effect": "Allow",
        "Resource": {"Fn::GetAtt": [seed_key_ids["s3"], "Arn"]},
    }
    assert statements[2] == {
        "Action": "*",
        "Condition": {"StringNotEquals": {"aws:RequestedRegion": ["us-east-1"]}},
        "Effect": "Deny",
        "Resource": "*",
    }
