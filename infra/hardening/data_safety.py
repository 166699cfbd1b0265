"""Prod never destroys data: one Aspect over the stack's stateful resources."""

from __future__ import annotations

import jsii
from aws_cdk import CfnResource, IAspect, RemovalPolicy
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_rds as rds
from constructs import IConstruct

#: The resource types that hold data (or the keys and logs without which it is lost).
STATEFUL_TYPES = frozenset(
    {
        "AWS::S3::Bucket",
        "AWS::RDS::DBCluster",
        "AWS::RDS::DBInstance",
        "AWS::DynamoDB::Table",
        "AWS::KMS::Key",
        "AWS::Logs::LogGroup",
        "AWS::SecretsManager::Secret",
    }
)


@jsii.implements(IAspect)
class RetainData:
    """RETAIN on every stateful resource, deletion protection on database clusters and
    point-in-time recovery on tables. Bucket auto-delete is a custom resource CDK adds at
    construction: the buckets of a retaining environment are built without it."""

    def visit(self, node: IConstruct) -> None:
        """Protect ``node`` when it holds data."""
        if not isinstance(node, CfnResource) or node.cfn_resource_type not in STATEFUL_TYPES:
            return
        node.apply_removal_policy(RemovalPolicy.RETAIN)
        if isinstance(node, rds.CfnDBCluster):
            node.deletion_protection = True
        if isinstance(node, dynamodb.CfnTable):
            node.point_in_time_recovery_specification = (
                dynamodb.CfnTable.PointInTimeRecoverySpecificationProperty(
                    point_in_time_recovery_enabled=True
                )
            )
