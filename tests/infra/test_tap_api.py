"""The REST API: POST /data behind an API key, access logging, the usage plan and its key."""

from __future__ import annotations

from typing import Any

from aws_cdk.assertions import Match, Template


def test_rest_api(dev: Template) -> None:
    dev.resource_count_is("AWS::ApiGateway::RestApi", 1)
    dev.has_resource_properties(
        "AWS::ApiGateway::RestApi",
        {"Name": "trading-api-dev", "Description": "API for trading analytics platform"},
    )
    dev.has_resource_properties("AWS::ApiGateway::Resource", {"PathPart": "data"})


def test_post_data_requires_an_api_key(dev: Template, of_type: Any) -> None:
    dev.resource_count_is("AWS::ApiGateway::Method", 1)
    (function_id,) = [
        logical_id
        for logical_id, function in of_type("AWS::Lambda::Function").items()
        if function["Properties"].get("FunctionName") == "data-processor-dev"
    ]
    dev.has_resource_properties(
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


def test_stage_logs_access_and_execution(dev: Template, of_type: Any) -> None:
    (log_group_id,) = [
        logical_id
        for logical_id, group in of_type("AWS::Logs::LogGroup").items()
        if group["Properties"]["LogGroupName"] == "/aws/apigateway/trading-api-dev"
    ]
    dev.has_resource(
        "AWS::Logs::LogGroup",
        {"Properties": Match.object_like({"RetentionInDays": 30}), "DeletionPolicy": "Delete"},
    )
    dev.has_resource_properties(
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


def test_cloudwatch_role_for_api_gateway(dev: Template) -> None:
    dev.resource_count_is("AWS::ApiGateway::Account", 1)
    dev.has_resource_properties(
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


def test_usage_plan_throttles_and_holds_the_key(dev: Template, of_type: Any) -> None:
    dev.has_resource_properties(
        "AWS::ApiGateway::UsagePlan",
        {
            "UsagePlanName": "trading-usage-plan-dev",
            "Throttle": {"RateLimit": 1000, "BurstLimit": 2000},
            "ApiStages": [Match.object_like({"Stage": {"Ref": Match.string_like_regexp("Stage")}})],
        },
    )
    (key_id,) = of_type("AWS::ApiGateway::ApiKey")
    dev.has_resource_properties(
        "AWS::ApiGateway::ApiKey", {"Name": "trading-api-key-dev", "Enabled": True}
    )
    (plan_id,) = of_type("AWS::ApiGateway::UsagePlan")
    dev.has_resource_properties(
        "AWS::ApiGateway::UsagePlanKey",
        {"KeyId": {"Ref": key_id}, "KeyType": "API_KEY", "UsagePlanId": {"Ref": plan_id}},
    )
