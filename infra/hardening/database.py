"""The database's log exports, its credentials under a customer-managed key."""

from __future__ import annotations

from aws_cdk import RemovalPolicy
from aws_cdk import aws_kms as kms
from aws_cdk import aws_logs as logs
from aws_cdk import aws_rds as rds
from aws_cdk import aws_secretsmanager as secretsmanager
from constructs import Construct

#: Aurora PostgreSQL's one log type.
LOG_EXPORTS = ("postgresql",)


class DatabaseLogging(Construct):
    """Exports PostgreSQL logs to a log group declared before the cluster (so that RDS does
    not create it unencrypted first); names the cluster so that the group's name is known."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        suffix: str,
        cluster: rds.DatabaseCluster,
        secret_key: kms.IKey,
    ) -> None:
        super().__init__(scope, construct_id)
        identifier = f"trading-db-{suffix}"
        cfn_cluster = cluster.node.default_child
        assert isinstance(cfn_cluster, rds.CfnDBCluster)
        cfn_cluster.db_cluster_identifier = identifier
        cfn_cluster.enable_cloudwatch_logs_exports = list(LOG_EXPORTS)
        self.log_groups = [
            logs.LogGroup(
                self,
                f"{log_type.capitalize()}LogGroup",
                log_group_name=f"/aws/rds/cluster/{identifier}/{log_type}",
                removal_policy=RemovalPolicy.DESTROY,
            )
            for log_type in LOG_EXPORTS
        ]
        for log_group in self.log_groups:
            cfn_cluster.node.add_dependency(log_group)
        # cluster.secret is the attachment; the generated secret is the cluster's child
        secret = cluster.node.find_child("Secret")
        cfn_secret = secret.node.default_child
        assert isinstance(cfn_secret, secretsmanager.CfnSecret)
        cfn_secret.kms_key_id = secret_key.key_arn
