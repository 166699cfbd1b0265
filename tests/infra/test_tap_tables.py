"""The seed as written: the two DynamoDB tables: on demand, point-in-time recovery, the DynamoDB
key."""

from __future__ import annotations

import pytest
from aws_cdk.assertions import Template


@pytest.mark.parametrize(
    ("table_name", "partition_key"),
    [("user-sessions-dev", "sessionId"), ("api-keys-dev", "apiKeyId")],
)
def test_table(
    seed: Template, seed_key_ids: dict[str, str], table_name: str, partition_key: str
) -> None:
    seed.has_resource(
        "AWS::DynamoDB::Table",
        {
            "Properties": {
                "TableName": table_name,
                "KeySchema": [{"AttributeName": partition_key, "KeyType": "HASH"}],
                "AttributeDefinitions": [{"AttributeName": partition_key, "AttributeType": "S"}],
                "BillingMode": "PAY_PER_REQUEST",
                "PointInTimeRecoverySpecification": {"PointInTimeRecoveryEnabled": True},
                "SSESpecification": {
                    "SSEEnabled": True,
                    "SSEType": "KMS",
                    "KMSMasterKeyId": {"Fn::GetAtt": [seed_key_ids["dynamodb"], "Arn"]},
                },
                "Tags": [
                    {"Key": "Compliance", "Value": "PCI-DSS"},
                    {"Key": "CostCenter", "Value": "trading-platform"},
                    {"Key": "DataClassification", "Value": "Confidential"},
                    {"Key": "Environment", "Value": "dev"},
                ],
            },
            "DeletionPolicy": "Delete",
        },
    )


def test_exactly_two_tables(seed: Template) -> None:
    seed.resource_count_is("AWS::DynamoDB::Table", 2)
