"""The seed as written: the REST API: POST /data behind an API key, access logging, the usage plan
and its key."""

from __future__ import annotations

from typing import Any

from aws_cdk.assertions import Match, Template


def test_rest_api(seed: Template) -> None:
    seed.resource_count_is("AWS::ApiGateway::RestApi", 1)
    seed.has_resource_properties(
        "AWS::ApiGateway::RestApi",
        {"Name": "trading-api-dev", "Description": "API for trading analytics platform"},
    )
    seed.has_resource_properties("AWS::ApiGateway::Resource", {"PathPart": "data"})


def test_post_data_requires_an_api_key(seed: Template, seed_of_type: Any) -> None:
    seed.resource_count_is("AWS::ApiGateway::Method", 1)
    (function_id,) = [
        logical_id
        for logical_id, function in seed_of_type("AWS::Lambda::Function").items()
        if function["Properties"].get("FunctionName") == "data-processor-dev"
    ]
    seed.has_resource_properties(
        "AWS::ApiGateway::Method",
        {
            "HttpMethod": "POST",
            "ApiKeyRequired": True,
            "Integration": Match.object_like(
                {
                    "Type": "AWS_PROXY",
                    "Uri": {
                        "Fn::Join": [
                            "",
                            Match.array_with([{"Fn::GetAtt": [function_id, "Arn"]}]),
                        ]
                    },
                }
            ),
        },
    )


def test_stage_logs_access_and_execution(seed: Template, seed_of_type: Any) -> None:
    (log_group_id,) = [
        logical_id
        for logical_id, group in seed_of_type("AWS::Logs::LogGroup").items()
        if group["Properties"]["LogGroupName"] == "/aws/apigateway/trading-api-dev"
    ]
    seed.has_resource(
        "AWS::Logs::LogGroup",
        {"Properties": Match.object_like({"RetentionInDays": 30}), "DeletionPolicy": "Delete"},
    )
    seed.has_resource_properties(
        "AWS::ApiGateway::Stage",
        {
            "StageName": "dev",
            "AccessLogSetting": {
                "DestinationArn": {"Fn::Join": ["", Match.array_with([{"Ref": log_group_id}])]},
                "Format": Match.serialized_json(
                    Match.object_like(
                        {"requestId": "$context.requestId", "ip": "$context.identity.sourceIp"}
                    )
                ),
            },
            "MethodSettings": [
                {
                    "DataTraceEnabled": True,
                    "HttpMethod": "*",
                    "LoggingLevel": "INFO",
                    "ResourcePath": "/*",
                }
            ],
        },
    )


def test_cloudwatch_role_for_api_gateway(seed: Template) -> None:
    seed.resource_count_is("AWS::ApiGateway::Account", 1)
    seed.has_resource_properties(
        "AWS::IAM::Role",
        {
            "AssumeRolePolicyDocument": Match.object_like(
                {
                    "Statement": [
                        Match.object_like({"Principal": {"Service": "apigateway.amazonaws.com"}})
                    ]
                }
            )
        },
    )


def test_usage_plan_throttles_and_holds_the_key(seed: Template, seed_of_type: Any) -> None:
    seed.has_resource_properties(
        "AWS::ApiGateway::UsagePlan",
        {
            "UsagePlanName": "trading-usage-plan-dev",
            "Throttle": {"RateLimit": 1000, "BurstLimit": 2000},
            "ApiStages": [Match.object_like({"Stage": {"Ref": Match.string_like_regexp("Stage")}})],
        },
    )
    (key_id,) = seed_of_type("AWS::ApiGateway::ApiKey")
    seed.has_resource_properties(
        "AWS::ApiGateway::ApiKey", {"Name": "trading-api-key-dev", "Enabled": True}
    )
    (plan_id,) = seed_of_type("AWS::ApiGateway::UsagePlan")
    seed.has_resource_properties(
        "AWS::ApiGateway::UsagePlanKey",
        {"KeyId": {"Ref": key_id}, "KeyType": "API_KEY", "UsagePlanId": {"Ref": plan_id}},
    )
