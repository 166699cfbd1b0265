"""The trading REST API: ``POST /data`` behind an API key, access-logged, with a usage plan."""

from __future__ import annotations

from aws_cdk import RemovalPolicy
from aws_cdk import aws_apigateway as apigateway
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from constructs import Construct

#: Usage-plan throttle (requests per second, burst), as in the seed.
RATE_LIMIT = 1000
BURST_LIMIT = 2000


class TradingApi(Construct):
    """API Gateway REST API whose stage is named after the environment suffix."""

    def __init__(
        self, scope: Construct, construct_id: str, *, suffix: str, handler: lambda_.IFunction
    ) -> None:
        super().__init__(scope, construct_id)
        self.log_group = logs.LogGroup(
            self,
            "ApiGatewayLogGroup",
            log_group_name=f"/aws/apigateway/trading-api-{suffix}",
            retention=logs.RetentionDays.ONE_MONTH,
            removal_policy=RemovalPolicy.DESTROY,
        )
        self.rest_api = apigateway.RestApi(
            self,
            "TradingApi",
            rest_api_name=f"trading-api-{suffix}",
            description="API for trading analytics platform",
            deploy_options=apigateway.StageOptions(
                stage_name=suffix,
                logging_level=apigateway.MethodLoggingLevel.INFO,
                data_trace_enabled=True,
                access_log_destination=apigateway.LogGroupLogDestination(self.log_group),
                access_log_format=apigateway.AccessLogFormat.json_with_standard_fields(
                    caller=True,
                    http_method=True,
                    ip=True,
                    protocol=True,
                    request_time=True,
                    resource_path=True,
                    response_length=True,
                    status=True,
                    user=True,
                ),
            ),
            cloud_watch_role=True,
        )
        data = self.rest_api.root.add_resource("data")
        data.add_method("POST", apigateway.LambdaIntegration(handler), api_key_required=True)

        self.usage_plan = self.rest_api.add_usage_plan(
            "UsagePlan",
            name=f"trading-usage-plan-{suffix}",
            throttle=apigateway.ThrottleSettings(rate_limit=RATE_LIMIT, burst_limit=BURST_LIMIT),
        )
        self.usage_plan.add_api_stage(stage=self.rest_api.deployment_stage)
        self.api_key = self.rest_api.add_api_key("ApiKey", api_key_name=f"trading-api-key-{suffix}")
        self.usage_plan.add_api_key(self.api_key)
