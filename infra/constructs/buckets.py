"""The data buckets (ingestion, analytics, archival) and the bucket settings the seed repeats."""

from __future__ import annotations

from collections.abc import Sequence

from aws_cdk import Duration, RemovalPolicy
from aws_cdk import aws_kms as kms
from aws_cdk import aws_s3 as s3
from constructs import Construct

#: Days after which the seed moves objects to a colder storage class.
TRANSITION_AFTER_DAYS = 90


def seed_bucket(
    scope: Construct,
    construct_id: str,
    *,
    bucket_name: str,
    encryption_key: kms.IKey,
    lifecycle_rules: Sequence[s3.LifecycleRule] | None = None,
    retain: bool = False,
    access_logs: s3.IBucket | None = None,
) -> s3.Bucket:
    """A bucket as the seed writes every one: KMS, versioned, SSL only, no public access.

    The seed destroys it with its objects on stack deletion; ``retain`` keeps both. With
    ``access_logs``, server access logs go there under the bucket's name.
    """
    return s3.Bucket(
        scope,
        construct_id,
        bucket_name=bucket_name,
        encryption=s3.BucketEncryption.KMS,
        encryption_key=encryption_key,
        versioned=True,
        enforce_ssl=True,
        block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
        removal_policy=RemovalPolicy.RETAIN if retain else RemovalPolicy.DESTROY,
        auto_delete_objects=not retain,
        lifecycle_rules=lifecycle_rules,
        server_access_logs_bucket=access_logs,
        server_access_logs_prefix=f"{construct_id}/" if access_logs else None,
    )


def _transition_to(storage_class: s3.StorageClass) -> list[s3.LifecycleRule]:
    transition = s3.Transition(
        storage_class=storage_class, transition_after=Duration.days(TRANSITION_AFTER_DAYS)
    )
    return [s3.LifecycleRule(enabled=True, transitions=[transition])]


class DataBuckets(Construct):
    """Ingestion and analytics (to Glacier) and archival (to Deep Archive) buckets."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        suffix: str,
        account: str,
        encryption_key: kms.IKey,
        retain: bool = False,
        access_logs: s3.IBucket | None = None,
    ) -> None:
        super().__init__(scope, construct_id)
        self.ingestion = seed_bucket(
            self,
            "IngestionBucket",
            bucket_name=f"trading-ingestion-{suffix}-{account}",
            encryption_key=encryption_key,
            lifecycle_rules=_transition_to(s3.StorageClass.GLACIER),
            retain=retain,
            access_logs=access_logs,
        )
        self.analytics = seed_bucket(
            self,
            "AnalyticsBucket",
            bucket_name=f"trading-analytics-{suffix}-{account}",
            encryption_key=encryption_key,
            lifecycle_rules=_transition_to(s3.StorageClass.GLACIER),
            retain=retain,
            access_logs=access_logs,
        )
        self.archival = seed_bucket(
            self,
            "ArchivalBucket",
            bucket_name=f"trading-archival-{suffix}-{account}",
            encryption_key=encryption_key,
            lifecycle_rules=_transition_to(s3.StorageClass.DEEP_ARCHIVE),
            retain=retain,
            access_logs=access_logs,
        )
