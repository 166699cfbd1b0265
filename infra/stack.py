"""``TapStack``: the trading analytics platform for one environment, wired from its constructs."""

from __future__ import annotations

from aws_cdk import Aspects, CfnOutput, Environment, RemovalPolicy, Stack, Tags
from aws_cdk import aws_logs as logs
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
from infra.hardening.api import ApiTransport
from infra.hardening.config_rules import RegionalDenyConfigRule, regional_deny_policy_name
from infra.hardening.data_safety import RetainData
from infra.hardening.database import DatabaseLogging
from infra.hardening.firewall import ApiFirewall
from infra.hardening.logs import EncryptedRetainedLogGroups, LogArchive
from infra.hardening.network import FlowLogs, no_public_ip_on_launch
from infra.hardening.regional_deny import RegionalDenyAspect
from infra.platform_settings import PlatformSettings


class TapStack(Stack):
    """VPC, keys, Aurora, DynamoDB, S3, Lambda, API Gateway and AWS Config for one environment.

    ``hardened=False`` builds the platform exactly as the seed writes it (the "before");
    ``hardened=True`` adds the hardening layer of ``infra/hardening``: its constructs, its
    Aspects, and the few construction-time choices CDK accepts only as props.
    """

    def __init__(
        self,
        scope: Construct,
        *,
        environment: EnvironmentConfig,
        platform: PlatformSettings,
        hardened: bool = True,
    ) -> None:
        super().__init__(
            scope,
            environment.stack_name,
            stack_name=environment.stack_name,
            env=Environment(account=environment.account, region=environment.region),
        )
        suffix = environment.suffix
        account = environment.account
        retain = hardened and environment.retain_data
        # The seed writes the regional deny by hand on its two roles; hardened, one Aspect
        # puts it on every role instead.
        hand_written_deny = None if hardened else environment.allowed_regions

        network = Network(self, "Network", suffix=suffix)
        keys = EncryptionKeys(self, "Keys", suffix=suffix)
        archive = (
            LogArchive(self, "Logs", suffix=suffix, account=account, retain=retain)
            if hardened
            else None
        )
        access_logs = archive.access_logs if archive else None
        database = Database(self, "Database", vpc=network.vpc, encryption_key=keys.database)
        tables = Tables(self, "Tables", suffix=suffix, encryption_key=keys.dynamodb)
        buckets = DataBuckets(
            self,
            "Buckets",
            suffix=suffix,
            account=account,
            encryption_key=keys.s3,
            retain=retain,
            access_logs=access_logs,
        )
        processing = DataProcessing(
            self,
            "Processing",
            suffix=suffix,
            allowed_regions=hand_written_deny,
            environment_key=keys.lambda_env,
            sessions_table=tables.sessions,
            api_keys_table=tables.api_keys,
            ingestion_bucket=buckets.ingestion,
            analytics_bucket=buckets.analytics,
            vpc=network.vpc if hardened else None,
            log_group=(
                logs.LogGroup(
                    self,
                    "ProcessingLogGroup",
                    log_group_name=f"/aws/lambda/data-processor-{suffix}",
                    removal_policy=RemovalPolicy.DESTROY,
                )
                if hardened
                else None
            ),
            managed_grants=hardened,
        )
        api = TradingApi(self, "Api", suffix=suffix, handler=processing.function)
        governance = Governance(
            self,
            "Governance",
            suffix=suffix,
            account=account,
            allowed_regions=hand_written_deny,
            encryption_key=keys.s3,
            rules=[*platform.config_rules, *(platform.hardening_config_rules if hardened else [])],
            retain=retain,
            access_logs=access_logs,
            managed_grants=hardened,
        )
        if archive is not None:
            FlowLogs(self, "FlowLogs", suffix=suffix, vpc=network.vpc)
            no_public_ip_on_launch(network.vpc)
            DatabaseLogging(
                self,
                "DatabaseLogging",
                suffix=suffix,
                cluster=database.cluster,
                secret_key=keys.database,
            )
            ApiFirewall(self, "Firewall", suffix=suffix, stage=api.rest_api.deployment_stage)
            ApiTransport(self, "ApiTransport", suffix=suffix, api=api.rest_api)
            RegionalDenyConfigRule(
                self,
                "RegionalDenyConfigRule",
                suffix=suffix,
                allowed_regions=environment.allowed_regions,
                after=[governance.recorder, governance.delivery_channel],
            )
            deny = RegionalDenyAspect(
                self,
                policy_name=regional_deny_policy_name(suffix),
                allowed_regions=environment.allowed_regions,
            )
            Aspects.of(self).add(deny)
            Aspects.of(self).add(EncryptedRetainedLogGroups(archive.key))
            if retain:
                Aspects.of(self).add(RetainData())

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
