"""What moto cannot produce, given by botocore's Stubber (requests and responses are checked
against CloudFormation's service model): a failed change set, a rollback with its failed
resources, a stack stuck in progress or in UPDATE_ROLLBACK_FAILED, a data-store replacement."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.stub import ANY, Stubber

from compliance.aws.errors import AwsFailure
from compliance.aws.events import StillInProgress, wait_for_stack
from compliance.aws.stack import StackState, describe_stack, ensure_deployable
from compliance.record.deployment import load_deployment
from compliance.record.findings import FindingsRecord
from tests.aws.deploy_helpers import deployment, plain_console

Gated = tuple[Path, FindingsRecord]
ARN = "arn:aws:cloudformation:us-east-1:111111111111"
STACK_ID = f"{ARN}:stack/TapStack-dev/1d2c3b4a-0000-1111-2222-333344445555"
CHANGE_SET_ID = f"{ARN}:changeSet/tap-compliance-1/aaaabbbb-0000-1111-2222-333344445555"
#: Logical ids of the gated small app's template.
VAULT, VAULT_KEY = "Vault23237E5B", "VaultKey6B75F33E"
#: Events of the operation under test happen after the test starts.
NOW = datetime.now(UTC) + timedelta(hours=1)


def _cfn() -> Any:
    return boto3.client("cloudformation", region_name="us-east-1")


def _stack(status: str) -> dict[str, Any]:
    return {
        "Stacks": [
            {
                "StackName": "TapStack-dev",
                "StackId": STACK_ID,
                "StackStatus": status,
                "CreationTime": NOW,
            }
        ]
    }


def _event(
    n: int, logical: str, kind: str, status: str, reason: str | None = None
) -> dict[str, Any]:
    event = {
        "StackId": STACK_ID,
        "EventId": f"event-{n}",
        "StackName": "TapStack-dev",
        "LogicalResourceId": logical,
        "ResourceType": kind,
        "ResourceStatus": status,
        "Timestamp": NOW + timedelta(seconds=n),
    }
    if reason:
        event["ResourceStatusReason"] = reason
    return event


def _change_set(
    stub: Stubber,
    status: str,
    reason: str | None,
    changes: list[dict[str, Any]],
    template: bytes | None = None,
) -> None:
    """CreateChangeSet and its description; with ``template``, GetTemplate of the change set."""
    stub.add_response(
        "create_change_set",
        {"Id": CHANGE_SET_ID, "StackId": STACK_ID},
        {
            "StackName": "TapStack-dev",
            "ChangeSetName": ANY,
            "ChangeSetType": "UPDATE",
            "Capabilities": ANY,
            "Description": ANY,
            "TemplateBody": ANY,
            "RoleARN": ANY,
            "ClientToken": ANY,
        },
    )
    described: dict[str, Any] = {
        "ChangeSetId": CHANGE_SET_ID,
        "StackId": STACK_ID,
        "Status": status,
        "Changes": changes,
    }
    if reason:
        described["StatusReason"] = reason
    stub.add_response(
        "describe_change_set", described, {"ChangeSetName": CHANGE_SET_ID, "StackName": STACK_ID}
    )
    if template is not None:
        stub.add_response(
            "get_template",
            {"TemplateBody": template.decode()},
            {"StackName": STACK_ID, "ChangeSetName": CHANGE_SET_ID, "TemplateStage": "Original"},
        )


def _stack_template(stub: Stubber, template: bytes) -> None:
    stub.add_response(
        "get_template",
        {"TemplateBody": template.decode()},
        {"StackName": STACK_ID, "TemplateStage": "Original"},
    )


def _modify(
    logical: str, kind: str, replacement: str | None, action: str = "Modify"
) -> dict[str, Any]:
    change = {"Action": action, "LogicalResourceId": logical, "ResourceType": kind}
    if replacement is not None:
        change["Replacement"] = replacement
    return {"Type": "Resource", "ResourceChange": change}


def _delete_change_set(stub: Stubber) -> None:
    stub.add_response(
        "delete_change_set", {}, {"ChangeSetName": CHANGE_SET_ID, "StackName": STACK_ID}
    )


UPDATE = StackState("TapStack-dev", "UPDATE_COMPLETE", STACK_ID)


@pytest.mark.slow
def test_failed_change_set_exits_1_with_its_reason(vault_gated: Gated, tmp_path: Path) -> None:
    deployer, _ = deployment(vault_gated, tmp_path)
    cfn = _cfn()
    reason = (
        "Template format error: Unresolved resource dependencies [Missing] in the Resources block"
    )
    with Stubber(cfn) as stub:
        _change_set(stub, "FAILED", reason, [])
        _delete_change_set(stub)
        with pytest.raises(AwsFailure) as failure:
            deployer.via_change_set(cfn, UPDATE, {"TemplateBody": "{}"})
        stub.assert_no_pending_responses()
    assert failure.value.exit_code == 1
    assert str(failure.value).endswith(f"failed: {reason}")


@pytest.mark.slow
def test_rollback_exits_1_naming_each_failed_resource(vault_gated: Gated, tmp_path: Path) -> None:
    deployer, printed = deployment(vault_gated, tmp_path)
    cfn = _cfn()
    reason = "Resource handler returned message: Access Denied (HandlerErrorCode: AccessDenied)"
    failed = _event(2, VAULT, "AWS::S3::Bucket", "UPDATE_FAILED", reason)
    template = deployer.target.template
    with Stubber(cfn) as stub:
        _change_set(
            stub, "CREATE_COMPLETE", None, [_modify(VAULT, "AWS::S3::Bucket", "False")], template
        )
        stub.add_response(
            "execute_change_set",
            {},
            {"ChangeSetName": CHANGE_SET_ID, "StackName": STACK_ID, "ClientRequestToken": ANY},
        )
        stub.add_response("describe_stacks", _stack("UPDATE_ROLLBACK_IN_PROGRESS"))
        stub.add_response(
            "describe_stack_events",
            {
                "StackEvents": [
                    failed,
                    _event(1, "TapStack-dev", "AWS::CloudFormation::Stack", "UPDATE_IN_PROGRESS"),
                ]
            },
        )
        stub.add_response("describe_stacks", _stack("UPDATE_ROLLBACK_COMPLETE"))
        stub.add_response(
            "describe_stack_events",
            {
                "StackEvents": [
                    _event(
                        3, "TapStack-dev", "AWS::CloudFormation::Stack", "UPDATE_ROLLBACK_COMPLETE"
                    ),
                    failed,
                ]
            },
        )
        stub.add_response("describe_stacks", _stack("UPDATE_ROLLBACK_COMPLETE"))
        assert deployer.via_change_set(cfn, UPDATE, {"TemplateBody": "{}"}) == 1
        stub.assert_no_pending_responses()
    text = printed.getvalue()
    assert "deployment failed: UPDATE_ROLLBACK_COMPLETE" in text
    assert (
        f"{VAULT} (AWS::S3::Bucket) UPDATE_FAILED: Resource handler returned message: "
        "Access Denied" in text
    )
    record = load_deployment(tmp_path / "deployment.json")
    assert record.outcome == "rolled-back"
    assert [(f.logical_id, f.status) for f in record.failures] == [(VAULT, "UPDATE_FAILED")]


@pytest.mark.slow
def test_data_store_replacement_in_prod_is_refused(vault_gated: Gated, tmp_path: Path) -> None:
    deployer, printed = deployment(vault_gated, tmp_path, env="prod")
    cfn = _cfn()
    with Stubber(cfn) as stub:
        _change_set(
            stub,
            "CREATE_COMPLETE",
            None,
            [
                _modify(VAULT, "AWS::S3::Bucket", "True"),
                _modify(VAULT_KEY, "AWS::KMS::Key", "False"),
            ],
            deployer.target.template,
        )
        _delete_change_set(stub)
        assert deployer.via_change_set(cfn, UPDATE, {"TemplateBody": "{}"}) == 1
        stub.assert_no_pending_responses()  # nothing executed
    text = printed.getvalue()
    assert "replace" in text and "REPLACES A DATA STORE" in text
    assert (
        f"refused: the change set replaces data store(s) in prod: {VAULT} (AWS::S3::Bucket)" in text
    )
    assert load_deployment(tmp_path / "deployment.json").outcome == "refused"


@pytest.mark.slow
def test_replacement_in_dev_is_highlighted_not_refused(vault_gated: Gated, tmp_path: Path) -> None:
    deployer, printed = deployment(vault_gated, tmp_path, dry_run=True)
    cfn = _cfn()
    with Stubber(cfn) as stub:
        _change_set(
            stub,
            "CREATE_COMPLETE",
            None,
            [_modify(VAULT, "AWS::S3::Bucket", "True")],
            deployer.target.template,
        )
        _delete_change_set(stub)
        assert deployer.via_change_set(cfn, UPDATE, {"TemplateBody": "{}"}) == 0
        stub.assert_no_pending_responses()
    assert "REPLACES A DATA STORE" in printed.getvalue()


@pytest.mark.slow
@pytest.mark.parametrize(
    ("action", "replacement"), [("Modify", None), ("Modify", "Conditional"), ("Dynamic", None)]
)
def test_a_data_store_change_not_stated_as_no_replacement_is_refused_in_prod(
    vault_gated: Gated, tmp_path: Path, action: str, replacement: str | None
) -> None:
    """Only ``Replacement: False`` says a data store survives; nothing is executed otherwise."""
    deployer, printed = deployment(vault_gated, tmp_path, env="prod")
    cfn = _cfn()
    with Stubber(cfn) as stub:
        _change_set(
            stub,
            "CREATE_COMPLETE",
            None,
            [_modify(VAULT, "AWS::S3::Bucket", replacement, action)],
            deployer.target.template,
        )
        _delete_change_set(stub)
        assert deployer.via_change_set(cfn, UPDATE, {"TemplateBody": "{}"}) == 1
        stub.assert_no_pending_responses()  # ExecuteChangeSet never called
    expected = f"refused: the change set replaces data store(s) in prod: {VAULT} (AWS::S3::Bucket)"
    assert expected in printed.getvalue()
    record = load_deployment(tmp_path / "deployment.json")
    assert (record.outcome, record.message) == (
        "refused",
        expected + "; pass --allow-replace to accept the data loss",
    )


@pytest.mark.slow
def test_a_change_set_with_a_resource_the_gate_never_saw_is_refused(
    vault_gated: Gated, tmp_path: Path
) -> None:
    deployer, printed = deployment(vault_gated, tmp_path)
    cfn = _cfn()
    planted = _modify("PlantedPublicBucket", "AWS::S3::Bucket", None, "Add")
    with Stubber(cfn) as stub:
        _change_set(stub, "CREATE_COMPLETE", None, [planted])
        _delete_change_set(stub)
        assert deployer.via_change_set(cfn, UPDATE, {"TemplateBody": "{}"}) == 1
        stub.assert_no_pending_responses()
    expected = (
        "refused: the change set changes resources the gated template does not declare: "
        "PlantedPublicBucket (AWS::S3::Bucket, Add)"
    )
    assert expected in printed.getvalue()
    record = load_deployment(tmp_path / "deployment.json")
    assert (record.outcome, record.message) == ("refused", expected)


@pytest.mark.slow
def test_a_change_set_of_another_template_is_refused_naming_both_digests(
    vault_gated: Gated, tmp_path: Path
) -> None:
    deployer, _ = deployment(vault_gated, tmp_path)
    cfn = _cfn()
    other = deployer.target.template + b" "
    with Stubber(cfn) as stub:
        _change_set(
            stub, "CREATE_COMPLETE", None, [_modify(VAULT, "AWS::S3::Bucket", "False")], other
        )
        _delete_change_set(stub)
        assert deployer.via_change_set(cfn, UPDATE, {"TemplateBody": "{}"}) == 1
        stub.assert_no_pending_responses()
    record = load_deployment(tmp_path / "deployment.json")
    assert record.outcome == "refused"
    assert record.message == (
        f"refused: the change set's template has SHA-256 {hashlib.sha256(other).hexdigest()}, "
        f"not the gated {deployer.target.sha256}"
    )


@pytest.mark.parametrize(
    ("status", "expected"),
    [
        ("UPDATE_IN_PROGRESS", "another operation is running on it; not waiting on it"),
        ("UPDATE_ROLLBACK_FAILED", "continue the rollback first"),
        ("ROLLBACK_COMPLETE", "its creation failed; delete it first"),
    ],
)
def test_stuck_or_blocked_stack_is_reported_exit_1(status: str, expected: str) -> None:
    cfn = _cfn()
    with Stubber(cfn) as stub:
        stub.add_response("describe_stacks", _stack(status), {"StackName": "TapStack-dev"})
        state = describe_stack(cfn, "TapStack-dev")
    with pytest.raises(AwsFailure) as failure:
        ensure_deployable(state)
    assert failure.value.exit_code == 1
    assert str(failure.value).startswith(f"stack TapStack-dev is {status}: ")
    assert expected in str(failure.value)


def test_a_stack_that_never_finishes_is_not_waited_on_for_ever() -> None:
    cfn = _cfn()
    console, _ = plain_console()
    now = [0.0]

    def sleep(seconds: float) -> None:
        now[0] += seconds

    with Stubber(cfn) as stub:
        for _ in range(2):
            stub.add_response("describe_stacks", _stack("UPDATE_IN_PROGRESS"))
            stub.add_response("describe_stack_events", {"StackEvents": []})
        with pytest.raises(StillInProgress) as failure:
            wait_for_stack(
                cfn,
                STACK_ID,
                since=NOW,
                console=console,
                timeout=2.5,
                poll=1,
                sleep=sleep,
                clock=lambda: now[0],
            )
        stub.assert_no_pending_responses()
    assert (failure.value.exit_code, failure.value.status) == (1, "UPDATE_IN_PROGRESS")
    assert str(failure.value) == (
        "stack still UPDATE_IN_PROGRESS after waiting 1 s, its time is up; not waiting longer "
        "(the operation goes on in CloudFormation)"
    )


@pytest.mark.slow
def test_off_a_terminal_the_change_set_shows_every_id_whole(
    vault_gated: Gated, tmp_path: Path
) -> None:
    """A CI log 80 columns wide: a dozen ids that differ only near their end each read whole
    on their row, never cut to the same prefix."""
    deployer, printed = deployment(vault_gated, tmp_path, width=80)
    kind = "AWS::EC2::SubnetRouteTableAssociation"
    ids = [f"NetworkTradingVpcPublicSubnet{n}RouteTableAssociation{n:08X}" for n in range(12)]
    cfn = _cfn()
    with Stubber(cfn) as stub:
        _change_set(stub, "CREATE_COMPLETE", None, [_modify(i, kind, None, "Add") for i in ids])
        _delete_change_set(stub)
        assert deployer.via_change_set(cfn, UPDATE, {"TemplateBody": "{}"}) == 1  # not gated
        stub.assert_no_pending_responses()
    text = printed.getvalue()
    assert "…" not in text
    rows = [line for line in text.splitlines() if line.startswith("│ add")]
    assert [row.split("│")[2].strip() for row in rows] == ids
    assert all(row.split("│")[3].strip() == kind for row in rows)
