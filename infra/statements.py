"""IAM statements the platform attaches to its roles."""

from __future__ import annotations

from collections.abc import Sequence

from aws_cdk import aws_iam as iam


def regional_deny(allowed_regions: Sequence[str]) -> iam.PolicyStatement:
    """Deny every action requested outside ``allowed_regions`` (``aws:RequestedRegion``)."""
    return iam.PolicyStatement(
        effect=iam.Effect.DENY,
        actions=["*"],
        resources=["*"],
        conditions={"StringNotEquals": {"aws:RequestedRegion": list(allowed_regions)}},
    )
