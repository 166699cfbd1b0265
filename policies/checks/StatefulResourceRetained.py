"""CKV2_TAP_11 (TAP-DAT-01): deleting the stack never destroys stored data.

A stateful resource passes when neither deleting the stack nor replacing the resource
destroys its data: DeletionPolicy and UpdateReplacePolicy are Retain (or Snapshot, for the
RDS types that support it; absent on RDS means Snapshot, elsewhere Delete); an RDS cluster or
standalone instance has DeletionProtection on; a DynamoDB table has point-in-time recovery on;
no ``Custom::S3AutoDeleteObjects`` empties the bucket. A KMS key must be retained too: the
data it encrypts is lost with it. An Aurora instance keeps no data of its own (its cluster
does) and is not applicable.
"""

from __future__ import annotations

from typing import Any

import _bootstrap  # noqa: F401

from policies.cfn.documents import truthy
from policies.cfn.intrinsics import Resolver
from policies.checkbase import TapCheck
from policies.context import Context
from policies.outcome import Verdict

RDS_TYPES = ("AWS::RDS::DBCluster", "AWS::RDS::DBInstance")
AUTO_DELETE = "Custom::S3AutoDeleteObjects"


class StatefulResourceRetained(TapCheck):
    def __init__(self) -> None:
        super().__init__("TAP-DAT-01")

    def evaluate(self, resolver: Resolver, logical_id: str, context: Context) -> Verdict:
        template = resolver.template
        kind = template.type_of(logical_id)
        props = template.properties(logical_id)
        if kind == "AWS::RDS::DBInstance" and "DBClusterIdentifier" in props:
            return Verdict.not_applicable("an Aurora instance keeps its data in its cluster")
        resource = template.resource(logical_id) or {}
        kept = ("Retain", "Snapshot") if kind in RDS_TYPES else ("Retain",)
        default = "Snapshot" if kind in RDS_TYPES else "Delete"
        problems = []
        for attribute in ("DeletionPolicy", "UpdateReplacePolicy"):
            policy = resolver.resolve(resource.get(attribute, default))
            if not isinstance(policy, str):
                return Verdict.unknown(f"{attribute} is not fixed by the template")
            if policy not in kept:
                problems.append(f"{attribute} is {policy}")
        for problem in _property_problems(resolver, logical_id, kind, props):
            if problem is None:
                return Verdict.unknown("a protection setting is not fixed by the template")
            problems.append(problem)
        if problems:
            return Verdict.failed("; ".join(problems))
        return Verdict.passed(f"{' and '.join(kept)} on deletion and replacement, protected")


def _property_problems(
    resolver: Resolver, logical_id: str, kind: str | None, props: dict[str, Any]
) -> list[str | None]:
    """What in the resource's own settings (or an auto-delete resource) destroys its data;
    None for a setting the template does not fix."""
    if kind in RDS_TYPES:
        protected = truthy(resolver.resolve(props.get("DeletionProtection", False)))
        return [] if protected else [None if protected is None else "DeletionProtection is off"]
    if kind == "AWS::DynamoDB::Table":
        spec = resolver.resolve(props.get("PointInTimeRecoverySpecification")) or {}
        enabled = (
            truthy(spec.get("PointInTimeRecoveryEnabled", False))
            if isinstance(spec, dict)
            else None
        )
        return [] if enabled else [None if enabled is None else "point-in-time recovery is off"]
    if kind == "AWS::S3::Bucket":
        emptiers = [
            other
            for other in resolver.template.of_type(AUTO_DELETE)
            if resolver.template.properties(other).get("BucketName") == {"Ref": logical_id}
        ]
        return [f"{AUTO_DELETE} {e} empties it on deletion" for e in emptiers]
    return []


check = StatefulResourceRetained()
