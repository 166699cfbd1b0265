"""The deployer against moto's server: bootstrap, dry run, create, update, endpoint, credentials."""

from __future__ import annotations

import hashlib
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from botocore.stub import Stubber

from compliance.aws.bootstrap import bootstrap_command
from compliance.aws.errors import AwsFailure
from compliance.aws.session import AwsSession
from compliance.record.deployment import load_deployment
from compliance.record.findings import FindingsRecord
from scripts.local_aws import LocalAws, cdk_bootstrap, free_port
from tests.aws.conftest import ACCOUNT, REGION
from tests.aws.deploy_helpers import deployment, with_extra_queue

pytestmark = pytest.mark.slow  # the small app is synthesized and gated once

Gated = tuple[Path, FindingsRecord]
HINT = f"run `{bootstrap_command(ACCOUNT, REGION)}`"


@pytest.fixture
def fresh(local_aws: LocalAws) -> LocalAws:
    """An empty, bootstrapped account."""
    local_aws.reset()
    cdk_bootstrap(local_aws, ACCOUNT, REGION)
    return local_aws


def test_missing_bootstrap_is_one_line_exit_2(
    local_aws: LocalAws, vault_gated: Gated, tmp_path: Path
) -> None:
    local_aws.reset()
    deployer, _ = deployment(vault_gated, tmp_path, endpoint_url=local_aws.endpoint_url)
    with pytest.raises(AwsFailure) as failure:
        deployer.run()
    assert failure.value.exit_code == 2
    assert str(failure.value) == (
        f"aws://{ACCOUNT}/{REGION} is not bootstrapped for CDK (no SSM parameter "
        f"/cdk-bootstrap/hnb659fds/version): {HINT}"
    )
    assert not (tmp_path / "deployment.json").exists()


def test_old_bootstrap_is_one_line_exit_2(
    local_aws: LocalAws, vault_gated: Gated, tmp_path: Path
) -> None:
    local_aws.reset()
    cdk_bootstrap(local_aws, ACCOUNT, REGION, version=5)
    deployer, _ = deployment(vault_gated, tmp_path, endpoint_url=local_aws.endpoint_url)
    with pytest.raises(AwsFailure) as failure:
        deployer.run()
    assert failure.value.exit_code == 2
    assert "has CDK bootstrap version 5; this assembly needs 6 or later" in str(failure.value)
    assert HINT in str(failure.value)


def test_dry_run_shows_the_changes_and_leaves_nothing(
    fresh: LocalAws, vault_gated: Gated, tmp_path: Path
) -> None:
    deployer, printed = deployment(
        vault_gated, tmp_path, endpoint_url=fresh.endpoint_url, dry_run=True
    )
    assert deployer.run() == 0
    text = printed.getvalue()
    assert "add" in text and "VaultKey" in text and "dry run" in text
    cfn = fresh.client("cloudformation", ACCOUNT, REGION)
    assert cfn.list_stacks()["StackSummaries"] == [] or all(
        s["StackStatus"] == "DELETE_COMPLETE" for s in cfn.list_stacks()["StackSummaries"]
    )
    record = load_deployment(tmp_path / "deployment.json")
    assert record.outcome == "dry-run" and record.changes


def test_create_then_update_shows_the_diff(
    fresh: LocalAws, vault_gated: Gated, tmp_path: Path
) -> None:
    first, _ = deployment(vault_gated, tmp_path, endpoint_url=fresh.endpoint_url)
    assert first.run() == 0
    created = load_deployment(tmp_path / "deployment.json")
    assert created.outcome == "created" and created.template.delivery == "inline"
    assert "VaultName" in created.outputs
    assert _received_sha(fresh, str(created.stack_id)) == created.template.sha256

    updated_target = with_extra_queue(first.target)
    second, printed = deployment(
        vault_gated, tmp_path, endpoint_url=fresh.endpoint_url, target=updated_target
    )
    assert second.run() == 0
    updated = load_deployment(tmp_path / "deployment.json")
    assert updated.outcome == "updated"
    assert [(c.action, c.logical_id) for c in updated.changes] == [("Add", "ExtraQueue")]
    assert "ExtraQueue" in printed.getvalue()
    assert _received_sha(fresh, str(updated.stack_id)) == updated_target.sha256


