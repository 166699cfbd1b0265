"""The data-processing Lambda (ARM64, Node.js 18 as in the seed) and its execution role."""

from __future__ import annotations

from collections.abc import Sequence

from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from aws_cdk import aws_s3 as s3
from constructs import Construct

from infra.statements import regional_deny

#: The seed's inline handler, byte for byte (template-literal whitespace included).
HANDLER_SOURCE = """
        exports.handler = async (event) => {
          console.log('Processing data:', JSON.stringify(event));
          return { statusCode: 200, body: 'Data processed successfully' };
        };
      """


class DataProcessing(Construct):
    """The function that reads ingested data and writes analytics, with least-privilege grants."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        suffix: str,
        allowed_regions: Sequence[str],
        environment_key: kms.IKey,
        sessions_table: dynamodb.ITable,
        api_keys_table: dynamodb.ITable,
        ingestion_bucket: s3.IBucket,
        analytics_bucket: s3.IBucket,
    ) -> None:
        super().__init__(scope, construct_id)
        self.role = iam.Role(
            self,
            "DataProcessingLambdaRole",
            assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"),
            description="Role for data processing Lambda function with least-privilege access",
            managed_policies=[
                iam.ManagedPolicy.from_aws_managed_policy_name(
                    "service-role/AWSLambdaVPCAccessExecutionRole"
                )
            ],
        )
        self.role.add_to_policy(regional_deny(allowed_regions))
        self.function = lambda_.Function(
            self,
            "DataProcessingFunction",
            function_name=f"data-processor-{suffix}",
            runtime=lambda_.Runtime.NODEJS_18_X,
            handler="index.handler",
            code=lambda_.Code.from_inline(HANDLER_SOURCE),
            architecture=lambda_.Architecture.ARM_64,
            environment={
                "ENVIRONMENT": suffix,
                "SESSIONS_TABLE": sessions_table.table_name,
                "API_KEYS_TABLE": api_keys_table.table_name,
            },
            environment_encryption=environment_key,
            log_retention=logs.RetentionDays.ONE_MONTH,
            role=self.role,
        )
        sessions_table.grant_read_write_data(self.function)
        api_keys_table.grant_read_write_data(self.function)
        ingestion_bucket.grant_read(self.function)
        analytics_bucket.grant_write(self.function)
