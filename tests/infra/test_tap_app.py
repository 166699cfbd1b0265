"""The app: one stack per environment, each pinned to its account, region and AZs."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from infra.app import cdk_json_context
from infra.environments import load_environments

ROOT = Path(__file__).resolve().parents[2]
ENVIRONMENTS = load_environments()


def test_the_assembly_holds_one_stack_per_environment(synthesized_assembly: Path) -> None:
    manifest = json.loads((synthesized_assembly / "manifest.json").read_text())
    stacks = {
        artifact_id: artifact
        for artifact_id, artifact in manifest["artifacts"].items()
        if artifact["type"] == "aws:cloudformation:stack"
    }
    assert sorted(stacks) == ["TapStack-dev", "TapStack-prod", "TapStack-staging"]
    for name, env in ENVIRONMENTS.items():
        stack = stacks[env.stack_name]
        assert stack["environment"] == f"aws://{env.account}/{env.region}"
        assert stack["properties"]["templateFile"] == f"TapStack-{name}.template.json"
        assert stack["properties"].get("stackName", env.stack_name) == env.stack_name


@pytest.mark.parametrize("name", list(ENVIRONMENTS))
def test_each_environment_uses_its_own_settings(
    template_dicts: dict[str, dict[str, Any]], name: str
) -> None:
    env = ENVIRONMENTS[name]
    resources = template_dicts[name]["Resources"].values()
    subnets = [r["Properties"] for r in resources if r["Type"] == "AWS::EC2::Subnet"]
    assert sorted({subnet["AvailabilityZone"] for subnet in subnets}) == env.availability_zones
    buckets = sorted(
        r["Properties"]["BucketName"] for r in resources if r["Type"] == "AWS::S3::Bucket"
    )
    assert buckets == sorted(
        f"{prefix}-{env.suffix}-{env.account}"
        for prefix in (
            "trading-ingestion",
            "trading-analytics",
            "trading-archival",
            "config-bucket",
            "trading-access-logs",
        )
    )
    denies = [
        statement["Condition"]["StringNotEquals"]["aws:RequestedRegion"]
        for r in resources
        if r["Type"] in ("AWS::IAM::Policy", "AWS::IAM::ManagedPolicy")
        for statement in r["Properties"]["PolicyDocument"]["Statement"]
        if statement["Effect"] == "Deny"
    ]
    assert denies == [env.allowed_regions]  # one policy, the regional-deny Aspect's
    (vpc,) = [r["Properties"] for r in resources if r["Type"] == "AWS::EC2::VPC"]
    assert {"Key": "Environment", "Value": env.suffix} in vpc["Tags"]


def test_cdk_json_runs_this_app_with_the_feature_flags() -> None:
    cdk_json = json.loads((ROOT / "cdk.json").read_text())
    assert cdk_json["app"] == "python3 -m infra.app"
    context = cdk_json_context()
    assert context["@aws-cdk/aws-ec2:restrictDefaultSecurityGroup"] is True
    assert context["@aws-cdk/core:target-partitions"] == ["aws", "aws-cn"]


def test_templates_carry_construct_paths(template_dicts: dict[str, dict[str, Any]]) -> None:
    paths = {
        resource["Metadata"]["aws:cdk:path"]
        for resource in template_dicts["dev"]["Resources"].values()
        if "Metadata" in resource
    }
    assert "TapStack-dev/Network/TradingVpc/Resource" in paths
    assert "TapStack-dev/Processing/DataProcessingFunction/Resource" in paths


def test_main_reports_an_unknown_environment_in_one_line() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "infra.app", "qa"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env={**os.environ, "CDK_OUTDIR": str(ROOT / "cdk.out" / "never")},
        check=False,
        timeout=120,
    )
    assert done.returncode == 2
    last = done.stderr.strip().splitlines()[-1]
    assert (
        last
        == "error: infra/environments.yaml: no environment named qa (known: dev, staging, prod)"
    )
    assert "Traceback" not in done.stderr
    assert not (ROOT / "cdk.out" / "never").exists()


def test_the_context_names_the_environments_to_build(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """As aws-cdk-lib's App reads context: CDK_CONTEXT_JSON, and the overflow file."""
    from infra.app import context_environments

    monkeypatch.delenv("CDK_CONTEXT_JSON", raising=False)
    monkeypatch.delenv("CONTEXT_OVERFLOW_LOCATION_ENV", raising=False)
    assert context_environments() is None
    monkeypatch.setenv("CDK_CONTEXT_JSON", json.dumps({"tap-compliance:environments": "dev"}))
    assert context_environments() == ["dev"]
    overflow = tmp_path / "context.json"
    overflow.write_text(json.dumps({"tap-compliance:environments": "prod, staging"}))
    monkeypatch.setenv("CONTEXT_OVERFLOW_LOCATION_ENV", str(overflow))
    assert context_environments() == ["prod", "staging"]
