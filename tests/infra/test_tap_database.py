"""The seed as written: aurora PostgreSQL 15.3 Serverless v2 in the private subnets, encrypted with
the database key."""

from __future__ import annotations

from typing import Any

from aws_cdk.assertions import Match, Template


def test_cluster(seed: Template, seed_key_ids: dict[str, str]) -> None:
    seed.resource_count_is("AWS::RDS::DBCluster", 1)
    seed.has_resource(
        "AWS::RDS::DBCluster",
        {
            "Properties": Match.object_like(
                {
                    "Engine": "aurora-postgresql",
                    "EngineVersion": "15.3",
                    "ServerlessV2ScalingConfiguration": {"MinCapacity": 0.5, "MaxCapacity": 2},
                    "StorageEncrypted": True,
                    "KmsKeyId": {"Fn::GetAtt": [seed_key_ids["database"], "Arn"]},
                    "BackupRetentionPeriod": 7,
                }
            ),
            "DeletionPolicy": "Delete",
        },
    )


def test_one_serverless_writer(seed: Template) -> None:
    seed.resource_count_is("AWS::RDS::DBInstance", 1)
    seed.has_resource_properties(
        "AWS::RDS::DBInstance",
        {"DBInstanceClass": "db.serverless", "Engine": "aurora-postgresql", "PromotionTier": 0},
    )


def test_subnet_group_uses_the_private_subnets(seed_of_type: Any) -> None:
    (group,) = seed_of_type("AWS::RDS::DBSubnetGroup").values()
    subnet_refs = {ref["Ref"] for ref in group["Properties"]["SubnetIds"]}
    private = {
        logical_id
        for logical_id, subnet in seed_of_type("AWS::EC2::Subnet").items()
        if not subnet["Properties"]["MapPublicIpOnLaunch"]
    }
    assert subnet_refs == private


def test_generated_credentials_secret(seed: Template) -> None:
    seed.resource_count_is("AWS::SecretsManager::Secret", 1)
    seed.resource_count_is("AWS::SecretsManager::SecretTargetAttachment", 1)
