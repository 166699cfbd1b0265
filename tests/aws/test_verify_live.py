"""verify against the gated dev platform deployed into moto's server (once for the module):
untouched, every resource moto models is judged live by the same checks and verify exits 0;
each out-of-band change (made with boto3, undone after its test) exits 1 naming the control
and the resource; a stack running another template exits 1."""

from __future__ import annotations

import hashlib
import io
import json
from collections.abc import Callable, Iterator
from contextlib import redirect_stdout
from pathlib import Path
from typing import Any

import pytest

from compliance.aws.stack import s3_url
from compliance.cli import main
from compliance.record.findings import FindingsRecord
from compliance.record.load import load_record
from scripts.local_aws import LOCAL_CREDENTIALS, LocalAws, cdk_bootstrap
from tests.aws.conftest import ACCOUNT, REGION

pytestmark = pytest.mark.slow

INGESTION = "BucketsIngestionBucket070AAFA1"
ANALYTICS = "BucketsAnalyticsBucketD7328E4F"
ARCHIVAL = "BucketsArchivalBucket629F00A4"
S3_KEY = "KeysS3EncryptionKeyF1548A44"
PROCESSING_ROLE = "ProcessingDataProcessingLambdaRole9C54603A"
SESSIONS = "TablesSessionsTable36080595"
#: What moto does not model (its CloudFormation creates no Aurora cluster).
NOT_TESTED = {
    "DatabaseTradingDatabaseC92BC4A6": "the stack lists no physical resource for it",
    "DatabaseTradingDatabasewriterDDD24FA1": "judged through DatabaseTradingDatabaseC92BC4A6",
}


def _env() -> dict[str, str]:
    return {
        **LOCAL_CREDENTIALS,
        "AWS_CONFIG_FILE": "/dev/null",
        "AWS_SHARED_CREDENTIALS_FILE": "/dev/null",
        "COLUMNS": "250",
    }


def _run(args: list[str]) -> tuple[int, str]:
    buffer = io.StringIO()
    with pytest.MonkeyPatch.context() as patch:
        for name, value in _env().items():
            patch.setenv(name, value)
        patch.delenv("AWS_PROFILE", raising=False)
        with redirect_stdout(buffer):
            code = main(args)
    return code, buffer.getvalue()