def test_unreachable_endpoint_is_one_line_exit_2(vault_gated: Gated, tmp_path: Path) -> None:
    nowhere = f"http://127.0.0.1:{free_port()}"
    deployer, _ = deployment(vault_gated, tmp_path, endpoint_url=nowhere)
    with pytest.raises(AwsFailure) as failure:
        deployer.run()
    assert failure.value.exit_code == 2
    assert f"cannot reach the AWS endpoint {nowhere}" in str(failure.value)


def test_missing_credentials_are_one_line_exit_2(
    local_aws: LocalAws, vault_gated: Gated, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("AWS_ACCESS_KEY_ID")
    monkeypatch.delenv("AWS_SECRET_ACCESS_KEY")
    deployer, _ = deployment(vault_gated, tmp_path, endpoint_url=local_aws.endpoint_url)
    with pytest.raises(AwsFailure) as failure:
        deployer.run()
    assert failure.value.exit_code == 2
    assert "no AWS credentials found" in str(failure.value)


def test_refused_credentials_are_one_line_without_secrets() -> None:
    """moto accepts any key, so AWS's refusal is given by Stubber (validated by the model)."""
    session = AwsSession.open(profile=None, region=REGION, endpoint_url=None)
    with Stubber(session.client("sts")) as stub:
        stub.add_client_error(
            "get_caller_identity",
            "InvalidClientTokenId",
            "The security token included in the request is invalid.",
            403,
        )
        with pytest.raises(AwsFailure) as failure:
            session.account()
    message = str(failure.value)
    assert message == (
        "checking the AWS credentials: GetCallerIdentity: the AWS credentials were refused "
        "(InvalidClientTokenId)"
    )
    assert "AKIA" not in message and "secret" not in message


def _received_sha(aws: LocalAws, stack_id: str) -> str:
    cfn = aws.client("cloudformation", ACCOUNT, REGION)
    raw: list[bytes] = []
    cfn.meta.events.register(
        "response-received.cloudformation.GetTemplate",
        lambda response_dict, **_: raw.append(response_dict["body"]),
    )
    cfn.get_template(StackName=stack_id)
    body = ET.fromstring(raw[0]).find(".//{*}TemplateBody")
    assert body is not None and body.text is not None
    return hashlib.sha256(body.text.encode()).hexdigest()


def test_direct_method_creates_then_reports_no_changes(
    fresh: LocalAws, vault_gated: Gated, tmp_path: Path
) -> None:
    first, printed = deployment(
        vault_gated, tmp_path, endpoint_url=fresh.endpoint_url, method="direct"
    )
    assert first.run() == 0
    created = load_deployment(tmp_path / "deployment.json")
    assert (created.method, created.outcome, created.change_set_id) == ("direct", "created", None)
    assert "CREATE_COMPLETE" in printed.getvalue()
    assert _received_sha(fresh, str(created.stack_id)) == created.template.sha256
    again, printed = deployment(
        vault_gated, tmp_path, endpoint_url=fresh.endpoint_url, method="direct"
    )
    assert again.run() == 0
    assert "no changes" in printed.getvalue()
    assert load_deployment(tmp_path / "deployment.json").outcome == "no-changes"


def test_unknown_profile_is_one_line_exit_2(
    local_aws: LocalAws, vault_gated: Gated, tmp_path: Path
) -> None:
    deployer, _ = deployment(
        vault_gated, tmp_path, endpoint_url=local_aws.endpoint_url, profile="no-such-profile"
    )
    with pytest.raises(AwsFailure) as failure:
        deployer.run()
    assert failure.value.exit_code == 2
    assert str(failure.value) == (
        "AWS session: The config profile (no-such-profile) could not be found"
    )
