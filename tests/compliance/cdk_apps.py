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


def staged_app(*, outdir: str | Path, env_names: Sequence[str] | None = None) -> Any:
    """Every stack in Stages (none of the app's own), as a CDK Pipelines app writes them:

    - ``Prod/Data``: a fully public bucket and a role without the regional deny;
    - ``Prod/Reader``: a role reading ``Prod/Data``'s bucket (a cross-stack reference: an
      export of ``Prod/Data`` imported here);
    - ``Prod/Eu/Archive`` (a Stage in a Stage): a ``NestedStack`` ``Vault`` holding another
      public bucket whose missing TLS-only policy the app acknowledges to cdk-nag.
    """
    from aws_cdk import Acknowledgment, App, NestedStack, Stack, Stage, Validations
    from aws_cdk import aws_iam as iam
    from aws_cdk import aws_s3 as s3

    def public_bucket(scope: Any, name: str) -> Any:
        return s3.Bucket(
            scope,
            name,
            public_read_access=True,
            block_public_access=s3.BlockPublicAccess(
                block_public_acls=False,
                block_public_policy=False,
                ignore_public_acls=False,
                restrict_public_buckets=False,
            ),
        )

    app = App(outdir=str(outdir))
    prod = Stage(app, "Prod")
    data = Stack(prod, "Data")
    bucket = public_bucket(data, "Open")
    iam.Role(data, "Worker", assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"))
    reader = iam.Role(
        Stack(prod, "Reader"), "Reader", assumed_by=iam.ServicePrincipal("lambda.amazonaws.com")
    )
    bucket.grant_read(reader)  # the reader's policy names the bucket of Prod/Data
    vault = NestedStack(Stack(Stage(prod, "Eu"), "Archive"), "Vault")
    Validations.of(public_bucket(vault, "Kept")).acknowledge(
        Acknowledgment(
            id="PCI.DSS.321::PCI.DSS.321-S3BucketSSLRequestsOnly",
            reason="TLS is enforced by the proxy in front of it",
        )
    )
    return app


def lookup_app(*, outdir: str | Path, env_names: Sequence[str] | None = None) -> Any:
    """A stack that looks up a VPC its context does not hold (CDK then synthesizes a
    placeholder VPC) and places a public bucket beside it."""
    from aws_cdk import App, Environment, Stack
    from aws_cdk import aws_ec2 as ec2
    from aws_cdk import aws_s3 as s3

    app = App(outdir=str(outdir))
    stack = Stack(app, "Network", env=Environment(account="111111111111", region="eu-west-1"))
    vpc = ec2.Vpc.from_lookup(stack, "Vpc", vpc_id="vpc-0123456789abcdef0")
    ec2.SecurityGroup(stack, "Web", vpc=vpc)
    s3.Bucket(stack, "Bucket")
    return app


def stackless_app(*, outdir: str | Path, env_names: Sequence[str] | None = None) -> Any:
    """An app with a Stage and no stack anywhere."""
    from aws_cdk import App, Stage

    app = App(outdir=str(outdir))
    Stage(app, "Empty")
    return app
