"""The seed as written: stack-wide: the four tags, the six outputs with their export names, the
resource census."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from aws_cdk.assertions import Match, Template

SEED = Path(__file__).resolve().parents[1] / "fixtures" / "seed" / "TapStack-dev.template.json"
OUTPUTS = {
    "VpcId": ("VPC ID", "VpcId"),
    "DatabaseEndpoint": ("Database cluster endpoint", "DatabaseEndpoint"),
    "ApiUrl": ("API Gateway URL", "ApiUrl"),
    "IngestionBucketName": ("Ingestion S3 bucket name", "IngestionBucket"),
    "AnalyticsBucketName": ("Analytics S3 bucket name", "AnalyticsBucket"),
    "ArchivalBucketName": ("Archival S3 bucket name", "ArchivalBucket"),
}

#: Every resource type of the faithful dev stack and how many of it (CDK helpers included).
CENSUS = {
    "AWS::ApiGateway::Account": 1,
    "AWS::ApiGateway::ApiKey": 1,
    "AWS::ApiGateway::Deployment": 1,
    "AWS::ApiGateway::Method": 1,
    "AWS::ApiGateway::Resource": 1,
    "AWS::ApiGateway::RestApi": 1,
    "AWS::ApiGateway::Stage": 1,
    "AWS::ApiGateway::UsagePlan": 1,
    "AWS::ApiGateway::UsagePlanKey": 1,
    "AWS::Config::ConfigRule": 5,
    "AWS::Config::ConfigurationRecorder": 1,
    "AWS::Config::DeliveryChannel": 1,
    "AWS::DynamoDB::Table": 2,
    "AWS::EC2::EIP": 3,
    "AWS::EC2::InternetGateway": 1,
    "AWS::EC2::NatGateway": 3,
    "AWS::EC2::Route": 6,
    "AWS::EC2::RouteTable": 6,
    "AWS::EC2::SecurityGroup": 1,
    "AWS::EC2::Subnet": 6,
    "AWS::EC2::SubnetRouteTableAssociation": 6,
    "AWS::EC2::VPC": 1,
    "AWS::EC2::VPCGatewayAttachment": 1,
    "AWS::IAM::Policy": 3,
    "AWS::IAM::Role": 6,
    "AWS::KMS::Alias": 3,
    "AWS::KMS::Key": 4,
    "AWS::Lambda::Function": 4,
    "AWS::Lambda::Permission": 2,
    "AWS::Logs::LogGroup": 1,
    "AWS::RDS::DBCluster": 1,
    "AWS::RDS::DBInstance": 1,
    "AWS::RDS::DBSubnetGroup": 1,
    "AWS::S3::Bucket": 4,
    "AWS::S3::BucketPolicy": 4,
    "AWS::SecretsManager::Secret": 1,
    "AWS::SecretsManager::SecretTargetAttachment": 1,
    "Custom::LogRetention": 1,
    "Custom::S3AutoDeleteObjects": 4,
    "Custom::VpcRestrictDefaultSG": 1,
}


def test_resource_census(seed_resources: dict[str, Any]) -> None:
    assert Counter(r["Type"] for r in seed_resources.values()) == CENSUS


@pytest.mark.parametrize(
    ("output_id", "description", "export"),
    [(output_id, *details) for output_id, details in OUTPUTS.items()],
)
def test_output(seed: Template, output_id: str, description: str, export: str) -> None:
    seed.has_output(
        output_id,
        {
            "Description": description,
            "Export": {"Name": f"{export}-dev"},
            "Value": Match.any_value(),
        },
    )


def test_output_values(seed_resources: dict[str, Any], seed_of_type: Any) -> None:
    outputs = json.loads(SEED.read_text())["Outputs"]
    (vpc_id,) = seed_of_type("AWS::EC2::VPC")
    (cluster_id,) = seed_of_type("AWS::RDS::DBCluster")
    assert outputs["VpcId"]["Value"] == {"Ref": vpc_id}
    assert outputs["DatabaseEndpoint"]["Value"] == {"Fn::GetAtt": [cluster_id, "Endpoint.Address"]}
    assert "https://" in outputs["ApiUrl"]["Value"]["Fn::Join"][1]
    buckets = {
        logical_id: bucket["Properties"]["BucketName"]
        for logical_id, bucket in seed_of_type("AWS::S3::Bucket").items()
    }
    for output_id, prefix in (
        ("IngestionBucketName", "trading-ingestion-"),
        ("AnalyticsBucketName", "trading-analytics-"),
        ("ArchivalBucketName", "trading-archival-"),
    ):
        assert buckets[outputs[output_id]["Value"]["Ref"]].startswith(prefix)


@pytest.mark.parametrize(
    "resource_type", ["AWS::EC2::VPC", "AWS::S3::Bucket", "AWS::KMS::Key", "AWS::RDS::DBCluster"]
)
def test_four_tags_on_taggable_resources(seed: Template, resource_type: str) -> None:
    tags = [
        {"Key": "Compliance", "Value": "PCI-DSS"},
        {"Key": "CostCenter", "Value": "trading-platform"},
        {"Key": "DataClassification", "Value": "Confidential"},
        {"Key": "Environment", "Value": "dev"},
    ]
    found = seed.find_resources(resource_type)
    assert found
    for resource in found.values():
        assert all(tag in resource["Properties"]["Tags"] for tag in tags)
