"""The data-processing Lambda (ARM64, Node.js 18 as in the seed) and its execution role."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_ec2 as ec2
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
        allowed_regions: Sequence[str] | None,
        environment_key: kms.IKey,
        sessions_table: dynamodb.ITable,
        api_keys_table: dynamodb.ITable,
        ingestion_bucket: s3.IBucket,
        analytics_bucket: s3.IBucket,
        vpc: ec2.IVpc | None = None,
        log_group: logs.ILogGroup | None = None,
        managed_grants: bool = False,
    ) -> None:
        """The seed's function runs outside any VPC, logs through CDK's log-retention helper
        and carries a hand-written regional deny (``allowed_regions``; None: none). ``vpc``
        puts it in the private subnets with its own security group, ``log_group`` names its
        log group, ``managed_grants`` sends its grants to a customer-managed policy."""
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
        if allowed_regions is not None:
            self.role.add_to_policy(regional_deny(allowed_regions))
        placement: dict[str, Any] = {"log_retention": logs.RetentionDays.ONE_MONTH}
        if log_group is not None:
            placement = {"log_group": log_group}
        if vpc is not None:
            self.security_group = ec2.SecurityGroup(
                self,
                "FunctionSecurityGroup",
                vpc=vpc,
                description="data-processing Lambda: no inbound, HTTPS out to AWS APIs",
                allow_all_outbound=False,
            )
            self.security_group.add_egress_rule(
                ec2.Peer.any_ipv4(), ec2.Port.tcp(443), "AWS APIs over TLS (NAT, endpoints)"
            )
            placement |= {
                "vpc": vpc,
                "vpc_subnets": ec2.SubnetSelection(subnet_type=ec2.SubnetType.PRIVATE_WITH_EGRESS),
                "security_groups": [self.security_group],
            }
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
            role=self.role,
            **placement,
        )
        grantee: iam.IGrantable = self.function
        if managed_grants:
            grantee = iam.ManagedPolicy(self, "DataProcessingPolicy", roles=[self.role])
            self.function.node.add_dependency(grantee)
        sessions_table.grant_read_write_data(grantee)
        api_keys_table.grant_read_write_data(grantee)
        ingestion_bucket.grant_read(grantee)
        analytics_bucket.grant_write(grantee)
