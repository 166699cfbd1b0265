"""CKV2_TAP_11 (TAP-DAT-01): deleting the stack never destroys stored data.

A stateful resource passes when neither deleting the stack nor replacing the resource
destroys its data: DeletionPolicy and UpdateReplacePolicy are Retain, RetainExceptOnCreate
(or Snapshot, for the RDS types that support it; absent on RDS means Snapshot, elsewhere
Delete); an RDS cluster or standalone instance has DeletionProtection on; a DynamoDB table
(every replica of a global table) has point-in-time recovery on; no
``Custom::S3AutoDeleteObjects`` that is created empties the bucket. A KMS key must be
retained too: the data it encrypts is lost with it. An Aurora instance keeps no data of its
own (its cluster does) and is not applicable.

RetainExceptOnCreate deletes a resource only when the stack operation that created it rolls
back; a resource that was created successfully (the only kind that can hold data) is
retained (CloudFormation User Guide, "DeletionPolicy attribute": "RetainExceptOnCreate ...
retains resources that were successfully created ... deletes newly created resources when a
stack operation is rolled back"). CDK's RemovalPolicy.RETAIN_ON_UPDATE_OR_DELETE writes it.
"""

from __future__ import annotations

from typing import Any

import _bootstrap  # noqa: F401

from policies.cfn.documents import truthy
from policies.cfn.intrinsics import Resolver
from policies.cfn.s3 import names_bucket
from policies.checkbase import TapCheck
from policies.context import Context
from policies.outcome import Outcome, Verdict

RDS_TYPES = ("AWS::RDS::DBCluster", "AWS::RDS::DBInstance")
AUTO_DELETE = "Custom::S3AutoDeleteObjects"
#: Policies that keep a resource that ever held data.
RETAINED = ("Retain", "RetainExceptOnCreate")


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
        kept = (*RETAINED, "Snapshot") if kind in RDS_TYPES else RETAINED
        default = "Snapshot" if kind in RDS_TYPES else "Delete"
        problems = []
        used = []
        for attribute in ("DeletionPolicy", "UpdateReplacePolicy"):
            policy = resolver.resolve(resource.get(attribute, default))
            if not isinstance(policy, str):
                return Verdict.unknown(f"{attribute} is not fixed by the template")
            if policy not in kept:
                problems.append(f"{attribute} is {policy}")
            used.append(policy)
        found = _property_problems(resolver, logical_id, kind, props)
        problems += [problem for problem in found if problem is not None]
        if problems:
            return Verdict.failed("; ".join(problems))
        if None in found:
            return Verdict.unknown("a protection setting is not fixed by the template")
        policies = " and ".join(dict.fromkeys(used))
        return Verdict.passed(f"{policies} on deletion and replacement, protected")


def _property_problems(
    resolver: Resolver, logical_id: str, kind: str | None, props: dict[str, Any]
) -> list[str | None]:
    """What in the resource's own settings (or an auto-delete resource) destroys its data;
    None for a setting the template does not fix."""
    if kind in RDS_TYPES:
        protected = truthy(resolver.resolve(props.get("DeletionProtection", False)))
        return [] if protected else [None if protected is None else "DeletionProtection is off"]
    if kind == "AWS::DynamoDB::Table":
        return _recovery_problems(resolver.resolve(props.get("PointInTimeRecoverySpecification")))
    if kind == "AWS::DynamoDB::GlobalTable":
        # PITR is a setting of each replica (AWS::DynamoDB::GlobalTable ReplicaSpecification)
        replicas = resolver.resolve(props.get("Replicas"))
        if not isinstance(replicas, list):
            return [None]
        problems: list[str | None] = []
        for index, replica in enumerate(replicas):
            if not isinstance(replica, dict):
                return [None]
            region = replica.get("Region", index)
            for problem in _recovery_problems(replica.get("PointInTimeRecoverySpecification")):
                problems.append(problem and f"replica {region}: {problem}")
        return problems
    if kind == "AWS::S3::Bucket":
        return _emptied(resolver, logical_id)
    return []


def _recovery_problems(spec: Any) -> list[str | None]:
    spec = spec or {}
    enabled = (
        truthy(spec.get("PointInTimeRecoveryEnabled", False)) if isinstance(spec, dict) else None
    )
    return [] if enabled else [None if enabled is None else "point-in-time recovery is off"]


def _emptied(resolver: Resolver, bucket_id: str) -> list[str | None]:
    """The auto-delete custom resources that empty this bucket when they are deleted: one
    that is created (its own Condition honoured) and names the bucket (by Ref, Fn::Sub, or
    its literal name; a name of a bucket outside the template is about that bucket)."""
    problems: list[str | None] = []
    for other in resolver.template.of_type(AUTO_DELETE):
        named = resolver.template.properties(other).get("BucketName")
        target = names_bucket(resolver, named, bucket_id)
        created = resolver.exists(other)
        if target is Outcome.FAIL or created is False:
            continue
        if target is Outcome.UNKNOWN or created is None:
            problems.append(None)
        else:
            problems.append(f"{AUTO_DELETE} {other} empties it on deletion")
    return problems


check = StatefulResourceRetained()
