"""Which CDK app to synthesize, and running it in the synth child with cdk-nag attached.

The app is what ``cdk synth`` would run: the ``app`` command of the project's ``cdk.json``
(``python3 -m infra.app``), or ``--app`` (a command of the same form, or
``MODULE:FUNCTION``, a function taking ``outdir=`` and ``env_names=`` that returns the
``aws_cdk.App`` unsynthesized). A command is run in the synth child's own interpreter (``runpy``,
as ``python -m`` or ``python FILE`` would), with what the CDK CLI gives an app: ``CDK_OUTDIR``
and the context (:mod:`compliance.synthesis.context`).

The cdk-nag packs are attached to every ``App`` the moment its synthesis starts: a
``sys.settrace`` hook (the interpreter's public mechanism; nothing of aws-cdk is patched) sees
the call of ``App.synth``.
"""

from __future__ import annotations

import importlib
import importlib.util
import re
import runpy
import shlex
import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from types import FrameType
from typing import Any

from compliance.errors import InputError
from compliance.project import CDK_JSON, find_cdk_json, read_cdk_json

#: ``python``, ``python3``, ``python3.11``, a path to one of them.
_PYTHON = re.compile(r"^python(\d+(\.\d+)?)?(\.exe)?$")
_FACTORY = re.compile(r"^[A-Za-z_][\w.]*:[A-Za-z_]\w*$")
#: cdk-nag's packs and our source capture need the interpreter; other languages cannot be run.
FORMS = "python -m MODULE [ARG...], python FILE.py [ARG...] or MODULE:FUNCTION"


@dataclass(frozen=True)
class AppSpec:
    """A CDK app the engine can run: a factory function, a module or a script."""

    #: As written (``--app`` or cdk.json); it names the app in messages and the cache key.
    text: str
    #: The folder a script's path is relative to (cdk.json's folder, or the working directory).
    base: Path = Path(".")
    module: str | None = None
    function: str | None = None
    script: Path | None = None
    args: tuple[str, ...] = ()

    def code_root(self) -> Path:
        """The folder of the app's own code: its top-level package (``infra/``) or its
        script's folder. Source capture attributes constructs to lines below it."""
        if self.script is not None:
            return self.script.resolve().parent
        found = self._top()
        if found is None:
            raise InputError(self.text, f"no module named {self._top_name()}")
        return found.resolve() if found.is_dir() else found.resolve().parent

    def code_files(self) -> list[Path]:
        """Every file of the app's code folder (a module's top-level package, or a single
        module or script), in a stable order: what a synthesis cache must hash."""
        if self.script is not None:
            return [self.script] if self.script.is_file() else []
        found = self._top()
        if found is None:
            return []
        if not found.is_dir():
            return [found]
        skipped = {"__pycache__", ".mypy_cache", ".pytest_cache", ".ruff_cache", "cdk.out"}
        return sorted(
            p
            for p in found.rglob("*")
            if p.is_file() and not skipped & set(p.relative_to(found).parts) and p.suffix != ".pyc"
        )

    def _top_name(self) -> str:
        assert self.module is not None
        return self.module.split(".")[0]

    def _top(self) -> Path | None:
        """The module's top-level package folder (or module file) as the synth child imports
        it: from the project (``base``, the working directory) first, as ``python -m`` there
        would, else wherever it is installed. Not this process's ``sys.path`` alone: the
        ``tap-compliance`` script's does not hold the project."""
        top = self._top_name()
        for folder in dict.fromkeys([self.base.resolve(), Path.cwd().resolve()]):
            if (folder / top / "__init__.py").is_file() or (folder / top).is_dir():
                return folder / top
            if (folder / f"{top}.py").is_file():
                return folder / f"{top}.py"
        spec = importlib.util.find_spec(top)
        if spec is None or spec.origin is None:
            return None
        if spec.submodule_search_locations:
            return Path(next(iter(spec.submodule_search_locations)))
        return Path(spec.origin)


