"""Aurora PostgreSQL 15.3 Serverless v2 in the private subnets, encrypted with the database key."""

from __future__ import annotations

from typing import Any

from aws_cdk.assertions import Match, Template


def test_cluster(dev: Template, key_ids: dict[str, str]) -> None:
    dev.resource_count_is("AWS::RDS::DBCluster", 1)
    dev.has_resource(
        "AWS::RDS::DBCluster",
        {
            "Properties": Match.object_like(
                {
                    "Engine": "aurora-postgresql",
                    "EngineVersion": "15.3",
                    "ServerlessV2ScalingConfiguration": {"MinCapacity": 0.5, "MaxCapacity": 2},
                    "StorageEncrypted": True,
                    "KmsKeyId": {"Fn::GetAtt": [key_ids["database"], "Arn"]},
                    "BackupRetentionPeriod": 7,
                }
            ),
            "DeletionPolicy": "Delete",
        },
    )


def test_one_serverless_writer(dev: Template) -> None:
    dev.resource_count_is("AWS::RDS::DBInstance", 1)
    dev.has_resource_properties(
        "AWS::RDS::DBInstance",
        {"DBInstanceClass": "db.serverless", "Engine": "aurora-postgresql", "PromotionTier": 0},
    )


def test_subnet_group_uses_the_private_subnets(of_type: Any) -> None:
    (group,) = of_type("AWS::RDS::DBSubnetGroup").values()
    subnet_refs = {ref["Ref"] for ref in group["Properties"]["SubnetIds"]}
    private = {
        logical_id
        for logical_id, subnet in of_type("AWS::EC2::Subnet").items()
        if not subnet["Properties"]["MapPublicIpOnLaunch"]
    }
    assert subnet_refs == private


def test_generated_credentials_secret(dev: Template) -> None:
    dev.resource_count_is("AWS::SecretsManager::Secret", 1)
    dev.resource_count_is("AWS::SecretsManager::SecretTargetAttachment", 1)
