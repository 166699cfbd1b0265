"""One Aspect that puts the regional deny on every IAM role of a stack, CDK's own included."""

from __future__ import annotations

from collections.abc import Sequence

import jsii
from aws_cdk import CfnResource, IAspect, Stack
from aws_cdk import aws_iam as iam
from constructs import IConstruct

from infra.statements import regional_deny

ROLE_TYPE = "AWS::IAM::Role"


@jsii.implements(IAspect)
class RegionalDenyAspect:
    """Attaches one customer-managed policy, denying every action outside ``allowed_regions``,
    to each ``AWS::IAM::Role`` in the stack: the roles the platform declares and those CDK
    generates (custom-resource providers, the API Gateway CloudWatch role, ...), which no
    construct prop reaches. Only the Deny is in that policy (see TAP-IAM-04's proof)."""

    def __init__(self, stack: Stack, *, policy_name: str, allowed_regions: Sequence[str]) -> None:
        self.policy = iam.CfnManagedPolicy(
            stack,
            "RegionalDenyPolicy",
            managed_policy_name=policy_name,
            description="Deny every action requested outside the allowed regions",
            policy_document=iam.PolicyDocument(statements=[regional_deny(allowed_regions)]),
            roles=[],
        )
        self._roles: list[str] = []

    def visit(self, node: IConstruct) -> None:
        """Attach the policy to ``node`` when it is an IAM role."""
        if not CfnResource.is_cfn_resource(node):
            return
        resource = node if isinstance(node, CfnResource) else None
        if resource is None or resource.cfn_resource_type != ROLE_TYPE:
            return
        self._roles.append(resource.ref)
        self.policy.roles = list(self._roles)
