"""An IAM role as it runs: its inline policies, its managed policies and its permissions
boundary, each with the document in force (the default version of a managed policy).

Inline policies of a role, however the template attached them (the role's Policies, an
AWS::IAM::Policy naming it), are the role's inline policies in IAM; managed policies and the
boundary are written as AWS::IAM::ManagedPolicy resources beside the role. A policy AWS
manages (``arn:aws:iam::aws:policy/...``) stays an ARN: it only grants.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import unquote

from compliance.aws.live.keys import KeyNames
from compliance.aws.live.reads import Reads
from compliance.aws.live.shape import Live

MANAGED_POLICY = "AWS::IAM::ManagedPolicy"


def role(reads: Reads, name: str, keys: KeyNames, logical_id: str) -> Live:
    """``iam:GetRole``, ``iam:ListRolePolicies`` + ``iam:GetRolePolicy``,
    ``iam:ListAttachedRolePolicies`` + ``iam:GetPolicy`` + ``iam:GetPolicyVersion``."""
    described = reads.call("iam", "get_role", RoleName=name)["Role"]
    properties: dict[str, Any] = {"RoleName": name}
    names = reads.call("iam", "list_role_policies", RoleName=name).get("PolicyNames", [])
    inline = []
    for policy_name in names:
        answer = reads.call("iam", "get_role_policy", RoleName=name, PolicyName=policy_name)
        inline.append(
            {"PolicyName": policy_name, "PolicyDocument": _document(answer["PolicyDocument"])}
        )
    if inline:
        properties["Policies"] = inline
    siblings: dict[str, dict[str, Any]] = {}
    attached = reads.call("iam", "list_attached_role_policies", RoleName=name)
    arns = []
    for index, policy in enumerate(attached.get("AttachedPolicies", [])):
        arns.append(
            _managed(reads, policy["PolicyArn"], f"{logical_id}LiveManaged{index}", siblings)
        )
    if arns:
        properties["ManagedPolicyArns"] = arns
    boundary = (described.get("PermissionsBoundary") or {}).get("PermissionsBoundaryArn")
    if boundary:
        properties["PermissionsBoundary"] = _managed(
            reads, boundary, f"{logical_id}LiveBoundary", siblings
        )
    return Live(properties, siblings)


def _managed(reads: Reads, arn: str, sibling: str, siblings: dict[str, dict[str, Any]]) -> Any:
    if arn.split(":")[4:5] == ["aws"]:
        return arn
    policy = reads.call("iam", "get_policy", PolicyArn=arn)["Policy"]
    version = reads.call(
        "iam", "get_policy_version", PolicyArn=arn, VersionId=policy["DefaultVersionId"]
    )["PolicyVersion"]
    siblings[sibling] = {
        "Type": MANAGED_POLICY,
        "Properties": {"PolicyDocument": _document(version["Document"])},
    }
    return {"Ref": sibling}


def _document(value: Any) -> Any:
    """IAM returns documents URL-encoded (boto3 decodes most, not all)."""
    if isinstance(value, str):
        return json.loads(unquote(value))
    return value
