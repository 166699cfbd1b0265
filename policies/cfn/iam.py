"""IAM roles and every policy document that applies to them, wherever it is declared."""

from __future__ import annotations

from typing import Any

from policies.cfn.documents import Attached, as_list
from policies.cfn.intrinsics import Resolver, Token, parts_of
from policies.outcome import Outcome

ROLE = "AWS::IAM::Role"
POLICY = "AWS::IAM::Policy"
MANAGED_POLICY = "AWS::IAM::ManagedPolicy"
ROLE_POLICY = "AWS::IAM::RolePolicy"


def role_policies(resolver: Resolver, role_id: str) -> tuple[list[Attached], list[str]]:
    """Documents applying to the role, and the policies it uses that the template cannot
    show (managed policies referenced by ARN from outside the template)."""
    template = resolver.template
    props = template.properties(role_id)
    attached: list[Attached] = []
    unseen: list[str] = []
    for index, policy in enumerate(as_list(resolver.resolve(props.get("Policies")))):
        name = policy.get("PolicyName", index) if isinstance(policy, dict) else index
        document = policy.get("PolicyDocument") if isinstance(policy, dict) else None
        attached.append(Attached(document, f"inline policy {name} of {role_id}"))
    for arn in as_list(resolver.resolve(props.get("ManagedPolicyArns"))):
        managed = _template_managed_policy(resolver, arn)
        if managed is not None:
            document = resolver.resolve(template.properties(managed).get("PolicyDocument"))
            attached.append(
                Attached(document, f"managed policy {managed}", resolver.exists(managed) is True)
            )
        elif not _aws_managed(arn):
            unseen.append(_describe(arn))
    for policy_id in template.of_type(POLICY, MANAGED_POLICY):
        policy_props = template.properties(policy_id)
        link = _names_role(resolver, policy_props.get("Roles"), role_id)
        exists = resolver.exists(policy_id)
        if link is Outcome.FAIL or exists is False:
            continue
        document = resolver.resolve(policy_props.get("PolicyDocument"))
        certain = link is Outcome.PASS and exists is True
        attached.append(Attached(document, f"policy {policy_id}", certain))
    for policy_id in template.of_type(ROLE_POLICY):
        policy_props = template.properties(policy_id)
        link = _names_role(resolver, [policy_props.get("RoleName")], role_id)
        exists = resolver.exists(policy_id)
        if link is Outcome.FAIL or exists is False:
            continue
        document = resolver.resolve(policy_props.get("PolicyDocument"))
        certain = link is Outcome.PASS and exists is True
        attached.append(Attached(document, f"role policy {policy_id}", certain))
    return attached, unseen


def _role_name(resolver: Resolver, role_id: str) -> tuple[str | Token, ...]:
    props = resolver.template.properties(role_id)
    if "RoleName" in props:
        parts = parts_of(resolver.resolve(props["RoleName"]))
        if parts is not None:
            return parts
    return (Token("ref", role_id),)


def _names_role(resolver: Resolver, roles: Any, role_id: str) -> Outcome:
    """Whether a Roles list names this role (Ref returns the role's name)."""
    name = _role_name(resolver, role_id)
    outcome = Outcome.FAIL
    for entry in as_list(resolver.resolve(roles)):
        parts = parts_of(entry)
        if parts is None:
            outcome = Outcome.UNKNOWN
            continue
        if parts == (Token("ref", role_id),) or parts == name:
            return Outcome.PASS
        flexible = [
            p
            for p in (*parts, *name)
            if isinstance(p, Token) and p.kind in ("pseudo", "unresolved")
        ]
        if flexible:
            outcome = Outcome.UNKNOWN
    if isinstance(resolver.resolve(roles), Token):
        outcome = Outcome.UNKNOWN
    return outcome


def _template_managed_policy(resolver: Resolver, arn: Any) -> str | None:
    """The AWS::IAM::ManagedPolicy a ManagedPolicyArns entry refers to (Ref gives its ARN)."""
    if isinstance(arn, Token) and resolver.template.type_of(arn.name) == MANAGED_POLICY:
        return arn.name
    return None


def _aws_managed(arn: Any) -> bool:
    """An AWS-managed policy (``arn:<partition>:iam::aws:policy/...``) only grants."""
    parts = parts_of(arn)
    if parts is None or not isinstance(parts[0], str):
        return False
    literal = "".join(p if isinstance(p, str) else "\0" for p in parts)
    return literal.startswith("arn:aws:iam::aws:policy/")


def _describe(arn: Any) -> str:
    parts = parts_of(arn) or ()
    return "".join(p if isinstance(p, str) else "${" + p.describe() + "}" for p in parts)
