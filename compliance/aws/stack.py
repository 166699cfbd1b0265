"""The stack's state, its change sets, and direct CreateStack/UpdateStack."""

from __future__ import annotations

import hashlib
import json
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from botocore.exceptions import ClientError

from compliance.aws.errors import (
    TRANSPORT_ERRORS,
    AwsFailure,
    aws_errors,
    describe_error,
    error_code,
)

#: CloudFormation's limit for TemplateBody; larger templates go by S3 URL.
INLINE_LIMIT = 51_200
CAPABILITIES = ["CAPABILITY_IAM", "CAPABILITY_NAMED_IAM", "CAPABILITY_AUTO_EXPAND"]
#: How CloudFormation says that a change set or update would change nothing.
NO_CHANGES = ("didn't contain changes", "No updates are to be performed")
#: Resource types whose replacement loses data: highlighted, and refused in prod.
DATA_STORES = frozenset(
    {
        "AWS::S3::Bucket",
        "AWS::DynamoDB::Table",
        "AWS::DynamoDB::GlobalTable",
        "AWS::RDS::DBCluster",
        "AWS::RDS::DBInstance",
        "AWS::KMS::Key",
        "AWS::EFS::FileSystem",
        "AWS::Logs::LogGroup",
        "AWS::SecretsManager::Secret",
    }
)
#: States in which another operation may still change the stack: reported, not waited on.
BUSY_STATES_ALLOWED = frozenset({"REVIEW_IN_PROGRESS"})
#: States from which CloudFormation accepts no update until a human acts.
BLOCKED_STATES = {
    "UPDATE_ROLLBACK_FAILED": "continue the rollback first (aws cloudformation "
    "continue-update-rollback --stack-name {name})",
    "ROLLBACK_COMPLETE": "its creation failed; delete it first "
    "(aws cloudformation delete-stack --stack-name {name})",
    "ROLLBACK_FAILED": "its creation failed and could not be rolled back; delete it first",
    "CREATE_FAILED": "its creation failed; delete it first",
    "DELETE_FAILED": "a deletion failed; finish deleting it first",
    "IMPORT_ROLLBACK_FAILED": "an import failed and could not be rolled back",
}


@dataclass(frozen=True)
class StackState:
    """The stack as CloudFormation describes it (``None`` status: it does not exist)."""

    name: str
    status: str | None
    stack_id: str | None = None

    @property
    def change_set_type(self) -> Literal["CREATE", "UPDATE"]:
        """CREATE for a new stack (or one left in review by an unexecuted change set)."""
        return "CREATE" if self.status in (None, "REVIEW_IN_PROGRESS") else "UPDATE"


@dataclass(frozen=True)
class Change:
    """One resource change of a change set."""

    action: str  # Add, Modify, Remove, Import, Dynamic
    logical_id: str
    type: str
    replacement: str | None  # True, False, Conditional (Modify only)

    @property
    def replaces(self) -> bool:
        """The change replaces the resource, or may: only ``Replacement: False`` says it does
        not. ``Conditional`` and a missing value may replace; so may ``Dynamic``, whose effect
        CloudFormation settles only when it executes (ResourceChange, CloudFormation API
        reference: "Dynamic ... changes that can't be determined")."""
        if self.action == "Dynamic":
            return True
        return self.action == "Modify" and self.replacement != "False"

    @property
    def replaces_data_store(self) -> bool:
        """The change replaces (or may replace) a resource that holds data."""
        return self.replaces and self.type in DATA_STORES

    @property
    def kind(self) -> str:
        """add, modify, remove or replace (what the table shows)."""
        if self.replaces:
            return "replace" if self.replacement == "True" else "replace?"
        if self.action == "Dynamic":
            return "dynamic"
        return {"Add": "add", "Modify": "modify", "Remove": "remove"}.get(
            self.action, self.action.lower()
        )


def template_argument(template: bytes, url: str | None) -> dict[str, str]:
    """TemplateBody for a small template, TemplateURL (already published) above the limit."""
    if len(template) <= INLINE_LIMIT:
        return {"TemplateBody": template.decode("utf-8")}
    if url is None:
        raise AwsFailure(
            f"the template is {len(template):,} bytes, over CloudFormation's inline limit of "
            f"{INLINE_LIMIT:,}, and the asset manifest gives no S3 destination for it"
        )
    return {"TemplateURL": url}


