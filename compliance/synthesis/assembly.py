"""The cloud assembly (cdk.out): its stacks, their templates and construct path → logical id.

The one reader of the assembly's manifest: the gate judges the stacks it lists, and the
deployer (``compliance.aws.target``) deploys one of them.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from compliance.errors import InputError, read_text

MANIFEST = "manifest.json"
STACK_ARTIFACT = "aws:cloudformation:stack"
ASSET_MANIFEST = "cdk:asset-manifest"
LOGICAL_ID = "aws:cdk:logicalId"


@dataclass(frozen=True)
class Stack:
    """One stack artifact of the assembly."""

    artifact_id: str
    stack_name: str
    template: Path
    account: str | None
    region: str | None
    #: Construct path (without the leading slash) → CloudFormation logical id.
    logical_ids: dict[str, str] = field(default_factory=dict)
    #: For a nested stack: the stack name of the top-level stack that deploys it.
    nested_in: str | None = None
    #: The artifact's properties as the manifest writes them (deploy roles, bootstrap needs).
    properties: Mapping[str, Any] = field(default_factory=dict)
    #: The asset manifests (``*.assets.json``) of the artifacts the stack depends on.
    asset_manifests: tuple[Path, ...] = ()

    def construct_path_of(self, logical_id: str) -> str | None:
        """The construct path that produced a logical id, if the assembly says."""
        for path, candidate in self.logical_ids.items():
            if candidate == logical_id:
                return path
        return None


def is_assembly(path: Path) -> bool:
    """True for a folder holding a cloud assembly manifest."""
    return path.is_dir() and (path / MANIFEST).is_file()


def read_assembly(outdir: Path) -> list[Stack]:
    """Every stack in the assembly at ``outdir``, in manifest order (at least one)."""
    manifest_path = outdir / MANIFEST
    manifest = read_json(manifest_path)
    artifacts = manifest.get("artifacts") if isinstance(manifest, dict) else None
    if not isinstance(artifacts, dict):
        raise InputError(manifest_path, "no artifacts in the cloud assembly manifest")
    stacks = []
    for artifact_id, artifact in artifacts.items():
        if not isinstance(artifact, dict) or artifact.get("type") != STACK_ARTIFACT:
            continue
        properties = artifact.get("properties") or {}
        template = properties.get("templateFile") if isinstance(properties, dict) else None
        if not isinstance(template, str):
            raise InputError(manifest_path, f"stack artifact {artifact_id} has no templateFile")
        account, region = _environment(str(artifact.get("environment", "")))
        metadata = artifact.get("metadata") or {}
        if extra := artifact.get("additionalMetadataFile"):
            more = read_json(outdir / extra)
            if not isinstance(more, dict) or not isinstance(metadata, dict):
                raise InputError(outdir / extra, "malformed construct metadata")
            metadata = {**metadata, **more}
        stacks.append(
            Stack(
                artifact_id=artifact_id,
                stack_name=properties.get("stackName") or artifact_id,
                template=outdir / template,
                account=account,
                region=region,
                logical_ids=_logical_ids(manifest_path, metadata),
                properties=properties,
                asset_manifests=_asset_manifests(outdir, artifacts, artifact),
            )
        )
    if not stacks:
        raise InputError(manifest_path, "the cloud assembly has no stack templates")
    return stacks


def _environment(uri: str) -> tuple[str | None, str | None]:
    """``aws://ACCOUNT/REGION`` → (account, region). An environment-agnostic stack's parts
    (CDK writes ``unknown-account``, ``unknown-region``), empty or malformed ones are None."""
    parts = uri.removeprefix("aws://").split("/")
    if len(parts) != 2:
        return None, None
    account, region = (None if not part or part.startswith("unknown-") else part for part in parts)
    return account, region


def _asset_manifests(
    outdir: Path, artifacts: dict[str, Any], artifact: dict[str, Any]
) -> tuple[Path, ...]:
    found = []
    for dependency in artifact.get("dependencies") or []:
        other = artifacts.get(dependency)
        if isinstance(other, dict) and other.get("type") == ASSET_MANIFEST:
            file = (other.get("properties") or {}).get("file")
            if isinstance(file, str):
                found.append(outdir / file)
    return tuple(found)


def _logical_ids(manifest: Path, metadata: Any) -> dict[str, str]:
    try:
        return {
            path.lstrip("/"): str(entry["data"])
            for path, entries in metadata.items()
            for entry in entries
            if entry.get("type") == LOGICAL_ID
        }
    except (AttributeError, KeyError, TypeError):
        raise InputError(manifest, "malformed construct metadata in the manifest") from None


def read_json(path: Path) -> Any:
    """A JSON file of the assembly; unreadable or invalid JSON is an :class:`InputError`."""
    text = read_text(path)
    try:
        return json.loads(text)
    except json.JSONDecodeError as error:
        raise InputError(path, f"invalid JSON: {error.msg}", error.lineno) from None


NESTED_SUFFIX = ".nested.template.json"


def nested_stacks(outdir: Path, stacks: list[Stack]) -> list[Stack]:
    """The nested stacks (``AWS::CloudFormation::Stack``) the assembly's stacks deploy from
    templates of the assembly: CDK writes each as ``*.nested.template.json`` and lists it as
    a file asset of the parent's asset manifest; the parent's TemplateURL names its object
    key. Each is named ``Parent/LogicalId`` and belongs where its parent does."""
    manifest = read_json(outdir / MANIFEST)
    artifacts = manifest.get("artifacts") if isinstance(manifest, dict) else None
    assets: dict[str, Path] = {}  # object key → nested template file
    for artifact in (artifacts or {}).values():
        if not isinstance(artifact, dict) or artifact.get("type") != ASSET_MANIFEST:
            continue
        file = (artifact.get("properties") or {}).get("file")
        data = read_json(outdir / file) if isinstance(file, str) else {}
        for entry in (data.get("files") or {}).values() if isinstance(data, dict) else ():
            source = (entry.get("source") or {}).get("path") if isinstance(entry, dict) else None
            if not (isinstance(source, str) and source.endswith(NESTED_SUFFIX)):
                continue
            for destination in (entry.get("destinations") or {}).values():
                key = destination.get("objectKey") if isinstance(destination, dict) else None
                if isinstance(key, str):
                    assets[key] = outdir / source
    found: list[Stack] = []
    for stack in stacks:
        found += _nested_of(stack, assets, depth=0)
    return found


def _nested_of(stack: Stack, assets: dict[str, Path], depth: int) -> list[Stack]:
    if depth > 10 or not assets:
        return []
    template = read_json(stack.template)
    resources = template.get("Resources") if isinstance(template, dict) else None
    found = []
    for logical_id, resource in (resources or {}).items():
        if not isinstance(resource, dict) or resource.get("Type") != "AWS::CloudFormation::Stack":
            continue
        url = json.dumps((resource.get("Properties") or {}).get("TemplateURL"))
        path = next((file for key, file in assets.items() if key in url), None)
        if path is None:
            continue  # a template from outside the assembly: the URL is all there is
        nested = Stack(
            artifact_id=stack.artifact_id,
            stack_name=f"{stack.stack_name}/{logical_id}",
            template=path,
            account=stack.account,
            region=stack.region,
            nested_in=stack.nested_in or stack.stack_name,
        )
        found += [nested, *_nested_of(nested, assets, depth + 1)]
    return found
