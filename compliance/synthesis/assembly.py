"""The cloud assembly (cdk.out): every template it deploys, and the lookups it could not answer.

The one reader of the assembly's manifest: the gate judges every template it lists, and the
deployer (``compliance.aws.target``) deploys one of its stacks. A CDK app writes

- a stack artifact (``aws:cloudformation:stack``) per ``Stack``, with its template;
- a nested cloud assembly (``cdk:cloud-assembly``, a folder ``assembly-<Stage>/`` with its own
  ``manifest.json``) per ``Stage``, Stages in Stages included;
- a nested stack per ``NestedStack``: an ``AWS::CloudFormation::Stack`` resource of its parent
  whose ``TemplateURL`` names the object key of a file asset of the root stack's asset
  manifest (``*.assets.json``), the nested template (``*.nested.template.json``) beside it;
- ``missing``: the context lookups (``Vpc.from_lookup``, ...) it could not answer from its
  context; CDK then synthesized placeholder values (``vpc-12345``, dummy subnets) in their
  place, and the CDK CLI would look them up and synthesize again before deploying anything.

See the cloud assembly schema (aws-cdk-lib ``cloud-assembly-schema``, ``AssemblyManifest``).
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from compliance.datafile import parse_json
from compliance.errors import InputError, read_text

MANIFEST = "manifest.json"
STACK_ARTIFACT = "aws:cloudformation:stack"
NESTED_ASSEMBLY = "cdk:cloud-assembly"
ASSET_MANIFEST = "cdk:asset-manifest"
LOGICAL_ID = "aws:cdk:logicalId"
NESTED_STACK = "AWS::CloudFormation::Stack"
#: Stages in Stages and nested stacks in nested stacks, as deep as an app can sensibly go.
MAX_DEPTH = 20


@dataclass(frozen=True)
class Stack:
    """One template the assembly deploys: a stack artifact (of the app or of a Stage) or a
    nested stack of one."""

    artifact_id: str
    #: The CloudFormation stack name; a nested stack's is ``Parent/LogicalId`` (its resource).
    stack_name: str
    template: Path
    account: str | None
    region: str | None
    #: Construct path (without the leading slash) → logical id, of this template's resources.
    logical_ids: dict[str, str] = field(default_factory=dict)
    #: For a nested stack: the stack name of the top-level stack that deploys it.
    nested_in: str | None = None
    #: The artifact's properties as the manifest writes them (deploy roles, bootstrap needs).
    properties: Mapping[str, Any] = field(default_factory=dict)
    #: The asset manifests (``*.assets.json``) of the artifacts the stack depends on.
    asset_manifests: tuple[Path, ...] = ()
    #: The stack's construct path (``Prod/Data``, a nested one's ``Prod/Data/Inner``); None
    #: when the assembly does not say.
    construct_path: str | None = None
    #: The path of the Stage (nested cloud assembly) it belongs to (``Prod``, ``Prod/Deep``).
    stage: str | None = None
    #: None for a stack of the app; the Stage's path for a Stage's stack; the parent's
    #: stack name for a nested stack.
    parent: str | None = None
    #: The construct paths of the stacks nested in this one (their resources are theirs).
    nested_paths: tuple[str, ...] = ()
    #: Its nested stacks whose template is not in the assembly: (logical id, TemplateURL as
    #: the template writes it, JSON).
    outside: tuple[tuple[str, str], ...] = ()

    def owns(self, construct_path: str) -> bool:
        """True when the construct at ``construct_path`` is in this template."""
        inside = self.construct_path is not None and construct_path.startswith(
            f"{self.construct_path}/"
        )
        return inside and not any(construct_path.startswith(f"{p}/") for p in self.nested_paths)

    def construct_path_of(self, logical_id: str) -> str | None:
        """The construct path that produced a logical id, if the assembly says."""
        for path, candidate in self.logical_ids.items():
            if candidate == logical_id:
                return path
        return None


@dataclass(frozen=True)
class MissingLookup:
    """A context lookup the app asked for and its context could not answer."""

    #: The context key the answer is stored under (``cdk.context.json``, ``--context``).
    key: str
    #: The context provider (``vpc-provider``, ``ami``, ``hosted-zone``, ...).
    provider: str
    props: Mapping[str, Any]
    #: The manifest that lists it.
    manifest: Path

    def describe(self) -> str:
        """The lookup in one line: provider, what it asks and where (the lookup role left
        out): ``vpc-provider (filter.vpc-id=vpc-1) in aws://111111111111/eu-west-1``."""
        asked = ", ".join(
            f"{name}={value}"
            for name, value in _flat(self.props)
            if name not in ("account", "region", "lookupRoleArn", "lookupRoleExternalId")
        )
        account, region = self.props.get("account"), self.props.get("region")
        where = f" in aws://{account}/{region}" if account and region else ""
        return f"{self.provider}{f' ({asked})' if asked else ''}{where}"