def parse_app(text: str, base: Path | None = None) -> AppSpec:
    """``--app`` or cdk.json's ``app``: a Python command or ``MODULE:FUNCTION``. A script's
    path is relative to ``base`` (cdk.json's folder; default: the working directory)."""
    stripped = text.strip()
    if _FACTORY.match(stripped):
        module, _, function = stripped.partition(":")
        return AppSpec(text=stripped, base=base or Path("."), module=module, function=function)
    try:
        words = shlex.split(stripped)
    except ValueError as error:
        raise InputError(f"app {text!r}: {error}") from None
    if len(words) >= 2 and _PYTHON.match(Path(words[0]).name):
        if words[1] == "-m" and len(words) >= 3:
            return AppSpec(
                text=stripped, base=base or Path("."), module=words[2], args=tuple(words[3:])
            )
        if words[1].endswith(".py"):
            script = (base or Path(".")) / words[1]
            return AppSpec(
                text=stripped, base=base or Path("."), script=script, args=tuple(words[2:])
            )
    raise InputError(f"app {text!r}: not a Python CDK app this engine can run ({FORMS})")


def resolve_app(given: str | None, start: Path | None = None) -> AppSpec:
    """``--app`` when given, else the ``app`` of the project's cdk.json (as ``cdk synth``)."""
    if given is not None:
        return parse_app(given)
    cdk_json = find_cdk_json(start)
    if cdk_json is None:
        raise InputError(f"no CDK app: no {CDK_JSON} in the project root and no --app")
    app = read_cdk_json(cdk_json).app
    if not app:
        raise InputError(cdk_json, 'no "app": name the CDK app there or with --app')
    return parse_app(app, cdk_json.parent)


# --- inside the synth child -------------------------------------------------------------------


class AppExited(Exception):
    """A command app exited with a non-zero status (its own message went to stderr)."""


def run_app(
    spec: AppSpec,
    outdir: Path,
    env_names: Sequence[str] | None,
    before_synth: Callable[[Any], None],
) -> None:
    """Build and synthesize the app into ``outdir``; ``before_synth(app)`` is called for every
    ``App`` as its synthesis starts. Raises the app's exceptions (cdk-nag's ValidationFailed
    included) and :class:`AppExited`."""
    project = str(spec.base.resolve())
    if project not in sys.path:  # the app's modules come from its project, as cdk synth runs it
        sys.path.insert(0, project)
    with _observing(before_synth):
        if spec.function is not None:
            assert spec.module is not None
            factory = getattr(importlib.import_module(spec.module), spec.function)
            factory(outdir=str(outdir), env_names=env_names).synth()
            return
        argv = sys.argv
        try:
            if spec.module is not None:
                sys.argv = [spec.module, *spec.args]
                runpy.run_module(spec.module, run_name="__main__", alter_sys=True)
            else:
                assert spec.script is not None
                sys.argv = [str(spec.script), *spec.args]
                sys.path.insert(0, str(spec.script.resolve().parent))
                runpy.run_path(str(spec.script), run_name="__main__")
        except SystemExit as done:
            if done.code not in (None, 0):
                raise AppExited(f"the app exited with status {done.code}") from None
        finally:
            sys.argv = argv


@contextmanager
def _observing(before_synth: Callable[[Any], None]) -> Iterator[None]:
    """ONE trace hook, installed once CDK is imported (its import is not traced):
    ``before_synth`` on every ``App`` at the call of its ``synth``. Called once per new Python
    frame (the global hook sees only "call" events), it reads each frame's code name once and
    returns at once for every other function: the synthesis runs hundreds of thousands of them
    (jsii's kernel, cattrs, typeguard)."""
    from aws_cdk import App

    started: set[int] = set()
    failed: list[Exception] = []

    def hook(frame: FrameType, event: str, arg: object) -> Any:
        if frame.f_code.co_name == "synth":
            app = frame.f_locals.get("self")
            if isinstance(app, App) and id(app) not in started:
                started.add(id(app))
                try:
                    before_synth(app)
                except Exception as error:  # raised after the run: a hook must not raise
                    failed.append(error)
        return None

    previous = sys.gettrace()
    sys.settrace(hook)
    try:
        yield
    finally:
        sys.settrace(previous)
        if failed:
            raise failed[0]
