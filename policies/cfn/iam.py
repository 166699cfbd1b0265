"""IAM roles and every policy document that applies to them, wherever it is declared."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from policies.cfn.documents import Attached, as_list
from policies.cfn.intrinsics import Resolver, Token, parts_of, text
from policies.cfn.matching import same
from policies.cfn.ref_index import RefIndex, ref_index
from policies.cfn.stacks import as_home_value
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


def peer_role_policies(
    resolver: Resolver, role_id: str, peers: tuple[Template, ...]
) -> list[Attached]:
    """Policies of the other templates of the deployment that attach themselves to this
    role: their Roles (RoleName) import a value this template exports for it, or give its
    literal name. One the text does not prove to name this role is left to its own stack."""
    attached = []
    for peer in peers:
        there = Resolver(peer)
        for index_of, roles_of, label in _NAMING_ROLES:
            # those naming only the peer's own roles by Ref cannot name this one
            for policy_id in peer.derived(index_of).other:
                named = [
                    as_home_value(there, entry, resolver.template)
                    for entry in as_list(roles_of(peer.properties(policy_id)))
                ]
                ours = [value for value in named if value is not None]
                if not ours or _names_role(resolver, ours, role_id) is not Outcome.PASS:
                    continue
                exists = there.exists(policy_id)
                if exists is False:
                    continue
                document = there.resolve(peer.properties(policy_id).get("PolicyDocument"))
                source = f"{label} {policy_id} of {peer.path.name}"
                attached.append(Attached(document, source, exists is True))
    return attached


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
            continue
        aws_name = _aws_managed(arn) or (_aws_managed_name(arn) if bare_names_are_aws else None)
        if aws_name is None:
            unseen.append(_describe(arn))
        elif aws_name in AWS_MANAGED_DOCUMENTS:
            attached.append(Attached(AWS_MANAGED_DOCUMENTS[aws_name], f"AWS-managed {aws_name}"))
    return attached, unseen


#: AWS-managed policies that deny, by their path and name: AWSDenyAll is a Deny of ``*`` on
#: ``*`` (IAM "AWS managed policy reference", AWSDenyAll: "Deny all access"; version v1).
#: Every other AWS-managed policy only grants, which no control of ours needs to read.
AWS_MANAGED_DOCUMENTS: dict[str, dict[str, Any]] = {
    "AWSDenyAll": {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Deny", "Action": "*", "Resource": "*"}],
    },
}


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


def _aws_managed_name(entry: Any) -> str | None:
    """The name of the AWS-managed policy a SAM Policies entry names by its bare name."""
    bare = isinstance(entry, str) and not entry.startswith("arn:") and "/" not in entry
    return entry if bare else None


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
    """The AWS::IAM::ManagedPolicy a ManagedPolicyArns entry refers to: by Ref (which gives
    its ARN), or by an ARN spelled out of its name, which IAM forms as
    ``arn:<partition>:iam::<account>:policy<Path><ManagedPolicyName>`` (Path defaults to
    ``/``; IAM User Guide, "IAM identifiers", IAM ARNs)."""
    if isinstance(arn, Token) and resolver.template.type_of(arn.name) == MANAGED_POLICY:
        return arn.name
    parts = parts_of(arn)
    if parts is None or isinstance(arn, Token):
        return None
    for policy_id, own in resolver.template.derived(_named_policy_arns):
        if same(parts, own) is Outcome.PASS:
            return policy_id
    return None


def _named_policy_arns(template: Template) -> list[tuple[str, tuple[str | Token, ...]]]:
    """The ARN of each managed policy of the template that has a name (a generated one
    cannot be spelled out), built once per template."""
    resolver = Resolver(template)
    found = []
    for policy_id in template.of_type(MANAGED_POLICY):
        props = template.properties(policy_id)
        name = parts_of(resolver.resolve(props.get("ManagedPolicyName")))
        path = parts_of(resolver.resolve(props.get("Path", "/")))
        if name is None or path is None:
            continue
        account = Token("pseudo", "AWS::AccountId")
        arn = parts_of(text("arn:aws:iam::", account, ":policy", *path, *name))
        if arn is not None:
            found.append((policy_id, arn))
    return found


def _aws_managed(arn: Any) -> str | None:
    """The path and name of an AWS-managed policy (``arn:<partition>:iam::aws:policy/...``)."""
    parts = parts_of(arn)
    if parts is None or not isinstance(parts[0], str):
        return None
    literal = "".join(p if isinstance(p, str) else "\0" for p in parts)
    prefix = "arn:aws:iam::aws:policy/"
    return literal.removeprefix(prefix) if literal.startswith(prefix) else None


def _describe(arn: Any) -> str:
    parts = parts_of(arn) or ()
    return "".join(p if isinstance(p, str) else "${" + p.describe() + "}" for p in parts)
