"""``TapStack``: the trading analytics platform for one environment, wired from its constructs."""

from __future__ import annotations

from aws_cdk import CfnOutput, Environment, Stack, Tags
from constructs import Construct

from infra.constructs.api import TradingApi
from infra.constructs.buckets import DataBuckets
from infra.constructs.database import Database
from infra.constructs.governance import Governance
from infra.constructs.keys import EncryptionKeys
from infra.constructs.network import Network
from infra.constructs.processing import DataProcessing
from infra.constructs.tables import Tables
from infra.environments import EnvironmentConfig
from infra.platform import PlatformSettings


class TapStack(Stack):
    """VPC, keys, Aurora, DynamoDB, S3, Lambda, API Gateway and AWS Config for one environment."""

    def __init__(
        self,
        scope: Construct,
        *,
        environment: EnvironmentConfig,
        platform: PlatformSettings,
    ) -> None:
        super().__init__(
            scope,
            environment.stack_name,
            stack_name=environment.stack_name,
            env=Environment(account=environment.account, region=environment.region),
        )
        suffix = environment.suffix
        account = environment.account

        network = Network(self, "Network", suffix=suffix)
        keys = EncryptionKeys(self, "Keys", suffix=suffix)
        database = Database(self, "Database", vpc=network.vpc, encryption_key=keys.database)
        tables = Tables(self, "Tables", suffix=suffix, encryption_key=keys.dynamodb)
        buckets = DataBuckets(
            self, "Buckets", suffix=suffix, account=account, encryption_key=keys.s3
        )
        processing = DataProcessing(
            self,
            "Processing",
            suffix=suffix,
            allowed_regions=environment.allowed_regions,
            environment_key=keys.lambda_env,
            sessions_table=tables.sessions,
            api_keys_table=tables.api_keys,
            ingestion_bucket=buckets.ingestion,
            analytics_bucket=buckets.analytics,
        )
        api = TradingApi(self, "Api", suffix=suffix, handler=processing.function)
        Governance(
            self,
            "Governance",
            suffix=suffix,
            account=account,
            allowed_regions=environment.allowed_regions,
            encryption_key=keys.s3,
            rules=platform.config_rules,
        )

        for key, value in {"Environment": suffix, **platform.tags}.items():
            Tags.of(self).add(key, value)

        outputs = {
            "VpcId": (network.vpc.vpc_id, "VPC ID", "VpcId"),
            "DatabaseEndpoint": (
                database.cluster.cluster_endpoint.hostname,
                "Database cluster endpoint",
                "DatabaseEndpoint",
            ),
            "ApiUrl": (api.rest_api.url, "API Gateway URL", "ApiUrl"),
            "IngestionBucketName": (
                buckets.ingestion.bucket_name,
                "Ingestion S3 bucket name",
                "IngestionBucket",
            ),
            "AnalyticsBucketName": (
                buckets.analytics.bucket_name,
                "Analytics S3 bucket name",
                "AnalyticsBucket",
            ),
            "ArchivalBucketName": (
                buckets.archival.bucket_name,
                "Archival S3 bucket name",
                "ArchivalBucket",
            ),
        }
        for output_id, (value, description, export) in outputs.items():
            CfnOutput(
                self,
                output_id,
                value=value,
                description=description,
                export_name=f"{export}-{suffix}",
            )
