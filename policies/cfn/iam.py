"""IAM roles and every policy document that applies to them, wherever it is declared."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from policies.cfn.documents import Attached, as_list
from policies.cfn.intrinsics import Resolver, Token, parts_of
from policies.cfn.matching import same
from policies.cfn.ref_index import RefIndex, ref_index
from policies.cfn.template import Template
from policies.outcome import Outcome

ROLE = "AWS::IAM::Role"
POLICY = "AWS::IAM::Policy"
MANAGED_POLICY = "AWS::IAM::ManagedPolicy"
ROLE_POLICY = "AWS::IAM::RolePolicy"


def role_policies(resolver: Resolver, role_id: str) -> tuple[list[Attached], list[str]]:
    """Documents applying to the role (its permissions boundary included), and the policies
    it uses that the template cannot show (managed policies by ARN from outside it)."""
    template = resolver.template
    props = template.properties(role_id)
    attached: list[Attached] = []
    unseen: list[str] = []
    for index, policy in enumerate(as_list(resolver.resolve(props.get("Policies")))):
        name = policy.get("PolicyName", index) if isinstance(policy, dict) else index
        document = policy.get("PolicyDocument") if isinstance(policy, dict) else None
        attached.append(Attached(document, f"inline policy {name} of {role_id}"))
    # an explicit Deny in a permissions boundary denies like one in an identity policy
    arns = as_list(resolver.resolve(props.get("ManagedPolicyArns")))
    arns += as_list(resolver.resolve(props.get("PermissionsBoundary")))
    managed, unseen = _managed_policies(resolver, arns)
    attached += managed
    for index_of, roles_of, label in _NAMING_ROLES:
        for policy_id in template.derived(index_of).candidates(role_id):
            policy_props = template.properties(policy_id)
            link = _names_role(resolver, roles_of(policy_props), role_id)
            exists = resolver.exists(policy_id)
            if link is Outcome.FAIL or exists is False:
                continue
            document = resolver.resolve(policy_props.get("PolicyDocument"))
            certain = link is Outcome.PASS and exists is True
            attached.append(Attached(document, f"{label} {policy_id}", certain))
    return attached, unseen


def _roles_of_policy(props: dict[str, Any]) -> Any:
    return props.get("Roles")


def _role_of_role_policy(props: dict[str, Any]) -> Any:
    return [props.get("RoleName")]


def _policies_by_role(template: Template) -> RefIndex:
    return ref_index(template, (POLICY, MANAGED_POLICY), ROLE, _roles_of_policy)


def _role_policies_by_role(template: Template) -> RefIndex:
    return ref_index(template, (ROLE_POLICY,), ROLE, _role_of_role_policy)


#: Policy resources that attach themselves to roles: (their index, the roles they name, label).
_NAMING_ROLES: tuple[
    tuple[Callable[[Template], RefIndex], Callable[[dict[str, Any]], Any], str], ...
] = (
    (_policies_by_role, _roles_of_policy, "policy"),
    (_role_policies_by_role, _role_of_role_policy, "role policy"),
)


def _managed_policies(
    resolver: Resolver, arns: list[Any], *, bare_names_are_aws: bool = False
) -> tuple[list[Attached], list[str]]:
    """The documents of the template's managed policies among ``arns``, and the policies the
    template cannot show (AWS-managed ones only grant, so they are neither)."""
    attached: list[Attached] = []
    unseen: list[str] = []
    for arn in arns:
        managed = _template_managed_policy(resolver, arn)
        if managed is not None:
            document = resolver.resolve(resolver.template.properties(managed).get("PolicyDocument"))
            attached.append(
                Attached(document, f"managed policy {managed}", resolver.exists(managed) is True)
            )
        elif not (_aws_managed(arn) or (bare_names_are_aws and _aws_managed_name(arn))):
            unseen.append(_describe(arn))
    return attached, unseen


#: SAM resources that create their own role when they name none.
SAM_WITH_ROLE = ("AWS::Serverless::Function", "AWS::Serverless::StateMachine")


def sam_role_policies(resolver: Resolver, logical_id: str) -> tuple[list[Attached], list[str]]:
    """The documents of the role the SAM transform creates for a function or state machine
    without Role: inline ``Statement`` documents and managed policies of its Policies, and
    its PermissionsBoundary. SAM policy templates and AWS-managed policies only grant."""
    props = resolver.template.properties(logical_id)
    entries = as_list(resolver.resolve(props.get("Policies")))
    arns = [e for e in entries if not isinstance(e, dict)]
    arns += as_list(resolver.resolve(props.get("PermissionsBoundary")))
    attached = [
        Attached(entry, f"policy {index} of {logical_id}")
        for index, entry in enumerate(entries)
        if isinstance(entry, dict) and "Statement" in entry
    ]
    managed, unseen = _managed_policies(resolver, arns, bare_names_are_aws=True)
    return attached + managed, unseen


def _aws_managed_name(entry: Any) -> bool:
    """A SAM Policies entry naming an AWS-managed policy by its bare name."""
    return isinstance(entry, str) and not entry.startswith("arn:") and "/" not in entry


def _role_name(resolver: Resolver, role_id: str) -> tuple[str | Token, ...]:
    props = resolver.template.properties(role_id)
    if "RoleName" in props:
        parts = parts_of(resolver.resolve(props["RoleName"]))
        if parts is not None:
            return parts
    return (Token("ref", role_id),)


def _names_role(resolver: Resolver, roles: Any, role_id: str) -> Outcome:
    """Whether a Roles list names this role: a Ref names one role of the template (Ref
    returns the role's name); a name is compared with this role's name, and a name another
    role of the template has (role names are unique in an account) is not this role's."""
    resolved = resolver.resolve(roles)
    if isinstance(resolved, Token):
        return Outcome.UNKNOWN
    name = _role_name(resolver, role_id)
    outcome = Outcome.FAIL
    for entry in as_list(resolved):
        is_role = isinstance(entry, Token) and resolver.template.type_of(entry.name) == ROLE
        if is_role and isinstance(entry, Token) and entry.kind == "ref":
            if entry.name == role_id:
                return Outcome.PASS
            continue
        parts = parts_of(entry)
        if parts is None:
            outcome = Outcome.UNKNOWN
            continue
        here = same(parts, name)
        if here is Outcome.PASS:
            return Outcome.PASS
        others = (r for r in resolver.template.of_type(ROLE) if r != role_id)
        if here is Outcome.UNKNOWN and not any(
            same(parts, _role_name(resolver, other)) is Outcome.PASS for other in others
        ):
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
