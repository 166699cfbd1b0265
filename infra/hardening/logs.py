"""Audit logs: a customer-managed key for them, the access-log bucket, and one Aspect that
encrypts and retains every CloudWatch log group of the stack (PCI DSS v4.0.1 10.5.1)."""

from __future__ import annotations

import jsii
from aws_cdk import IAspect, RemovalPolicy, Stack
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_logs as logs
from aws_cdk import aws_s3 as s3
from constructs import Construct, IConstruct

#: Twelve months at least, three of them immediately available (CloudWatch Logs is online).
LOG_RETENTION_DAYS = 365


class LogArchive(Construct):
    """The key that encrypts the platform's logs and the bucket that receives S3 access logs."""

    def __init__(
        self, scope: Construct, construct_id: str, *, suffix: str, account: str, retain: bool
    ) -> None:
        super().__init__(scope, construct_id)
        stack = Stack.of(self)
        self.key = kms.Key(
            self,
            "LogsEncryptionKey",
            enable_key_rotation=True,
            description="KMS key for audit logs (CloudWatch Logs, S3 access logs)",
            removal_policy=RemovalPolicy.RETAIN if retain else RemovalPolicy.DESTROY,
        )
        kms.Alias(
            self,
            "LogsEncryptionKeyAlias",
            alias_name=f"alias/logs-key-{suffix}",
            target_key=self.key,
        )
        self.key.add_to_resource_policy(
            iam.PolicyStatement(
                sid="CloudWatchLogsOfThisAccount",
                principals=[iam.ServicePrincipal(f"logs.{stack.region}.amazonaws.com")],
                actions=[
                    "kms:Encrypt*",
                    "kms:Decrypt*",
                    "kms:ReEncrypt*",
                    "kms:GenerateDataKey*",
                    "kms:Describe*",
                ],
                resources=["*"],
                conditions={
                    "ArnLike": {
                        "kms:EncryptionContext:aws:logs:arn": (
                            f"arn:{stack.partition}:logs:{stack.region}:{account}:log-group:*"
                        )
                    }
                },
            )
        )
        self.key.add_to_resource_policy(
            iam.PolicyStatement(
                sid="S3ServerAccessLogDelivery",
                principals=[iam.ServicePrincipal("logging.s3.amazonaws.com")],
                actions=["kms:GenerateDataKey*", "kms:Decrypt"],
                resources=["*"],
                conditions={"StringEquals": {"aws:SourceAccount": account}},
            )
        )
        self.access_logs = s3.Bucket(
            self,
            "AccessLogsBucket",
            bucket_name=f"trading-access-logs-{suffix}-{account}",
            encryption=s3.BucketEncryption.KMS,
            encryption_key=self.key,
            versioned=True,
            enforce_ssl=True,
            block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
            object_ownership=s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
            removal_policy=RemovalPolicy.RETAIN if retain else RemovalPolicy.DESTROY,
            auto_delete_objects=not retain,
        )


@jsii.implements(IAspect)
class EncryptedRetainedLogGroups:
    """Every ``AWS::Logs::LogGroup`` gets the log key and at least a year of retention."""

    def __init__(self, key: kms.IKey, days: int = LOG_RETENTION_DAYS) -> None:
        self.key = key
        self.days = days

    def visit(self, node: IConstruct) -> None:
        """Encrypt and retain ``node`` when it is a log group."""
        if not isinstance(node, logs.CfnLogGroup):
            return
        node.kms_key_id = self.key.key_arn
        retention = node.retention_in_days
        if not isinstance(retention, int | float) or retention < self.days:
            node.retention_in_days = self.days
