"""The VPC's flow logs and its public subnets without automatic public addresses."""

from __future__ import annotations

from aws_cdk import RemovalPolicy
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_iam as iam
from aws_cdk import aws_logs as logs
from constructs import Construct


class FlowLogs(Construct):
    """All traffic of the VPC to a log group (key and retention from the log Aspect)."""

    def __init__(self, scope: Construct, construct_id: str, *, suffix: str, vpc: ec2.Vpc) -> None:
        super().__init__(scope, construct_id)
        self.log_group = logs.LogGroup(
            self,
            "LogGroup",
            log_group_name=f"/aws/vpc/trading-vpc-{suffix}/flow-logs",
            removal_policy=RemovalPolicy.DESTROY,
        )
        role = iam.Role(
            self,
            "Role",
            assumed_by=iam.ServicePrincipal("vpc-flow-logs.amazonaws.com"),
            description="VPC flow logs delivery to CloudWatch Logs",
        )
        policy = iam.ManagedPolicy(
            self,
            "DeliveryPolicy",
            roles=[role],
            statements=[
                iam.PolicyStatement(
                    actions=[
                        "logs:CreateLogStream",
                        "logs:PutLogEvents",
                        "logs:DescribeLogStreams",
                    ],
                    resources=[self.log_group.log_group_arn],
                )
            ],
        )
        self.flow_log = ec2.CfnFlowLog(
            self,
            "FlowLog",
            resource_id=vpc.vpc_id,
            resource_type="VPC",
            traffic_type="ALL",
            log_destination_type="cloud-watch-logs",
            log_group_name=self.log_group.log_group_name,
            deliver_logs_permission_arn=role.role_arn,
        )
        self.flow_log.node.add_dependency(policy)


def no_public_ip_on_launch(vpc: ec2.Vpc) -> None:
    """Public subnets hold only the NAT gateways (Elastic IPs): no address is auto-assigned."""
    for subnet in vpc.public_subnets:
        cfn = subnet.node.default_child
        assert isinstance(cfn, ec2.CfnSubnet)
        cfn.map_public_ip_on_launch = False