@pytest.fixture(scope="module")
def deployed(local_aws: LocalAws, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The gated dev platform deployed once; its evidence folder."""
    local_aws.reset()
    cdk_bootstrap(local_aws, ACCOUNT, REGION)
    out = tmp_path_factory.mktemp("verify-live")
    code, output = _run(
        ["deploy", "--env", "dev", "--yes", "--poll", "0.05", "--out", str(out),
         "--endpoint-url", local_aws.endpoint_url]
    )  # fmt: skip
    assert code == 0, output
    return out


def _verify(out: Path, aws: LocalAws, *extra: str) -> tuple[int, str, FindingsRecord]:
    args = ["verify", "--env", "dev", "--out", str(out), "--endpoint-url", aws.endpoint_url]
    code, output = _run([*args, "--drift-timeout", "5", *extra])
    return code, " ".join(output.split()), load_record(out / "findings.json")


def _physical(aws: LocalAws, logical_id: str) -> str:
    cfn = aws.client("cloudformation", ACCOUNT, REGION)
    for page in cfn.get_paginator("list_stack_resources").paginate(StackName="TapStack-dev"):
        for resource in page["StackResourceSummaries"]:
            if resource["LogicalResourceId"] == logical_id:
                return str(resource["PhysicalResourceId"])
    raise AssertionError(f"no {logical_id} in TapStack-dev")


def test_untouched_every_modelled_resource_is_judged_live(
    deployed: Path, local_aws: LocalAws
) -> None:
    code, output, record = _verify(deployed, local_aws)
    assert code == 0, output
    check = record.runtime
    assert check is not None
    assert [t.matches for t in check.templates] == [True]
    gated = next(t.sha256 for t in record.targets if t.stack == "TapStack-dev")
    assert check.templates[0].sha256 == gated
    untested = {r.logical_id: r.note for r in check.live if r.state != "read"}
    assert set(untested) == set(NOT_TESTED)
    for logical_id, why in NOT_TESTED.items():
        assert why in (untested[logical_id] or "")
    read = {r.logical_id: r for r in check.live if r.state == "read"}
    assert len(read) == 21
    live = [f for f in record.findings if f.source == "aws-api"]
    # read, and out of every control's scope: functions with no environment (TAP-ENC-05)
    assert set(read) - {f.resource.logical_id for f in live} == {
        "CustomS3AutoDeleteObjectsCustomResourceProviderHandler9D90184F",
        "CustomVpcRestrictDefaultSGCustomResourceProviderHandlerDC833E5E",
    }
    # TAP-DAT-01 is out of dev's scope by design (retain_data: false), live as in the template
    assert {f.status for f in live} == {"pass", "not-applicable"}
    assert {f.control_id for f in live if f.status == "not-applicable"} == {"TAP-DAT-01"}
    assert {f.control_id for f in live} == {
        "TAP-ENC-01", "TAP-ENC-02", "TAP-ENC-05", "TAP-ENC-06", "TAP-TLS-01",
        "TAP-PUB-01", "TAP-PUB-02", "TAP-IAM-01", "TAP-DAT-01",
    }  # fmt: skip
    # the evidence: every answer kept, hashed as the record says
    bucket = read[INGESTION]
    assert bucket.apis == [
        "s3:GetBucketEncryption", "s3:GetPublicAccessBlock", "s3:GetBucketAcl",
        "s3:GetBucketPolicy",
    ]  # fmt: skip
    evidence = json.loads((deployed / str(bucket.evidence)).read_text())
    assert [hashlib.sha256(a["answer"].encode()).hexdigest() for a in evidence["answers"]] == [
        a.sha256 for a in bucket.answers
    ]
    function = read["ProcessingDataProcessingFunction3798304B"]
    kept = (deployed / str(function.evidence)).read_text()
    assert "SESSIONS_TABLE" in kept and "user-sessions-dev" not in kept  # names, no values
    assert check.drift is not None and not check.drift.available
    assert "live: 21 resource(s) read" in output and "2 resource(s) not tested" in output
    assert not [c for c in check.comparisons if c.disagreement]
    # the live findings count for their PCI DSS requirements beside the static ones
    assert record.coverage is not None
    entry = next(e for e in record.coverage.pci_dss.v4_0_1 if e.id == "3.5.1")
    mapped = [f for f in record.findings if "3.5.1" in f.pci_dss.v4_0_1]
    static = [f for f in mapped if f.source not in ("aws-api", "aws-config")]
    assert entry.results.total == len(mapped) > len(static)


def _s3(aws: LocalAws) -> Any:
    return aws.client("s3", ACCOUNT, REGION)


def _bucket_encryption(aws: LocalAws, default: dict[str, str]) -> Callable[[], None]:
    s3, name = _s3(aws), _physical(aws, INGESTION)
    before = s3.get_bucket_encryption(Bucket=name)["ServerSideEncryptionConfiguration"]
    s3.put_bucket_encryption(
        Bucket=name,
        ServerSideEncryptionConfiguration={
            "Rules": [{"ApplyServerSideEncryptionByDefault": default}]
        },
    )
    return lambda: s3.put_bucket_encryption(Bucket=name, ServerSideEncryptionConfiguration=before)


def _sse_s3(aws: LocalAws) -> Callable[[], None]:
    return _bucket_encryption(aws, {"SSEAlgorithm": "AES256"})


def _aws_managed_key(aws: LocalAws) -> Callable[[], None]:
    return _bucket_encryption(aws, {"SSEAlgorithm": "aws:kms", "KMSMasterKeyID": "alias/aws/s3"})


def _public_access_block_removed(aws: LocalAws) -> Callable[[], None]:
    s3, name = _s3(aws), _physical(aws, ANALYTICS)
    before = s3.get_public_access_block(Bucket=name)["PublicAccessBlockConfiguration"]
    s3.delete_public_access_block(Bucket=name)
    return lambda: s3.put_public_access_block(Bucket=name, PublicAccessBlockConfiguration=before)


def _public_acl(aws: LocalAws) -> Callable[[], None]:
    s3, name = _s3(aws), _physical(aws, ARCHIVAL)
    s3.put_bucket_acl(Bucket=name, ACL="public-read")
    return lambda: s3.put_bucket_acl(Bucket=name, ACL="private")


def _public_policy(aws: LocalAws) -> Callable[[], None]:
    s3, name = _s3(aws), _physical(aws, ARCHIVAL)
    before = s3.get_bucket_policy(Bucket=name)["Policy"]
    document = json.loads(before)
    document["Statement"].append(
        {"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject",
         "Resource": f"arn:aws:s3:::{name}/*"}
    )  # fmt: skip
    s3.put_bucket_policy(Bucket=name, Policy=json.dumps(document))
    return lambda: s3.put_bucket_policy(Bucket=name, Policy=before)


def _rotation_off(aws: LocalAws) -> Callable[[], None]:
    kms, key = aws.client("kms", ACCOUNT, REGION), _physical(aws, S3_KEY)
    kms.disable_key_rotation(KeyId=key)
    return lambda: kms.enable_key_rotation(KeyId=key)


def _regional_deny_detached(aws: LocalAws) -> Callable[[], None]:
    iam, role = aws.client("iam", ACCOUNT, REGION), _physical(aws, PROCESSING_ROLE)
    arn = f"arn:aws:iam::{ACCOUNT}:policy/tap-regional-deny-dev"
    iam.detach_role_policy(RoleName=role, PolicyArn=arn)
    return lambda: iam.attach_role_policy(RoleName=role, PolicyArn=arn)


def _pitr_off(aws: LocalAws) -> Callable[[], None]:
    dynamodb, table = aws.client("dynamodb", ACCOUNT, REGION), _physical(aws, SESSIONS)

    def recovery(on: bool) -> None:
        dynamodb.update_continuous_backups(
            TableName=table, PointInTimeRecoverySpecification={"PointInTimeRecoveryEnabled": on}
        )

    recovery(False)
    return lambda: recovery(True)


CHANGES: dict[str, tuple[Callable[[LocalAws], Callable[[], None]], str, str, str]] = {
    "encryption off (SSE-S3)": (_sse_s3, "TAP-ENC-01", INGESTION, "SSEAlgorithm AES256"),
    "encryption to an AWS-managed key": (
        _aws_managed_key, "TAP-ENC-01", INGESTION, "AWS-managed key (alias/aws/s3)"
    ),
    "public access block removed": (
        _public_access_block_removed, "TAP-PUB-01", ANALYTICS, "no PublicAccessBlockConfiguration"
    ),
    "public ACL": (_public_acl, "TAP-PUB-02", ARCHIVAL, "PublicRead"),
    "public policy": (_public_policy, "TAP-PUB-02", ARCHIVAL, "statement 2 allows everyone"),
    "rotation off": (_rotation_off, "TAP-ENC-06", S3_KEY, "EnableKeyRotation is not true"),
    "regional deny detached": (_regional_deny_detached, "TAP-IAM-01", PROCESSING_ROLE, "no Deny"),
}  # fmt: skip


@pytest.fixture
def changed(
    request: pytest.FixtureRequest, deployed: Path, local_aws: LocalAws
) -> Iterator[tuple[str, str, str]]:
    """One out-of-band change, undone after the test."""
    change, control, resource, reason = CHANGES[request.param]
    with pytest.MonkeyPatch.context() as patch:
        for name, value in _env().items():
            patch.setenv(name, value)
        undo = change(local_aws)
    yield control, resource, reason
    with pytest.MonkeyPatch.context() as patch:
        for name, value in _env().items():
            patch.setenv(name, value)
        undo()


@pytest.mark.parametrize("changed", list(CHANGES), indirect=True)
def test_each_out_of_band_change_fails_naming_it(
    changed: tuple[str, str, str], deployed: Path, local_aws: LocalAws
) -> None:
    control, resource, reason = changed
    code, output, record = _verify(deployed, local_aws)
    assert code == 1
    failing = {
        (f.control_id, f.resource.logical_id)
        for f in record.findings
        if f.source == "aws-api" and f.status == "fail"
    }
    assert failing == {(control, resource)}, output
    assert f"live FAIL {control} {resource}" in output
    finding = next(f for f in record.findings if f.source == "aws-api" and f.status == "fail")
    assert reason in finding.message
    assert record.runtime is not None
    assert [(c.control_id, c.logical_id) for c in record.runtime.comparisons if c.disagreement] == [
        (control, resource)
    ]


def test_point_in_time_recovery_off_in_dev_is_not_applicable_by_design(
    deployed: Path, local_aws: LocalAws
) -> None:
    """dev keeps no data by design (retain_data: false): TAP-DAT-01 is out of its scope live
    as in the template, so PITR switched off there is named, with the check's own verdict,
    and blocks nothing."""
    with pytest.MonkeyPatch.context() as patch:
        for name, value in _env().items():
            patch.setenv(name, value)
        undo = _pitr_off(local_aws)
    try:
        code, output, record = _verify(deployed, local_aws)
    finally:
        with pytest.MonkeyPatch.context() as patch:
            for name, value in _env().items():
                patch.setenv(name, value)
            undo()
    assert code == 0, output
    finding = next(
        f
        for f in record.findings
        if f.source == "aws-api" and f.control_id == "TAP-DAT-01"
        and f.resource.logical_id == SESSIONS
    )  # fmt: skip
    assert finding.status == "not-applicable"
    assert "point-in-time recovery is off" in finding.message


def test_zz_a_stack_running_another_template_fails(deployed: Path, local_aws: LocalAws) -> None:
    """Last in the module: the stack is left running the other template."""
    template = json.loads((deployed / "cdk.out" / "TapStack-dev.template.json").read_text())
    template["Description"] = "changed out of band"
    with pytest.MonkeyPatch.context() as patch:
        for name, value in _env().items():
            patch.setenv(name, value)
        s3 = _s3(local_aws)
        bucket = f"cdk-hnb659fds-assets-{ACCOUNT}-{REGION}"
        s3.put_object(Bucket=bucket, Key="other.json", Body=json.dumps(template).encode())
        cfn = local_aws.client("cloudformation", ACCOUNT, REGION)
        cfn.update_stack(
            StackName="TapStack-dev",
            TemplateURL=s3_url(bucket, "other.json", REGION),
            Capabilities=["CAPABILITY_IAM", "CAPABILITY_NAMED_IAM", "CAPABILITY_AUTO_EXPAND"],
        )
    code, output, record = _verify(deployed, local_aws)
    assert code == 1
    assert record.runtime is not None
    (deployed_template,) = record.runtime.templates
    gated = next(t.sha256 for t in record.targets if t.stack == "TapStack-dev")
    assert deployed_template.message == (
        f"deployed template differs: sha256 {deployed_template.sha256}, gated {gated}"
    )
    assert "deployed template differs" in output