def s3_url(bucket: str, key: str, region: str) -> str:
    """The HTTPS URL of an S3 object, as CDK passes it to CloudFormation."""
    suffix = "amazonaws.com.cn" if region.startswith("cn-") else "amazonaws.com"
    return f"https://s3.{region}.{suffix}/{bucket}/{key}"


def describe_stack(cfn: Any, name: str) -> StackState:
    """The stack's current state; status ``None`` when it does not exist."""
    try:
        stacks = cfn.describe_stacks(StackName=name)["Stacks"]
    except TRANSPORT_ERRORS as error:
        raise AwsFailure(f"describing stack {name}: {describe_error(error)}") from None
    except ClientError as error:
        if error_code(error) == "ValidationError" and "does not exist" in describe_error(error):
            return StackState(name, None)
        raise AwsFailure(f"describing stack {name}: {describe_error(error)}") from None
    stack = stacks[0]
    return StackState(name, stack["StackStatus"], stack["StackId"])


def ensure_deployable(state: StackState) -> None:
    """:class:`AwsFailure` (exit 1) for a stack busy with another operation or blocked."""
    status = state.status
    if status is None or status in BUSY_STATES_ALLOWED:
        return
    if status.endswith("_IN_PROGRESS"):
        raise AwsFailure(
            f"stack {state.name} is {status}: another operation is running on it; "
            "not waiting on it (deploy again once it has finished)",
            1,
        )
    if status in BLOCKED_STATES:
        hint = BLOCKED_STATES[status].format(name=state.name)
        raise AwsFailure(f"stack {state.name} is {status}: {hint}", 1)


@dataclass(frozen=True)
class ChangeSet:
    """A created change set: its id, status and changes."""

    id: str
    stack_id: str
    status: str
    reason: str
    changes: tuple[Change, ...]

    @property
    def empty(self) -> bool:
        """CloudFormation found nothing to change."""
        return self.status == "FAILED" and any(text in self.reason for text in NO_CHANGES)


def create_change_set(
    cfn: Any,
    *,
    state: StackState,
    name: str,
    template: dict[str, str],
    role_arn: str | None,
    timeout: float,
    poll: float,
    sleep: Callable[[float], None] = time.sleep,
    token: str | None = None,
) -> ChangeSet:
    """Create a change set and wait (bounded) until CloudFormation has computed it. With
    ``token`` (ClientToken), a retry of the call is known as the same request."""
    arguments: dict[str, Any] = {
        "StackName": state.name,
        "ChangeSetName": name,
        "ChangeSetType": state.change_set_type,
        "Capabilities": CAPABILITIES,
        "Description": "tap-compliance deploy: the template that passed the compliance gate",
        **template,
    }
    if role_arn:
        arguments["RoleARN"] = role_arn
    if token:
        arguments["ClientToken"] = token
    with aws_errors(f"creating the change set of {state.name}", 1):
        created = cfn.create_change_set(**arguments)
    change_set_id, stack_id = created["Id"], created["StackId"]
    waited = 0.0
    while True:
        with aws_errors(f"describing change set {name}"):
            described = cfn.describe_change_set(ChangeSetName=change_set_id, StackName=stack_id)
        status = described["Status"]
        if status in ("CREATE_COMPLETE", "FAILED", "DELETE_COMPLETE"):
            break
        if waited >= timeout:
            raise AwsFailure(
                f"change set {name} still {status} after {timeout:g} s; not waiting longer", 1
            )
        sleep(poll)
        waited += poll
    changes = list(_changes(described))
    token = described.get("NextToken")
    while token:
        with aws_errors(f"describing change set {name}"):
            page = cfn.describe_change_set(
                ChangeSetName=change_set_id, StackName=stack_id, NextToken=token
            )
        changes += _changes(page)
        token = page.get("NextToken")
    return ChangeSet(
        change_set_id, stack_id, status, described.get("StatusReason") or "", tuple(changes)
    )


