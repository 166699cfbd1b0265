"""What a synthesis read from the project, noted in the synth child for the cache's key.

Two sources: the files the child opens for reading (``open`` and ``io.open``, which
``pathlib`` calls; ``io.open_code``, which ``runpy`` calls; ``os.open``: wrapped for the
child's life, which ends with the synthesis), and after the synthesis every module in
``sys.modules`` with its file. Kept: files below the project root (and the app's code folder),
but for the interpreter's own trees (a ``.venv`` in the project: the libraries' versions are
in the key), bytecode caches (their source is kept) and the assembly being written. What
Node.js reads for the app (a file asset's source: its folder and files) is noted by
``node_reads.js``, which the synth child's Node.js loads (:func:`node_recording`).

Not an audit hook (PEP 578): the synth child's trace hook reads ``frame.f_code`` once per
Python call, an audited attribute, so a Python audit hook runs ~465,000 times per synthesis of
one environment (measured: ~0.9 s of CPU more on a 9 s synthesis of three) for ~550 opens.
"""

from __future__ import annotations

import builtins
import functools
import io
import json
import os
import sys
import sysconfig
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any

#: Written by the synth child where ``--inputs`` says (outside the assembly).
INPUTS_SCHEMA = "tap-compliance/synth-inputs@1"
_ACCESS = getattr(os, "O_ACCMODE", 3)
#: Where Node.js notes what it reads, and below which folder (read by ``node_reads.js``).
NODE_READS_ENV = "TAP_COMPLIANCE_NODE_READS"
PROJECT_ROOT_ENV = "TAP_COMPLIANCE_PROJECT_ROOT"
SKIPPED_ENV = "TAP_COMPLIANCE_SKIPPED"
NODE_PRELOAD = Path(__file__).with_name("node_reads.js")


def skipped_folders(outdir: Path) -> tuple[str, ...]:
    """Folders whose files are never inputs: the assembly being written, the interpreter's
    trees, jsii's cache of the libraries' packages (versions in the key already)."""
    paths = sysconfig.get_paths()
    jsii = os.environ.get("JSII_RUNTIME_PACKAGE_CACHE_ROOT") or "~/.cache/aws/jsii"
    trees = {sys.prefix, sys.base_prefix, sys.exec_prefix, paths["purelib"], paths["platlib"]}
    return _folders({*trees, os.path.expanduser(jsii), str(outdir)})


def node_recording(note: Path, project_root: Path, outdir: Path) -> dict[str, str]:
    """The variables that make the synth child's Node.js note in ``note`` what it reads below
    ``project_root`` (with ``--require`` :data:`NODE_PRELOAD` in ``NODE_OPTIONS``)."""
    return {
        NODE_READS_ENV: str(note),
        PROJECT_ROOT_ENV: os.path.realpath(project_root),
        SKIPPED_ENV: os.pathsep.join(skipped_folders(outdir)),
    }


@dataclass
class InputRecorder:
    """Collects the project files a synthesis reads (install with :meth:`install`)."""

    #: Folders whose files are inputs (the project, the app's code when it lives elsewhere).
    roots: tuple[str, ...]
    #: Folders whose files are never inputs (the assembly written, the interpreter's trees).
    skipped: tuple[str, ...]
    _opened: set[str] = field(default_factory=set)

    @classmethod
    def for_project(cls, roots: Sequence[Path], outdir: Path) -> InputRecorder:
        """A recorder of files below ``roots``, ignoring ``outdir``."""
        return cls(_folders(map(str, roots)), skipped_folders(outdir))

    def install(self) -> None:
        """Start recording: ``open`` (``builtins.open`` is ``io.open``), ``io.open_code``
        (``runpy`` reads a script with it) and ``os.open`` wrapped until the child ends."""
        opened, code_opened, os_opened = io.open, io.open_code, os.open

        @functools.wraps(opened)
        def recorded_open(file: Any, mode: str = "r", *args: Any, **kwargs: Any) -> Any:
            if not any(c in mode for c in "wax+"):
                self._note(file)
            return opened(file, mode, *args, **kwargs)

        @functools.wraps(code_opened)
        def recorded_open_code(path: str) -> Any:
            self._note(path)
            return code_opened(path)

        @functools.wraps(os_opened)
        def recorded_os_open(path: Any, flags: int, *args: Any, **kwargs: Any) -> int:
            if flags & _ACCESS == os.O_RDONLY:
                self._note(path)
            return os_opened(path, flags, *args, **kwargs)

        builtins.open = io.open = recorded_open
        io.open_code = recorded_open_code
        os.open = recorded_os_open

    def _note(self, path: object) -> None:
        if isinstance(path, (str, bytes, os.PathLike)):
            self._opened.add(os.path.abspath(os.fsdecode(path)))

    def recorded(self, modules: dict[str, ModuleType] | None = None) -> list[Path]:
        """The project files (and folders Node.js listed) read: the files opened, those of
        the modules imported, what Node.js noted."""
        files = set(self._opened)
        note = os.environ.get(NODE_READS_ENV)
        if note and os.path.isfile(note):
            files.update(filter(None, Path(note).read_text(encoding="utf-8").splitlines()))
        for module in list((modules if modules is not None else sys.modules).values()):
            name = getattr(module, "__file__", None)
            if isinstance(name, str):
                files.add(name)
        kept = set()
        for name in files:
            real = os.path.realpath(name)
            if (
                real.startswith(self.roots)
                and not real.startswith(self.skipped)
                and not real.endswith(".pyc")
                and os.path.exists(real)
            ):
                kept.add(Path(real))
        return sorted(kept)


def _folders(paths: Iterable[str]) -> tuple[str, ...]:
    """Real paths ending in a separator (a prefix test matches only what lies below)."""
    return tuple(sorted({os.path.join(os.path.realpath(path), "") for path in paths}))


def write_inputs(files: list[Path], path: Path) -> None:
    """The recorded files, as the synth child hands them to the cache."""
    document = {"schema": INPUTS_SCHEMA, "files": [str(file) for file in files]}
    path.write_text(json.dumps(document, indent=1) + "\n", encoding="utf-8")


def read_inputs(path: Path) -> list[Path]:
    """The files a synth child recorded (written by :func:`write_inputs`)."""
    document = json.loads(path.read_text(encoding="utf-8"))
    if document.get("schema") != INPUTS_SCHEMA:
        raise ValueError(f"{path}: not {INPUTS_SCHEMA}")
    return [Path(name) for name in document["files"]]
