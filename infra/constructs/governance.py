"""AWS Config: its delivery bucket and role, the recorder, the delivery channel and the rules."""

from __future__ import annotations

from collections.abc import Sequence

from aws_cdk import aws_config as config
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_s3 as s3
from constructs import Construct

from infra.constructs.buckets import seed_bucket
from infra.platform_settings import ConfigRuleSpec
from infra.statements import regional_deny


class Governance(Construct):
    """Records every supported resource and evaluates the managed rules it is given."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        suffix: str,
        account: str,
        allowed_regions: Sequence[str] | None,
        encryption_key: kms.IKey,
        rules: Sequence[ConfigRuleSpec],
        retain: bool = False,
        access_logs: s3.IBucket | None = None,
        managed_grants: bool = False,
    ) -> None:
        """``allowed_regions``: the seed's hand-written regional deny on the role (None: none);
        ``managed_grants``: the role's grants go to a customer-managed policy, not inline."""
        super().__init__(scope, construct_id)
        self.bucket = seed_bucket(
            self,
            "ConfigBucket",
            bucket_name=f"config-bucket-{suffix}-{account}",
            encryption_key=encryption_key,
            retain=retain,
            access_logs=access_logs,
        )
        self.role = iam.Role(
            self,
            "ConfigRole",
            assumed_by=iam.ServicePrincipal("config.amazonaws.com"),
            managed_policies=[
                iam.ManagedPolicy.from_aws_managed_policy_name("service-role/ConfigRole")
            ],
        )
        grantee: iam.IGrantable = self.role
        if managed_grants:
            grantee = iam.ManagedPolicy(self, "ConfigRolePolicy", roles=[self.role])
        self.bucket.grant_write(grantee)
        encryption_key.grant_encrypt_decrypt(grantee)
        if allowed_regions is not None:
            self.role.add_to_policy(regional_deny(allowed_regions))

        self.recorder = config.CfnConfigurationRecorder(
            self,
            "ConfigRecorder",
            role_arn=self.role.role_arn,
            recording_group=config.CfnConfigurationRecorder.RecordingGroupProperty(
                all_supported=True, include_global_resource_types=True
            ),
        )
        if managed_grants:
            self.recorder.node.add_dependency(grantee)
        self.delivery_channel = config.CfnDeliveryChannel(
            self, "DeliveryChannel", s3_bucket_name=self.bucket.bucket_name
        )
        self.delivery_channel.add_dependency(self.recorder)

        self.rules: list[config.ManagedRule] = []
        for spec in rules:
            rule = config.ManagedRule(
                self, spec.id, identifier=spec.identifier, description=spec.description
            )
            rule.node.add_dependency(self.recorder, self.delivery_channel)
            self.rules.append(rule)