def _changes(described: dict[str, Any]) -> list[Change]:
    found = []
    for change in described.get("Changes") or []:
        resource = change.get("ResourceChange") or {}
        found.append(
            Change(
                action=resource.get("Action", "?"),
                logical_id=resource.get("LogicalResourceId", "?"),
                type=resource.get("ResourceType", "?"),
                replacement=resource.get("Replacement"),
            )
        )
    return found


def template_sha256(
    cfn: Any, stack_id: str, change_set_id: str | None = None, stage: str = "Original"
) -> str:
    """SHA-256 of the template CloudFormation holds for the stack (or for one of its change
    sets), as submitted (``TemplateStage: Original``) or after transforms (``Processed``: the
    same body when the template has none, GetTemplate API reference), hashed from the body
    received: botocore would parse a JSON body into a dict."""
    bodies: list[str] = []

    def keep(parsed: dict[str, Any], **_: Any) -> None:
        if isinstance(parsed.get("TemplateBody"), str):
            bodies.append(parsed["TemplateBody"])

    arguments = {"StackName": stack_id, "TemplateStage": stage}
    if change_set_id:
        arguments["ChangeSetName"] = change_set_id
    event = "after-call.cloudformation.GetTemplate"
    cfn.meta.events.register_first(event, keep)
    try:
        with aws_errors("reading the template CloudFormation holds", 1):
            cfn.get_template(**arguments)
    finally:
        cfn.meta.events.unregister(event, keep)
    if not bodies:
        raise AwsFailure("GetTemplate answered no template body", 1)
    return hashlib.sha256(bodies[0].encode("utf-8")).hexdigest()


def foreign_changes(changes: tuple[Change, ...], template: bytes) -> list[Change]:
    """Changes that add or alter a resource the gated template does not declare (a Remove is
    the old stack's resource going away)."""
    try:
        declared = json.loads(template).get("Resources") or {}
    except (ValueError, AttributeError):
        raise AwsFailure("the gated template is not a JSON object of resources") from None
    return [c for c in changes if c.action != "Remove" and c.logical_id not in declared]


def change_set_name(started: datetime) -> str:
    """A name no other run takes: the time, then random hex (CloudFormation: a letter first,
    then letters, digits and hyphens, at most 128)."""
    return f"tap-compliance-{started:%Y%m%d%H%M%S}-{secrets.token_hex(4)}"


def execution_status(cfn: Any, change_set: ChangeSet) -> str:
    """The change set's ExecutionStatus now (AVAILABLE: not executed); unreadable: exit 2."""
    with aws_errors(f"reading change set {change_set.id} to settle a lost answer"):
        described = cfn.describe_change_set(
            ChangeSetName=change_set.id, StackName=change_set.stack_id
        )
    return str(described.get("ExecutionStatus") or "UNKNOWN")


def discard_change_set(cfn: Any, change_set: ChangeSet, state: StackState) -> None:
    """Delete the change set, and the empty stack a CREATE change set made."""
    with aws_errors("deleting the change set"):
        cfn.delete_change_set(ChangeSetName=change_set.id, StackName=change_set.stack_id)
        if state.change_set_type == "CREATE" and state.status is None:
            cfn.delete_stack(StackName=change_set.stack_id)


def direct(
    cfn: Any,
    *,
    state: StackState,
    template: dict[str, str],
    role_arn: str | None,
    token: str | None = None,
) -> str | None:
    """CreateStack or UpdateStack as ``cdk deploy --method direct``; the stack id, or ``None``
    when CloudFormation answers that there is nothing to update. A lost answer is exit 2
    (the caller records the outcome as unknown)."""
    arguments: dict[str, Any] = {
        "StackName": state.name,
        "Capabilities": CAPABILITIES,
        **template,
    }
    if token:
        arguments["ClientRequestToken"] = token
    if role_arn:
        arguments["RoleARN"] = role_arn
    try:
        if state.change_set_type == "CREATE":
            return str(cfn.create_stack(**arguments)["StackId"])
        return str(cfn.update_stack(**arguments)["StackId"])
    except ClientError as error:
        if any(text in describe_error(error) for text in NO_CHANGES):
            return None
        raise AwsFailure(f"deploying {state.name}: {describe_error(error)}", 1) from None
    except TRANSPORT_ERRORS as error:
        raise AwsFailure(f"deploying {state.name}: {describe_error(error)}") from None