@dataclass(frozen=True)
class Assembly:
    """What a cloud assembly deploys."""

    #: Every template: stacks in manifest order, a Stage's where the Stage is listed, each
    #: stack followed by its nested stacks.
    stacks: tuple[Stack, ...]
    #: The lookups of every manifest (the app's and its Stages'), each once.
    missing: tuple[MissingLookup, ...] = ()

    def deployable(self) -> list[Stack]:
        """The stacks ``cdk deploy`` deploys by name (nested stacks go with their parent)."""
        return [stack for stack in self.stacks if stack.nested_in is None]


def is_assembly(path: Path) -> bool:
    """True for a folder holding a cloud assembly manifest."""
    return path.is_dir() and (path / MANIFEST).is_file()


def read_assembly(outdir: Path) -> Assembly:
    """Every template of the assembly at ``outdir`` (at least one), and its missing lookups."""
    stacks: list[Stack] = []
    missing: dict[str, MissingLookup] = {}
    for manifest_path, manifest, stage in _manifests(outdir, None, set(), 0):
        for entry in manifest.get("missing") or []:
            lookup = _lookup(manifest_path, entry)
            missing.setdefault(lookup.key, lookup)
        artifacts = manifest["artifacts"]
        for artifact_id, artifact in artifacts.items():
            if isinstance(artifact, dict) and artifact.get("type") == STACK_ARTIFACT:
                stacks += _with_nested(_stack(manifest_path, artifacts, artifact_id, stage))
    if not stacks:
        raise InputError(outdir / MANIFEST, "the cloud assembly has no stack templates")
    return Assembly(tuple(stacks), tuple(missing.values()))


def _manifests(
    folder: Path, stage: str | None, seen: set[Path], depth: int
) -> Iterator[tuple[Path, dict[str, Any], str | None]]:
    """The manifest of ``folder``, then those of its nested assemblies where they are listed:
    (path, manifest, Stage path)."""
    manifest_path = folder / MANIFEST
    manifest = read_json(manifest_path)
    artifacts = manifest.get("artifacts") if isinstance(manifest, dict) else None
    if not isinstance(artifacts, dict):
        raise InputError(manifest_path, "no artifacts in the cloud assembly manifest")
    seen.add(folder.resolve())
    yield manifest_path, manifest, stage
    for artifact_id, artifact in artifacts.items():
        if not isinstance(artifact, dict) or artifact.get("type") != NESTED_ASSEMBLY:
            continue
        properties = artifact.get("properties") or {}
        directory = properties.get("directoryName") if isinstance(properties, dict) else None
        if not isinstance(directory, str):
            raise InputError(manifest_path, f"nested assembly {artifact_id} has no directoryName")
        inner = folder / directory
        if inner.resolve() in seen or depth >= MAX_DEPTH:
            raise InputError(manifest_path, f"nested assembly {artifact_id} loops or is too deep")
        name = properties.get("displayName") or artifact.get("displayName") or artifact_id
        yield from _manifests(inner, str(name), seen, depth + 1)


def _stack(
    manifest_path: Path, artifacts: dict[str, Any], artifact_id: str, stage: str | None
) -> Stack:
    outdir = manifest_path.parent
    artifact = artifacts[artifact_id]
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
    display = artifact.get("displayName")
    return Stack(
        artifact_id=artifact_id,
        stack_name=properties.get("stackName") or artifact_id,
        template=outdir / template,
        account=account,
        region=region,
        logical_ids=_logical_ids(manifest_path, metadata),
        properties=properties,
        asset_manifests=_asset_manifests(outdir, artifacts, artifact),
        # displayName is the stack's construct path (an older assembly: its artifact id)
        construct_path=display if isinstance(display, str) else artifact_id,
        stage=stage,
        parent=stage,
    )


