"""What to deploy of the gated assembly: the stack, its roles, bootstrap needs and assets.

The manifest is read by :mod:`compliance.synthesis.assembly`; this module resolves the stack
for one account and region (CDK's placeholders filled in) and its file assets."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from compliance.errors import InputError
from compliance.record.findings import AssetDigest
from compliance.synthesis.assembly import MANIFEST, read_assembly, read_json
from compliance.synthesis.assets import AssetSource, asset_content, asset_sources, sha256


@dataclass(frozen=True)
class AssetDestination:
    """Where one asset goes: bucket, key, and the publishing role to assume."""

    bucket: str
    key: str
    role_arn: str | None


@dataclass(frozen=True)
class FileAsset:
    """One file asset of ``*.assets.json``: a file as is, or a folder zipped."""

    id: str
    source: Path
    packaging: Literal["file", "zip"]
    destinations: tuple[AssetDestination, ...]


@dataclass(frozen=True)
class DeployTarget:
    """One stack of the gated assembly, with the exact template bytes that passed the gate."""

    stack_name: str
    account: str
    region: str
    template_path: Path
    template: bytes
    deploy_role_arn: str | None
    execution_role_arn: str | None
    bootstrap_parameter: str | None
    bootstrap_version: int | None
    #: CDK's read-only role of the environment (what verify reads the account with).
    lookup_role_arn: str | None = None
    assets: tuple[FileAsset, ...] = field(default_factory=tuple)

    @property
    def sha256(self) -> str:
        """SHA-256 of the template bytes that will be sent."""
        return hashlib.sha256(self.template).hexdigest()

    def template_asset(self) -> FileAsset | None:
        """The file asset that publishes this very template (CDK declares one)."""
        for asset in self.assets:
            if asset.packaging == "file" and asset.source.resolve() == self.template_path.resolve():
                return asset
        return None


def read_target(assembly: Path, stack_name: str, gated_sha256: str) -> DeployTarget:
    """The stack ``stack_name`` of the assembly; its template must be the gated one."""
    manifest_path = assembly / MANIFEST
    stacks = read_assembly(assembly).deployable()
    stack = next((s for s in stacks if s.stack_name == stack_name), None)
    if stack is None:
        raise InputError(manifest_path, f"no stack named {stack_name} in the cloud assembly")
    account, region = stack.account, stack.region
    if account is None or region is None:
        raise InputError(
            manifest_path,
            f"the environment of {stack_name} names no account and region to deploy to",
        )
    template = stack.template.read_bytes()
    if hashlib.sha256(template).hexdigest() != gated_sha256:
        raise InputError(stack.template, "the template changed after the gate judged it")

    def resolved(value: object) -> str | None:
        return _placeholders(value, account, region) if isinstance(value, str) else None

    properties = stack.properties
    version = properties.get("requiresBootstrapStackVersion")
    assets: list[FileAsset] = []
    for asset_manifest in stack.asset_manifests:
        assets += _assets(asset_manifest, account, region)
    return DeployTarget(
        stack_name=stack_name,
        account=account,
        region=region,
        template_path=stack.template,
        template=template,
        deploy_role_arn=resolved(properties.get("assumeRoleArn")),
        execution_role_arn=resolved(properties.get("cloudFormationExecutionRoleArn")),
        bootstrap_parameter=resolved(properties.get("bootstrapStackVersionSsmParameter")),
        bootstrap_version=int(version) if version is not None else None,
        lookup_role_arn=resolved((properties.get("lookupRole") or {}).get("arn")),
        assets=tuple(assets),
    )


def _assets(path: Path, account: str, region: str) -> list[FileAsset]:
    document = read_json(path)
    if isinstance(document, dict) and document.get("dockerImages"):
        raise InputError(path, "container image assets are not supported by tap-compliance deploy")
    return [
        FileAsset(
            asset.id,
            asset.source,
            asset.packaging,
            tuple(
                AssetDestination(
                    bucket=_placeholders(str(d["bucketName"]), account, region),
                    key=_placeholders(str(d["objectKey"]), account, region),
                    role_arn=_placeholders(str(d["assumeRoleArn"]), account, region)
                    if d.get("assumeRoleArn")
                    else None,
                )
                for d in asset.destinations
            ),
        )
        for asset in asset_sources(path)
    ]


def gated_contents(target: DeployTarget, gated: Sequence[AssetDigest]) -> dict[str, bytes]:
    """Each asset's bytes, read now and accepted only with the SHA-256 the gate recorded for
    it: the template's asset is the gated template itself; anything else is an
    :class:`InputError` naming the asset (nothing is sent)."""
    digests = {digest.id: digest.sha256 for digest in gated}
    contents: dict[str, bytes] = {}
    for asset in target.assets:
        if asset.source.resolve() == target.template_path.resolve():
            contents[asset.id] = target.template
            continue
        if asset.id not in digests:
            raise InputError(asset.source, f"asset {asset.id} was not hashed by the gate")
        content = asset_content(AssetSource(asset.id, "", asset.source, asset.packaging, ()))
        if sha256(content) != digests[asset.id]:
            raise InputError(
                asset.source,
                f"asset {asset.id} changed after the gate judged it (gated SHA-256 "
                f"{digests[asset.id]}, now {sha256(content)})",
            )
        contents[asset.id] = content
    return contents


def partition_of(region: str) -> str:
    """The AWS partition of a region."""
    if region.startswith("cn-"):
        return "aws-cn"
    if region.startswith("us-gov-"):
        return "aws-us-gov"
    return "aws"


def _placeholders(text: str, account: str, region: str) -> str:
    """CDK's asset placeholders (``${AWS::AccountId}`` ...) filled in for the environment."""
    return (
        text.replace("${AWS::Partition}", partition_of(region))
        .replace("${AWS::AccountId}", account)
        .replace("${AWS::Region}", region)
    )
