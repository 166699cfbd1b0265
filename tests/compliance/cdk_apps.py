"""CDK app factories for the engine's tests (``--app tests.compliance.cdk_apps:NAME``)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any


def crashing_app(*, outdir: str | Path, env_names: Sequence[str] | None = None) -> Any:
    """A user's app that raises while it is built (an invalid bucket name)."""
    from aws_cdk import App, Stack
    from aws_cdk import aws_s3 as s3

    app = App(outdir=str(outdir))
    s3.Bucket(Stack(app, "Broken"), "Bucket", bucket_name="Not_A_Valid_Bucket_Name")
    return app


def acknowledging_app(*, outdir: str | Path, env_names: Sequence[str] | None = None) -> Any:
    """A user's app that acknowledges (suppresses) a cdk-nag rule on its bucket."""
    from aws_cdk import Acknowledgment, App, Stack, Validations
    from aws_cdk import aws_s3 as s3

    app = App(outdir=str(outdir))
    bucket = s3.Bucket(Stack(app, "Acknowledging"), "Bucket")
    Validations.of(bucket).acknowledge(
        Acknowledgment(
            id="PCI.DSS.321::PCI.DSS.321-S3BucketSSLRequestsOnly",
            reason="TLS is enforced by the proxy in front of it",
        )
    )
    return app


def bucket_app(*, outdir: str | Path, env_names: Sequence[str] | None = None) -> Any:
    """One stack with one default S3 bucket (no logging, no TLS-only policy) and one resource
    no pack judges."""
    from aws_cdk import App, CfnResource, Stack
    from aws_cdk import aws_s3 as s3

    app = App(outdir=str(outdir))
    stack = Stack(app, "Buckets")
    s3.Bucket(stack, "Bucket")
    CfnResource(stack, "Handle", type="AWS::CloudFormation::WaitConditionHandle")
    return app


def empty_app(*, outdir: str | Path, env_names: Sequence[str] | None = None) -> Any:
    """One stack whose only resource no pack judges: every pack reports no violation."""
    from aws_cdk import App, CfnResource, Stack

    app = App(outdir=str(outdir))
    CfnResource(Stack(app, "Empty"), "Handle", type="AWS::CloudFormation::WaitConditionHandle")
    return app
