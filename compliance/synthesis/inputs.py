"""What a synthesis read from the project, noted in the synth child for the cache's key.

Two sources, both public interpreter mechanisms: an audit hook (PEP 578) sees every file the
child opens for reading (``open``, ``io.open_code``, ``os.open``), and after the synthesis
every module in ``sys.modules`` has its file. Kept: files below the project root, but for the
interpreter's own trees (a ``.venv`` in the project: the libraries' versions are in the key),
bytecode caches (their source is kept) and the assembly being written. Read where nothing
else can be: the Python side of the app. What Node.js reads (a file asset's folder) is not
seen here.
"""

from __future__ import annotations

import json
import os
import sys
import sysconfig
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType

#: Written by the synth child where ``--inputs`` says (outside the assembly).
INPUTS_SCHEMA = "tap-compliance/synth-inputs@1"
_READ_ONLY = os.O_RDONLY if hasattr(os, "O_RDONLY") else 0
_ACCESS = getattr(os, "O_ACCMODE", 3)


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
        paths = sysconfig.get_paths()
        trees = {sys.prefix, sys.base_prefix, sys.exec_prefix, paths["purelib"], paths["platlib"]}
        return cls(_folders(map(str, roots)), _folders({*trees, str(outdir)}))

    def install(self) -> None:
        """Start recording (an audit hook cannot be removed: the child records until it ends)."""
        sys.addaudithook(self._hook)

    def _hook(self, event: str, args: tuple[object, ...]) -> None:
        if event != "open":
            return
        path, mode, flags = args
        if isinstance(mode, str):
            if any(c in mode for c in "wax+"):
                return
        elif isinstance(flags, int) and flags & _ACCESS != _READ_ONLY:
            return
        if isinstance(path, (str, bytes, os.PathLike)):
            self._opened.add(os.path.abspath(os.fsdecode(path)))

    def recorded(self, modules: dict[str, ModuleType] | None = None) -> list[Path]:
        """The project files read: the files opened and those of the modules imported."""
        files = set(self._opened)
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
                and os.path.isfile(real)
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
