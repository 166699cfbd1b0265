"""The trading database: Aurora PostgreSQL 15.3 Serverless v2 in the private subnets."""

from __future__ import annotations

from aws_cdk import Duration, RemovalPolicy
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_kms as kms
from aws_cdk import aws_rds as rds
from constructs import Construct


class Database(Construct):
    """One serverless v2 writer (0.5-2 ACU), storage encrypted with the database key."""

    def __init__(
        self, scope: Construct, construct_id: str, *, vpc: ec2.IVpc, encryption_key: kms.IKey
    ) -> None:
        super().__init__(scope, construct_id)
        self.cluster = rds.DatabaseCluster(
            self,
            "TradingDatabase",
            engine=rds.DatabaseClusterEngine.aurora_postgres(
                version=rds.AuroraPostgresEngineVersion.VER_15_3
            ),
            serverless_v2_min_capacity=0.5,
            serverless_v2_max_capacity=2,
            writer=rds.ClusterInstance.serverless_v2("writer"),
            vpc=vpc,
            vpc_subnets=ec2.SubnetSelection(subnet_type=ec2.SubnetType.PRIVATE_WITH_EGRESS),
            storage_encrypted=True,
            storage_encryption_key=encryption_key,
            backup=rds.BackupProps(retention=Duration.days(7)),
            removal_policy=RemovalPolicy.DESTROY,
        )
