"""Content, not keys: what CloudFormation and S3 receive are the gated bytes, whatever was
planted in the assets bucket or rewritten in the evidence folder after the gate."""

from __future__ import annotations

import hashlib
import json
from dataclasses import replace
from pathlib import Path

import pytest

from compliance.aws.target import gated_contents, read_target
from compliance.errors import InputError
from compliance.record.deployment import load_deployment
from compliance.record.findings import AssetDigest, FindingsRecord
from compliance.synthesis.assets import asset_content, asset_sources, sha256
from scripts.local_aws import LocalAws, cdk_bootstrap
from tests.aws.conftest import ACCOUNT, REGION
from tests.aws.deploy_helpers import deployment, stack_template_sha256, vault_target

Gated = tuple[Path, FindingsRecord]


@pytest.mark.slow
def test_the_gate_records_every_file_asset_by_its_sha256(vault_gated: Gated) -> None:
    out, record = vault_gated
    (target,) = record.targets
    manifest = out / "cdk.out" / "TapStack-dev.assets.json"
    declared = json.loads(manifest.read_text())["files"]
    assert [a.id for a in target.assets] == list(declared)
    (template_asset,) = [a for a in target.assets if a.path == "TapStack-dev.template.json"]
    assert template_asset.sha256 == target.sha256 and template_asset.packaging == "file"


@pytest.mark.slow
def test_a_planted_template_object_is_replaced_by_the_gated_bytes(
    local_aws: LocalAws, vault_gated: Gated, tmp_path: Path
) -> None:
    """Another template at the gated template's key (over 51,200 bytes, so sent by URL)."""
    local_aws.reset()
    cdk_bootstrap(local_aws, ACCOUNT, REGION)
    small = vault_target(vault_gated)
    document = json.loads(small.template)
    document["Metadata"] = {"Padding": "x" * 60_000}
    target = replace(small, template=json.dumps(document, indent=1).encode())
    asset = target.template_asset()
    assert asset is not None
    (destination,) = asset.destinations
    planted = json.loads(small.template)
    planted["Resources"]["PlantedPublicBucket"] = {"Type": "AWS::S3::Bucket"}
    s3 = local_aws.client("s3", ACCOUNT, REGION)
    s3.put_object(Bucket=destination.bucket, Key=destination.key, Body=json.dumps(planted))

    deployer, printed = deployment(
        vault_gated, tmp_path, endpoint_url=local_aws.endpoint_url, target=target
    )
    assert deployer.run() == 0
    record = load_deployment(tmp_path / "deployment.json")
    assert record.outcome == "created" and record.template.delivery == "s3-url"
    sent = s3.get_object(Bucket=destination.bucket, Key=destination.key)["Body"].read()
    assert sent == target.template
    assert stack_template_sha256(local_aws, str(record.stack_id)) == target.sha256
    (entry,) = [a for a in record.assets if a.key == destination.key]
    assert (entry.action, entry.sha256) == ("replaced", target.sha256)
    assert f"put over an object of other content: s3://{destination.bucket}" in printed.getvalue()
    assert "PlantedPublicBucket" not in printed.getvalue()

    again, printed = deployment(
        vault_gated, tmp_path, endpoint_url=local_aws.endpoint_url, target=target
    )
    assert again.run() == 0
    record = load_deployment(tmp_path / "deployment.json")
    assert record.outcome == "no-changes"
    assert [a.action for a in record.assets if a.key == destination.key] == ["exists"]


def _assembly_with_a_folder_asset(root: Path) -> tuple[Path, str]:
    """A one-stack assembly whose stack publishes its template and a zipped folder."""
    template = b'{"Resources": {}}\n'
    (root / "S.template.json").write_bytes(template)
    (root / "asset.code").mkdir()
    (root / "asset.code" / "index.js").write_text("exports.handler = async () => 1;\n")
    destination = {"bucketName": "b-${AWS::AccountId}", "objectKey": "k.zip"}
    assets = {
        "version": "36.0.0",
        "files": {
            "code": {
                "source": {"path": "asset.code", "packaging": "zip"},
                "destinations": {"d": destination},
            },
            "tpl": {
                "source": {"path": "S.template.json", "packaging": "file"},
                "destinations": {"d": {**destination, "objectKey": "t.json"}},
            },
        },
    }
    (root / "S.assets.json").write_text(json.dumps(assets))
    manifest = {
        "artifacts": {
            "S.assets": {"type": "cdk:asset-manifest", "properties": {"file": "S.assets.json"}},
            "S": {
                "type": "aws:cloudformation:stack",
                "environment": f"aws://{ACCOUNT}/{REGION}",
                "properties": {"templateFile": "S.template.json"},
                "dependencies": ["S.assets"],
            },
        }
    }
    (root / "manifest.json").write_text(json.dumps(manifest))
    return root, hashlib.sha256(template).hexdigest()


def _gate_digests(manifest: Path) -> list[AssetDigest]:
    """What the gate records (compliance/engine.py hashes the same bytes)."""
    return [
        AssetDigest(
            id=a.id,
            path=a.path,
            packaging=a.packaging,
            sha256=sha256(asset_content(a)),
            bytes=len(asset_content(a)),
        )
        for a in asset_sources(manifest)
    ]


def test_the_gated_asset_bytes_are_what_deploy_sends(tmp_path: Path) -> None:
    assembly, template_sha = _assembly_with_a_folder_asset(tmp_path)
    digests = _gate_digests(assembly / "S.assets.json")
    contents = gated_contents(read_target(assembly, "S", template_sha), digests)
    assert {name: sha256(content) for name, content in contents.items()} == {
        d.id: d.sha256 for d in digests
    }


@pytest.mark.parametrize("change", ["rewritten", "emptied"])
def test_an_asset_changed_after_the_gate_is_refused(tmp_path: Path, change: str) -> None:
    assembly, template_sha = _assembly_with_a_folder_asset(tmp_path)
    digests = _gate_digests(assembly / "S.assets.json")
    gated = {d.id: d.sha256 for d in digests}["code"]
    code = assembly / "asset.code" / "index.js"
    if change == "rewritten":
        code.write_text("exports.handler = async () => 'planted';\n")
    else:
        code.unlink()
    target = read_target(assembly, "S", template_sha)
    with pytest.raises(InputError) as error:
        gated_contents(target, digests)
    now = sha256(asset_content(asset_sources(assembly / "S.assets.json")[0]))
    assert str(error.value) == (
        f"{assembly / 'asset.code'}: asset code changed after the gate judged it "
        f"(gated SHA-256 {gated}, now {now})"
    )


def test_an_asset_the_gate_did_not_hash_is_refused(tmp_path: Path) -> None:
    assembly, template_sha = _assembly_with_a_folder_asset(tmp_path)
    with pytest.raises(InputError, match="asset code was not hashed by the gate"):
        gated_contents(read_target(assembly, "S", template_sha), [])
