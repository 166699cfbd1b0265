"""While the CDK app is built, note the line of the app's own code that created each construct.

Runs inside the synth child. A ``sys.settrace`` hook (a public interpreter mechanism; jsii is
never patched) sees every Python ``__init__`` of a construct. The first one for an object is its
outermost constructor; the innermost frame of the caller chain that lies in the app's source
folder is the line that instantiated it. A construct CDK adds at the stack's root while a
library construct is being created (a singleton custom-resource provider, for instance) is
attributed to the line that created that library construct: the construct that caused it.

The result, construct path → file and line relative to the project root, is written as JSON
beside the templates (:data:`SOURCES_FILE`), where :mod:`compliance.synthesis.sources` reads it.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from types import FrameType
from typing import Any

#: Written into the cloud assembly folder next to manifest.json.
SOURCES_FILE = "tap-compliance.sources.json"
SOURCES_SCHEMA = "tap-compliance/sources@1"


@dataclass
class _Created:
    construct: Any
    file: str
    line: int
    #: Stack-root children before the constructor ran (library constructs only).
    stack: Any = None
    children_before: int = 0
    children_after: int = 0


@dataclass
class SourceRecorder:
    """Collects where each construct was instantiated while its trace hook is active."""

    app_root: Path
    project_root: Path
    _seen: set[int] = field(default_factory=set)
    _created: list[_Created] = field(default_factory=list)
    _caused: list[_Created] = field(default_factory=list)
    _construct_type: type | None = None
    _app_files: dict[str, str | None] = field(default_factory=dict)

    @classmethod
    def for_app(cls, app_root: Path, project_root: Path) -> SourceRecorder:
        """A recorder for the app below ``app_root`` (its hook not yet installed: see
        :func:`capture`, or the synth child's one hook in :mod:`compliance.synthesis.app`)."""
        from constructs import Construct

        recorder = cls(app_root.resolve(), project_root.resolve())
        recorder._construct_type = Construct
        return recorder

    def _relative(self, filename: str) -> str | None:
        """The file relative to the project root when it is app code (absolute when the app
        lives outside the project), else None (cached)."""
        if filename not in self._app_files:
            path = Path(filename)
            inside = (
                path.is_absolute() and path.suffix == ".py" and path.is_relative_to(self.app_root)
            )
            if not inside:
                self._app_files[filename] = None
            elif path.is_relative_to(self.project_root):
                self._app_files[filename] = path.relative_to(self.project_root).as_posix()
            else:
                self._app_files[filename] = path.as_posix()
        return self._app_files[filename]

    def trace(self, frame: FrameType, event: str, arg: object) -> Callable[..., Any] | None:
        """The ``sys.settrace`` hook: called once per new frame (a profile hook would be
        called for every call and return, C functions' included: several times the cost).
        It follows a frame further only for the return of a library construct's constructor."""
        if event != "call" or frame.f_code.co_name != "__init__":
            return None
        instance = frame.f_locals.get("self")
        if instance is None or not isinstance(instance, self._construct_type or ()):
            return None
        if id(instance) in self._seen:
            return None  # a super().__init__ of an object whose outermost constructor we saw
        self._seen.add(id(instance))
        caller = frame.f_back
        while caller is not None and self._relative(caller.f_code.co_filename) is None:
            caller = caller.f_back
        if caller is None:
            return None
        file = self._relative(caller.f_code.co_filename)
        assert file is not None
        created = _Created(instance, file, caller.f_lineno)
        self._created.append(created)
        if self._relative(frame.f_code.co_filename) is not None:
            return None
        # a library construct: what it adds at its stack's root is caused by it
        created.stack, created.children_before = _stack_children(frame.f_locals)
        if created.stack is None:
            return None

        def on_return(frame: FrameType, event: str, arg: object) -> Callable[..., Any] | None:
            if event == "return":
                created.children_after = len(created.stack.node.children)
                if created.children_after > created.children_before:
                    self._caused.append(created)
            return on_return

        return on_return

    def locations(self) -> dict[str, dict[str, str | int]]:
        """Construct path → ``{"file", "line"}`` for every construct seen (call after build)."""
        found: dict[str, dict[str, str | int]] = {}
        for created in self._created:
            if path := created.construct.node.path:  # the App's path is empty
                found[path] = {"file": created.file, "line": created.line}
        for created in self._caused:
            children = created.stack.node.children[created.children_before : created.children_after]
            for child in children:
                found.setdefault(child.node.path, {"file": created.file, "line": created.line})
        return dict(sorted(found.items()))


def _stack_children(arguments: dict[str, Any]) -> tuple[Any, int]:
    """The stack a library construct is being created in, and its root's child count."""
    from aws_cdk import Stack

    scope = arguments.get("scope")
    if scope is None:
        return None, 0
    try:
        stack = Stack.of(scope)
    except Exception:  # the scope is the App itself (a stack being created), or not a construct
        return None, 0
    return stack, len(stack.node.children)


@contextmanager
def capture(app_root: Path, project_root: Path) -> Iterator[SourceRecorder]:
    """Record construct sources while the block builds the app (trace hook removed after; a
    tracer already set, a debugger's or coverage's, is suspended meanwhile)."""
    recorder = SourceRecorder.for_app(app_root, project_root)
    previous = sys.gettrace()
    sys.settrace(recorder.trace)
    try:
        yield recorder
    finally:
        sys.settrace(previous)


def write_sources(recorder: SourceRecorder, path: Path) -> None:
    """The recorded locations as the sources file of an assembly."""
    document = {"schema": SOURCES_SCHEMA, "constructs": recorder.locations()}
    path.write_text(json.dumps(document, indent=1) + "\n", encoding="utf-8")
