"""The seed as written: the data-processing Lambda, its role with the regional deny and its least-
privilege grants."""

from __future__ import annotations

from typing import Any

from aws_cdk.assertions import Match, Template

REGIONAL_DENY = {
    "Effect": "Deny",
    "Action": "*",
    "Resource": "*",
    "Condition": {"StringNotEquals": {"aws:RequestedRegion": ["us-east-1"]}},
}


def function_id(seed_of_type: Any) -> str:
    (logical_id,) = [
        logical_id
        for logical_id, function in seed_of_type("AWS::Lambda::Function").items()
        if function["Properties"].get("FunctionName") == "data-processor-dev"
    ]
    return str(logical_id)


def role_id(seed_of_type: Any) -> str:
    (logical_id,) = [
        logical_id
        for logical_id, role in seed_of_type("AWS::IAM::Role").items()
        if role["Properties"].get("Description", "").startswith("Role for data processing")
    ]
    return str(logical_id)


def test_function(seed: Template, seed_of_type: Any, seed_key_ids: dict[str, str]) -> None:
    tables = {
        table["Properties"]["TableName"]: logical_id
        for logical_id, table in seed_of_type("AWS::DynamoDB::Table").items()
    }
    seed.has_resource_properties(
        "AWS::Lambda::Function",
        {
            "FunctionName": "data-processor-dev",
            "Runtime": "nodejs18.x",
            "Handler": "index.handler",
            "Architectures": ["arm64"],
            "Code": {"ZipFile": Match.string_like_regexp("exports.handler = async")},
            "Environment": {
                "Variables": {
                    "ENVIRONMENT": "dev",
                    "SESSIONS_TABLE": {"Ref": tables["user-sessions-dev"]},
                    "API_KEYS_TABLE": {"Ref": tables["api-keys-dev"]},
                }
            },
            "KmsKeyArn": {"Fn::GetAtt": [seed_key_ids["lambda"], "Arn"]},
            "Role": {"Fn::GetAtt": [role_id(seed_of_type), "Arn"]},
        },
    )


def test_one_month_log_retention(seed: Template, seed_of_type: Any) -> None:
    seed.has_resource_properties(
        "Custom::LogRetention",
        {
            "LogGroupName": {
                "Fn::Join": ["", ["/aws/lambda/", {"Ref": function_id(seed_of_type)}]]
            },
            "RetentionInDays": 30,
        },
    )


def test_role_trusts_lambda_with_vpc_access(seed: Template, seed_of_type: Any) -> None:
    role = seed_of_type("AWS::IAM::Role")[role_id(seed_of_type)]["Properties"]
    assert role["AssumeRolePolicyDocument"]["Statement"] == [
        {
            "Action": "sts:AssumeRole",
            "Effect": "Allow",
            "Principal": {"Service": "lambda.amazonaws.com"},
        }
    ]
    (managed,) = role["ManagedPolicyArns"]
    assert (
        managed["Fn::Join"][1][-1]
        == ":iam::aws:policy/service-role/AWSLambdaVPCAccessExecutionRole"
    )


def test_role_policy_denies_other_regions_and_grants_least_privilege(
    seed_of_type: Any, seed_key_ids: dict[str, str]
) -> None:
    role = role_id(seed_of_type)
    (policy,) = [
        p["Properties"]
        for p in seed_of_type("AWS::IAM::Policy").values()
        if p["Properties"]["Roles"] == [{"Ref": role}]
    ]
    statements = policy["PolicyDocument"]["Statement"]
    assert statements[0] == REGIONAL_DENY
    by_service = {
        (statement["Action"][0].split(":")[0], statement["Action"][0]): statement
        for statement in statements[1:]
    }
    buckets = {
        bucket["Properties"]["BucketName"].split("-")[1]: logical_id
        for logical_id, bucket in seed_of_type("AWS::S3::Bucket").items()
    }
    dynamodb = by_service[("dynamodb", "dynamodb:BatchGetItem")]
    assert "dynamodb:PutItem" in dynamodb["Action"]
    assert len(dynamodb["Resource"]) == 2
    kms = by_service[("kms", "kms:Decrypt")]
    assert kms["Resource"] == [
        {"Fn::GetAtt": [seed_key_ids["dynamodb"], "Arn"]},
        {"Fn::GetAtt": [seed_key_ids["s3"], "Arn"]},
    ]
    read = by_service[("s3", "s3:GetBucket*")]
    assert read["Resource"][0] == {"Fn::GetAtt": [buckets["ingestion"], "Arn"]}
    assert not any(action.startswith("s3:Put") for action in read["Action"])
    write = by_service[("s3", "s3:Abort*")]
    assert write["Resource"][0] == {"Fn::GetAtt": [buckets["analytics"], "Arn"]}
    assert "s3:PutObject" in write["Action"]
    assert len(statements) == 5
