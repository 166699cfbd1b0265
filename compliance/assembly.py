"""The cloud assembly (cdk.out): its stacks, their templates and construct path → logical id."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from compliance.errors import InputError

MANIFEST = "manifest.json"
STACK_ARTIFACT = "aws:cloudformation:stack"
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
    """Every stack in the assembly at ``outdir``, in manifest order."""
    manifest = _read_json(outdir / MANIFEST)
    artifacts = manifest.get("artifacts")
    if not isinstance(artifacts, dict):
        raise InputError(outdir / MANIFEST, "no artifacts in the cloud assembly manifest")
    stacks = []
    for artifact_id, artifact in artifacts.items():
        if artifact.get("type") != STACK_ARTIFACT:
            continue
        properties = artifact.get("properties", {})
        account, region = _environment(artifact.get("environment", ""))
        metadata = dict(artifact.get("metadata") or {})
        if extra := artifact.get("additionalMetadataFile"):
            metadata.update(_read_json(outdir / extra))
        stacks.append(
            Stack(
                artifact_id=artifact_id,
                stack_name=properties.get("stackName") or artifact_id,
                template=outdir / properties["templateFile"],
                account=account,
                region=region,
                logical_ids=_logical_ids(metadata),
            )
        )
    return stacks


def _environment(uri: str) -> tuple[str | None, str | None]:
    """``aws://ACCOUNT/REGION`` → (account, region); unresolved parts are None."""
    parts = uri.removeprefix("aws://").split("/")
    if len(parts) != 2:
        return None, None
    account, region = (None if part.startswith("unknown-") else part for part in parts)
    return account, region


def _logical_ids(metadata: dict[str, Any]) -> dict[str, str]:
    return {
        path.lstrip("/"): str(entry["data"])
        for path, entries in metadata.items()
        for entry in entries
        if entry.get("type") == LOGICAL_ID
    }


def _read_json(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InputError(path, "no such file") from None
    except json.JSONDecodeError as error:
        raise InputError(path, f"invalid JSON: {error.msg}", error.lineno) from None
