"""CloudFormation's drift detection: DetectStackDrift, waited for within a deadline, then
DescribeStackResourceDrifts (MODIFIED and DELETED). Where the endpoint cannot run it, the
check says "drift not available", never "no drift"
(https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/using-cfn-stack-drift.html).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from compliance.aws.errors import AWS_ERRORS, describe_error
from compliance.record.findings import DriftCheck, DriftedResource

DRIFTED = ["MODIFIED", "DELETED"]


def detect_drift(
    cloudformation: Any,
    stack: str,
    *,
    timeout: float = 120.0,
    poll: float = 2.0,
    sleep: Callable[[float], None] = time.sleep,
) -> DriftCheck:
    """Detect the stack's drift; a detection that cannot start or finish is not available."""
    try:
        detection = cloudformation.detect_stack_drift(StackName=stack)["StackDriftDetectionId"]
    except AWS_ERRORS as error:
        return DriftCheck(available=False, note=f"drift not available: {describe_error(error)}")
    deadline = time.monotonic() + timeout
    while True:
        try:
            status = cloudformation.describe_stack_drift_detection_status(
                StackDriftDetectionId=detection
            )
        except AWS_ERRORS as error:
            return DriftCheck(available=False, note=f"drift not available: {describe_error(error)}")
        state = status.get("DetectionStatus")
        if state == "DETECTION_COMPLETE":
            break
        if state == "DETECTION_FAILED":
            reason = status.get("DetectionStatusReason", "no reason given")
            return DriftCheck(
                available=False, note=f"drift not available: detection failed: {reason}"
            )
        if time.monotonic() >= deadline:
            return DriftCheck(
                available=False,
                note=f"drift not available: detection still running after {timeout:g} s",
            )
        sleep(poll)
    drifted = []
    try:
        token: dict[str, str] = {}
        while True:  # botocore has no paginator for it
            page = cloudformation.describe_stack_resource_drifts(
                StackName=stack, StackResourceDriftStatusFilters=DRIFTED, **token
            )
            for drift in page.get("StackResourceDrifts", []):
                drifted.append(
                    DriftedResource(
                        logical_id=drift["LogicalResourceId"],
                        type=drift["ResourceType"],
                        status=drift["StackResourceDriftStatus"],
                        differences=[
                            f"{d.get('PropertyPath')}: {d.get('DifferenceType')}"
                            for d in drift.get("PropertyDifferences", [])
                        ],
                    )
                )
            if not page.get("NextToken"):
                break
            token = {"NextToken": page["NextToken"]}
    except AWS_ERRORS as error:
        return DriftCheck(available=False, note=f"drift not available: {describe_error(error)}")
    return DriftCheck(available=True, status=status.get("StackDriftStatus"), drifted=drifted)
