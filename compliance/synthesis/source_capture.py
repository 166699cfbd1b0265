"""Where the app's own code made each resource: CDK's creation stacks, read in the synth child.

CDK records, for every CloudFormation element it creates, the stack of calls that created it
(metadata ``aws:cdk:creationStack`` in the cloud assembly; on unless the context
``aws:cdk:disable-creation-stack-traces`` turns it off). With jsii's host stack traces on
(:data:`HOST_TRACES`, what ``cdk --debug-app`` sets), every request the Python process sends
to jsii carries its Python stack, which CDK appends to that record. So a resource made inside
a library method (``grant_read``, ``add_to_resource_policy``, a bucket notification, log
retention, a factory method) or by a construct CDK adds at the stack's root holds the app's call
of that method or constructor, and a resource made through a helper holds the helper's line and
the calls that reached it. Nothing of jsii or aws-cdk is patched.

After the synthesis the child reads those stacks from the assembly (nested assemblies of Stages
included), keeps the frames of the app's own code (below its code folder), innermost first,
and writes construct path → the innermost one and up to :data:`CALLED_FROM_LIMIT` above it as
JSON beside the templates (:data:`SOURCES_FILE`), where :mod:`compliance.synthesis.sources`
reads it.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from functools import cache
from pathlib import Path
from typing import Any

#: Written into the cloud assembly folder next to manifest.json.
SOURCES_FILE = "tap-compliance.sources.json"
SOURCES_SCHEMA = "tap-compliance/sources@1"
#: The synth child's environment: jsii sends the Python stack with every request.
HOST_TRACES = {"JSII_HOST_STACK_TRACES": "1"}
#: CDK's metadata entry holding the stack that created a construct.
CREATION_STACK = "aws:cdk:creationStack"
#: At most this many app frames above the one that made the resource.
CALLED_FROM_LIMIT = 8

Frame = tuple[str, int]


class AppFrames:
    """Picks the app's own frames out of a creation stack."""

    def __init__(self, app_root: Path, project_root: Path) -> None:
        self.app_root = app_root.resolve()
        self.project_root = project_root.resolve()
        self._relative = cache(self._relative_uncached)

    def _relative_uncached(self, filename: str) -> str | None:
        """The file relative to the project root when it is app code (absolute when the app
        lives outside the project), else None. A relative name is the synth child's working
        directory's (a script run as ``python3 app.py``)."""
        path = Path(filename)
        if path.suffix != ".py":
            return None
        path = path.resolve()  # relative names against the working directory
        if not path.is_relative_to(self.app_root):
            return None
        if path.is_relative_to(self.project_root):
            return path.relative_to(self.project_root).as_posix()
        return path.as_posix()

    def file(self, filename: str) -> str | None:
        """``filename`` as the record shows it when it is the app's code, else None."""
        return self._relative(filename)

    def of(self, stack: list[Any]) -> list[Frame]:
        """The app's frames of a creation stack, innermost first. Host frames read
        ``function (file:line)``; CDK's own JavaScript frames never name an app file."""
        frames = []
        for entry in stack:
            if not isinstance(entry, str) or not entry.endswith(")"):
                continue
            _, _, where = entry[:-1].partition(" (")
            file, _, line = where.rpartition(":")
            if line.isdigit() and (relative := self._relative(file)) is not None:
                frames.append((relative, int(line)))
        return frames


def creation_stacks(assembly_dir: Path) -> Iterator[tuple[str, list[Any]]]:
    """Construct path → creation stack, for every stack of the assembly and of the nested
    assemblies it names (a Stage's), from the manifest's metadata and each stack's
    additional metadata file (cloud assembly schema)."""
    manifest = json.loads((assembly_dir / "manifest.json").read_text(encoding="utf-8"))
    for artifact in (manifest.get("artifacts") or {}).values():
        if artifact.get("type") == "cdk:cloud-assembly":
            folder = (artifact.get("properties") or {}).get("directoryName")
            if folder:
                yield from creation_stacks(assembly_dir / folder)
            continue
        metadata = dict(artifact.get("metadata") or {})
        if extra := artifact.get("additionalMetadataFile"):
            more = json.loads((assembly_dir / extra).read_text(encoding="utf-8"))
            for path, entries in more.items():
                metadata[path] = [*metadata.get(path, []), *entries]
        for path, entries in metadata.items():
            for entry in entries:
                if entry.get("type") == CREATION_STACK and isinstance(entry.get("data"), list):
                    yield path.strip("/"), entry["data"]
                    break


def locations(assembly_dir: Path, frames: AppFrames) -> dict[str, dict[str, Any]]:
    """Construct path → ``{"file", "line", "called_from": [[file, line], ...]}`` for every
    construct whose creation stack holds an app frame."""
    found: dict[str, dict[str, Any]] = {}
    for path, stack in creation_stacks(assembly_dir):
        if path and path not in found and (app := frames.of(stack)):
            (file, line), above = app[0], app[1 : 1 + CALLED_FROM_LIMIT]
            found[path] = {"file": file, "line": line, "called_from": [list(f) for f in above]}
    return dict(sorted(found.items()))


def write_sources(assembly_dir: Path, app_root: Path, project_root: Path) -> None:
    """The sources file of an assembly, from its creation stacks (the app's code below
    ``app_root``, files shown relative to ``project_root``)."""
    document = {
        "schema": SOURCES_SCHEMA,
        "constructs": locations(assembly_dir, AppFrames(app_root, project_root)),
    }
    (assembly_dir / SOURCES_FILE).write_text(json.dumps(document, indent=1) + "\n", "utf-8")
