"""The whole gated dev platform deployed into moto's server, twice (the second: no changes)."""

from __future__ import annotations

import hashlib
import json
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path

import jsonschema
import pytest

from compliance.cli import main
from compliance.record.deployment import DeploymentRecord, load_deployment
from compliance.record.load import load_record
from scripts.local_aws import LocalAws, cdk_bootstrap
from tests.aws.conftest import ACCOUNT, REGION

pytestmark = pytest.mark.slow


@dataclass
class Run:
    code: int
    output: str
    requests: list[str]
    deployment: DeploymentRecord


@pytest.fixture(scope="module")
def platform(
    local_aws: LocalAws, tmp_path_factory: pytest.TempPathFactory
) -> tuple[Path, list[Run]]:
    """Deploy dev twice with --yes; each run's exit code, output and the requests it made."""
    import io
    from contextlib import redirect_stdout

    local_aws.reset()
    cdk_bootstrap(local_aws, ACCOUNT, REGION)
    out = tmp_path_factory.mktemp("platform-out")
    runs = []
    for _ in range(2):
        before = len(local_aws.log.lines)
        buffer = io.StringIO()
        with pytest.MonkeyPatch.context() as patch:
            for name, value in {
                "AWS_ACCESS_KEY_ID": "AKIALOCALMOTOSERVER0",
                "AWS_SECRET_ACCESS_KEY": "local-moto-server-secret",
                "AWS_CONFIG_FILE": "/dev/null",
                "AWS_SHARED_CREDENTIALS_FILE": "/dev/null",
            }.items():
                patch.setenv(name, value)
            patch.delenv("AWS_PROFILE", raising=False)
            with redirect_stdout(buffer):
                code = main(
                    [
                        "deploy",
                        "--env",
                        "dev",
                        "--yes",
                        "--poll",
                        "0.05",
                        "--out",
                        str(out),
                        "--endpoint-url",
                        local_aws.endpoint_url,
                    ]
                )
        runs.append(
            Run(
                code,
                buffer.getvalue(),
                local_aws.log.lines[before:],
                load_deployment(out / "deployment.json"),
            )
        )
    return out, runs


def _received_template(local_aws: LocalAws, stack_id: str) -> bytes:
    """The template CloudFormation holds, byte for byte (GetTemplate's raw XML answer)."""
    cfn = local_aws.client("cloudformation", ACCOUNT, REGION)
    raw: list[bytes] = []
    cfn.meta.events.register(
        "response-received.cloudformation.GetTemplate",
        lambda response_dict, **_: raw.append(response_dict["body"]),
    )
    cfn.get_template(StackName=stack_id)
    body = ET.fromstring(raw[0]).find(".//{*}TemplateBody")
    assert body is not None and body.text
    return body.text.encode("utf-8")


def test_first_deploy_creates_the_gated_template(
    platform: tuple[Path, list[Run]], local_aws: LocalAws
) -> None:
    out, (first, _) = platform
    assert first.code == 0, first.output
    gated = {t.stack: t.sha256 for t in load_record(out / "findings.json").targets}
    record = first.deployment
    document = json.loads((out / "deployment.json").read_text())
    jsonschema.validate(document, DeploymentRecord.model_json_schema(by_alias=True))
    assert document["schema"] == "tap-compliance/deployment@1"
    assert record.outcome == "created"
    assert record.gate.result == "passed"
    assert record.template.sha256 == gated["TapStack-dev"]
    # over 51,200 bytes: sent by S3 URL; what CloudFormation fetched and holds is those bytes
    assert record.template.delivery == "s3-url" and record.template.bytes > 51_200
    received = _received_template(local_aws, str(record.stack_id))
    assert hashlib.sha256(received).hexdigest() == record.template.sha256
    assert received == (out / "cdk.out" / "TapStack-dev.template.json").read_bytes()
    assert record.outputs["VpcId"].startswith("vpc-")
    assert "outputs of TapStack-dev" in first.output


def test_assets_are_uploaded_first_and_once(platform: tuple[Path, list[Run]]) -> None:
    out, (first, second) = platform
    manifest = json.loads((out / "cdk.out" / "TapStack-dev.assets.json").read_text())
    keys = [d["objectKey"] for f in manifest["files"].values() for d in f["destinations"].values()]
    for key in keys:
        assert (
            sum(
                f"PUT /cdk-hnb659fds-assets-{ACCOUNT}-{REGION}/{key} " in line
                for line in first.requests
            )
            == 1
        ), key
        assert not any(
            f"PUT /cdk-hnb659fds-assets-{ACCOUNT}-{REGION}/{key} " in line
            for line in second.requests
        ), key
    assert {a.action for a in first.deployment.assets} == {"uploaded"}
    assert {a.action for a in second.deployment.assets} == {"exists"}
    assert len(first.deployment.assets) == len(keys)


def test_second_deploy_reports_no_changes(platform: tuple[Path, list[Run]]) -> None:
    _, (first, second) = platform
    assert second.code == 0, second.output
    assert "no changes" in second.output
    assert second.deployment.outcome == "no-changes"
    assert second.deployment.stack_id == first.deployment.stack_id
    assert second.deployment.template.sha256 == first.deployment.template.sha256


def test_no_change_set_is_left_behind(
    platform: tuple[Path, list[Run]], local_aws: LocalAws
) -> None:
    _, (first, _) = platform
    cfn = local_aws.client("cloudformation", ACCOUNT, REGION)
    summaries = cfn.list_change_sets(StackName=str(first.deployment.stack_id))["Summaries"]
    assert [s for s in summaries if s["ExecutionStatus"] != "EXECUTE_COMPLETE"] == []


def test_verify_reads_the_deployed_config_rules(
    platform: tuple[Path, list[Run]], local_aws: LocalAws, capsys: pytest.CaptureFixture[str]
) -> None:
    """moto deploys no AWS::Config::ConfigRule (not modelled): every rule is "not tested"."""
    out, _ = platform
    assert (
        main(
            ["verify", "--env", "dev", "--out", str(out), "--endpoint-url", local_aws.endpoint_url]
        )
        == 0
    )
    record = load_record(out / "findings.json")
    assert record.runtime is not None
    assert sorted(r.identifier for r in record.runtime.rules) == sorted(
        next(t for t in record.targets if t.stack == "TapStack-dev").config_rules
    )
    assert {r.compliance for r in record.runtime.rules} == {"NOT_TESTED"}
    assert record.deployment is not None and record.deployment.outcome == "no-changes"
    assert "not tested" in capsys.readouterr().out
    html = (out / "audit.html").read_text()
    assert "not tested" in html and record.deployment.template.sha256 in html
