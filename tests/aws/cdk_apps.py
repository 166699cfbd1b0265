"""Small CDK apps for the deployer's tests (``--app tests.aws.cdk_apps:NAME``).

Each declares the stacks of the environments asked for (``TapStack-<env>``, with the account
and region of ``infra/environments.yaml``), so that the gate and deploy treat them as the
platform's.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any


def _app(outdir: str | Path, env_names: Sequence[str] | None, body: Any) -> Any:
    from aws_cdk import App, Environment, Stack

    from infra.environments import load_environments

    app = App(outdir=str(outdir))
    for name, config in load_environments().items():
        if env_names and name not in env_names:
            continue
        stack = Stack(
            app,
            config.stack_name,
            env=Environment(account=config.account, region=config.region),
        )
        body(stack)
    return app


def _vault(stack: Any) -> None:
    from aws_cdk import CfnOutput
    from aws_cdk import aws_kms as kms
    from aws_cdk import aws_s3 as s3

    key = kms.Key(stack, "VaultKey", enable_key_rotation=True)
    bucket = s3.Bucket(
        stack,
        "Vault",
        encryption=s3.BucketEncryption.KMS,
        encryption_key=key,
        enforce_ssl=True,
        block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
    )
    CfnOutput(stack, "VaultName", value=bucket.bucket_name)


def vault_app(*, outdir: str | Path, env_names: Sequence[str] | None = None) -> Any:
    """One KMS-encrypted, TLS-only, private bucket and its key: passes the gate."""
    return _app(outdir, env_names, _vault)


def open_bucket_app(*, outdir: str | Path, env_names: Sequence[str] | None = None) -> Any:
    """A bucket with S3-managed encryption and public access allowed: fails the gate."""

    def body(stack: Any) -> None:
        from aws_cdk import aws_s3 as s3

        s3.Bucket(
            stack,
            "Open",
            encryption=s3.BucketEncryption.S3_MANAGED,
            block_public_access=s3.BlockPublicAccess(
                block_public_acls=False,
                block_public_policy=False,
                ignore_public_acls=False,
                restrict_public_buckets=False,
            ),
        )

    return _app(outdir, env_names, body)
