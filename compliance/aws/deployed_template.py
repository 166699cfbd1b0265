"""The stack runs the gated template: GetTemplate's processed body of the stack and of each
nested stack, hashed and compared with the gated SHA-256; DescribeStacks: a complete state.

CloudFormation returns the body as it was sent (JSON text, hashed as received:
:func:`compliance.aws.stack.template_sha256`); with no transform the processed body is the original
(https://docs.aws.amazon.com/AWSCloudFormation/latest/APIReference/API_GetTemplate.html).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from compliance.aws.errors import AWS_ERRORS, AwsFailure, describe_error
from compliance.aws.stack import template_sha256
from compliance.record.findings import DeployedTemplate

#: States in which the stack's resources are those of its current template.
COMPLETE = frozenset({"CREATE_COMPLETE", "UPDATE_COMPLETE", "IMPORT_COMPLETE"})
NESTED = "AWS::CloudFormation::Stack"


def check_templates(
    cloudformation: Any,
    stack: str,
    name: str,
    gated_sha256: str,
    nested: Mapping[str, tuple[str, str | None]] = {},
) -> list[DeployedTemplate]:
    """The stack's template and each nested stack's (logical id → (physical id, gated
    SHA-256, None when the gated assembly has no template for it)) against the gated ones."""
    checks = [_check(cloudformation, stack, name, gated_sha256, None)]
    for logical_id, (physical, gated) in sorted(nested.items()):
        checks.append(_check(cloudformation, physical, name, gated, logical_id))
    return checks


def _check(
    cloudformation: Any, stack: str, name: str, gated: str | None, logical_id: str | None
) -> DeployedTemplate:
    shown = f"{name}/{logical_id}" if logical_id else name
    try:
        described = cloudformation.describe_stacks(StackName=stack)["Stacks"][0]
        status = str(described.get("StackStatus"))
        sha = template_sha256(cloudformation, stack, stage="Processed")
    except (AwsFailure, *AWS_ERRORS) as error:
        problem = str(error) if isinstance(error, AwsFailure) else describe_error(error)
        return DeployedTemplate(
            stack=shown,
            logical_id=logical_id,
            gated_sha256=gated,
            matches=False,
            message=f"the deployed template could not be read: {problem}",
        )
    if gated is None:
        message = f"deployed template sha256 {sha}: no gated template for this nested stack"
        matches = False
    elif sha != gated:
        message, matches = f"deployed template differs: sha256 {sha}, gated {gated}", False
    else:
        message, matches = f"deployed template is the gated one (sha256 {sha})", True
    if status not in COMPLETE:
        message += f"; the stack is {status}, not in a complete state"
        matches = False
    return DeployedTemplate(
        stack=shown,
        logical_id=logical_id,
        stack_status=status,
        sha256=sha,
        gated_sha256=gated,
        matches=matches,
        message=message,
    )