def _with_nested(stack: Stack) -> list[Stack]:
    """The stack and every stack nested in it (depth first), each owning its resources'
    logical ids."""
    assets = _nested_templates(stack.asset_manifests)
    every = stack.logical_ids
    # the construct path of each nested stack resource → the nested stack's construct path
    scopes = {path: scope for path in every if (scope := _scope_of(path))}
    found = _nested_of(stack, stack, assets, scopes, 0)
    return [
        replace(each, logical_ids={p: i for p, i in every.items() if each.owns(p)})
        for each in found
    ]


def _scope_of(path: str) -> str | None:
    """``scope/id`` for the resource at ``scope/id.NestedStack/id.NestedStackResource`` (what a
    ``NestedStack(scope, id)`` adds to its parent), else None."""
    scope, _, last = path.rpartition(".NestedStack/")
    return scope if scope and last == f"{scope.rpartition('/')[2]}.NestedStackResource" else None


def _nested_of(
    root: Stack, stack: Stack, assets: dict[str, Path], scopes: dict[str, str], depth: int
) -> list[Stack]:
    # most templates deploy no nested stack: parsed here only when the text names the type
    text = read_text(stack.template)
    template = parse_json(text, stack.template) if NESTED_STACK in text else {}
    resources = template.get("Resources") if isinstance(template, dict) else None
    nested: list[Stack] = []
    outside: list[tuple[str, str]] = []
    for logical_id, resource in (resources or {}).items():
        if not isinstance(resource, dict) or resource.get("Type") != NESTED_STACK:
            continue
        url = json.dumps((resource.get("Properties") or {}).get("TemplateURL"))
        path = next((file for key, file in assets.items() if key in url), None)
        if path is None:  # a template from outside the assembly: the URL is all there is
            outside.append((logical_id, url))
            continue
        if depth >= MAX_DEPTH:
            raise InputError(stack.template, "nested stacks nested too deep")
        nested.append(
            Stack(
                artifact_id=root.artifact_id,
                stack_name=f"{stack.stack_name}/{logical_id}",
                template=path,
                account=root.account,
                region=root.region,
                nested_in=root.stack_name,
                construct_path=_nested_path(stack, logical_id, root, scopes),
                stage=root.stage,
                parent=stack.stack_name,
            )
        )
    paths = tuple(each.construct_path for each in nested if each.construct_path)
    found = [replace(stack, nested_paths=paths, outside=tuple(outside))]
    for each in nested:
        found += _nested_of(root, each, assets, scopes, depth + 1)
    return found


def _nested_path(parent: Stack, logical_id: str, root: Stack, scopes: dict[str, str]) -> str | None:
    """The construct path of the nested stack that the parent's resource ``logical_id``
    deploys: of the nested stack resources with that logical id (one per template may share
    it), the one in the parent's template."""
    for path, scope in scopes.items():
        if root.logical_ids.get(path) != logical_id:
            continue
        owners = [root.construct_path, *scopes.values()]
        owner = max((o for o in owners if o and path.startswith(f"{o}/")), key=len, default=None)
        if owner is not None and owner == parent.construct_path:
            return scope
    return None


def _nested_templates(asset_manifests: tuple[Path, ...]) -> dict[str, Path]:
    """Object key → file, of the file assets that are nested stack templates."""
    found: dict[str, Path] = {}
    for manifest in asset_manifests:
        data = read_json(manifest)
        for entry in (data.get("files") or {}).values() if isinstance(data, dict) else ():
            source = (entry.get("source") or {}).get("path") if isinstance(entry, dict) else None
            if not (isinstance(source, str) and source.endswith(NESTED_SUFFIX)):
                continue
            for destination in (entry.get("destinations") or {}).values():
                key = destination.get("objectKey") if isinstance(destination, dict) else None
                if isinstance(key, str):
                    found[key] = manifest.parent / source
    return found


NESTED_SUFFIX = ".nested.template.json"


def _lookup(manifest: Path, entry: Any) -> MissingLookup:
    if not isinstance(entry, dict) or not isinstance(entry.get("key"), str):
        raise InputError(manifest, "malformed missing context entry")
    props = entry.get("props")
    return MissingLookup(
        key=entry["key"],
        provider=str(entry.get("provider", "unknown provider")),
        props=props if isinstance(props, dict) else {},
        manifest=manifest,
    )


def _flat(props: Mapping[str, Any], prefix: str = "") -> Iterator[tuple[str, str]]:
    for name, value in props.items():
        if isinstance(value, Mapping):
            yield from _flat(value, f"{prefix}{name}.")
        else:
            shown = json.dumps(value) if not isinstance(value, str) else value
            yield f"{prefix}{name}", shown


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
    return parse_json(read_text(path), path)
