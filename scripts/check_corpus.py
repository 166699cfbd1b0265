"""Run ``tap-compliance check`` on every CDK Python app under a folder, beside a plain synthesis.

For each app (a folder whose ``cdk.json`` runs Python), in a copy of it:

1. the app as the CDK CLI runs it, by hand: its ``app`` command with ``CDK_OUTDIR`` and the
   ``context`` of ``cdk.json`` and ``cdk.context.json`` in ``CDK_CONTEXT_JSON``: does it
   synthesize, and how many templates does its assembly hold (stacks of every nested assembly,
   nested stacks included)?
2. ``tap-compliance check --env all --no-cache``: its exit code, its last line of error, a
   traceback or not, and how many targets its record judged.

It prints one row per app and the totals: the figures of a corpus run (apps, synthesized,
judged, exit 2 and why, templates not judged). Used by hand on public example apps; their code
is never kept here::

    python scripts/check_corpus.py APPS_DIR [--out DIR] [--only NAME ...]
"""

from __future__ import annotations

import argparse
import json
import os
import shlex
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path


@dataclass
class Result:
    """What one app gave, by hand and under the gate."""

    name: str
    synthesized: bool = False
    synth_error: str = ""
    templates: int = 0
    exit_code: int | None = None
    error: str = ""
    traceback: bool = False
    targets: int = 0


def templates_in(assembly: Path) -> int:
    """Stack templates of an assembly: every stack artifact, through nested assemblies (Stages),
    plus every nested stack's template (a ``*.nested.template.json`` file)."""
    manifest = json.loads((assembly / "manifest.json").read_text())
    count = 0
    for artifact in manifest.get("artifacts", {}).values():
        kind = artifact.get("type")
        props = artifact.get("properties", {})
        if kind == "aws:cloudformation:stack":
            count += 1
        elif kind == "cdk:cloud-assembly":
            count += templates_in(assembly / props["directoryName"])
    return count + len(list(assembly.glob("*.nested.template.json")))


def context_of(app: Path) -> dict[str, object]:
    """The context the CDK CLI gives the app: cdk.json's, then cdk.context.json's."""
    context: dict[str, object] = {}
    for name, key in (("cdk.json", "context"), ("cdk.context.json", None)):
        path = app / name
        if path.is_file():
            data = json.loads(path.read_text())
            context.update(data.get(key, {}) if key else data)
    return context


def by_hand(app: Path, python: str) -> tuple[bool, str, int]:
    """Synthesize as ``cdk synth`` would: (synthesized, last error line, templates)."""
    command = shlex.split(json.loads((app / "cdk.json").read_text())["app"])
    command[0] = python
    out = Path(tempfile.mkdtemp(prefix="corpus-synth-"))
    env = {**os.environ, "CDK_OUTDIR": str(out), "CDK_CONTEXT_JSON": json.dumps(context_of(app))}
    try:
        done = subprocess.run(
            command, cwd=app, env=env, capture_output=True, text=True, timeout=600
        )
        if done.returncode != 0 or not (out / "manifest.json").is_file():
            lines = done.stderr.strip().splitlines() or ["(no output)"]
            return False, lines[-1][:160], 0
        return True, "", templates_in(out)
    finally:
        shutil.rmtree(out, ignore_errors=True)


def under_gate(app: Path, tool: str, out: Path) -> tuple[int, str, bool, int]:
    """``check --env all``: (exit code, last error line, traceback?, targets judged)."""
    done = subprocess.run(
        [tool, "check", "--env", "all", "--no-cache", "--out", str(out)],
        cwd=app,
        capture_output=True,
        text=True,
        timeout=900,
    )
    lines = done.stderr.strip().splitlines() or [""]
    record = out / "findings.json"
    targets = 0
    if record.is_file():
        judged = json.loads(record.read_text()).get("targets", [])
        targets = sum(t.get("status") == "judged" for t in judged)
    return (
        done.returncode,
        lines[-1][:160],
        "Traceback (most recent call last)" in done.stderr,
        targets,
    )


def apps_under(root: Path) -> list[Path]:
    """Folders holding a cdk.json whose app is a Python command."""
    found = []
    for cdk_json in sorted(root.rglob("cdk.json")):
        if "node_modules" in cdk_json.parts or "cdk.out" in cdk_json.parts:
            continue
        try:
            app = json.loads(cdk_json.read_text()).get("app", "")
        except json.JSONDecodeError:
            continue
        if isinstance(app, str) and app.split()[:1] and "python" in app.split()[0]:
            found.append(cdk_json.parent)
    return found


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("apps", type=Path)
    parser.add_argument("--out", type=Path, default=Path(tempfile.gettempdir()) / "corpus-out")
    parser.add_argument("--only", action="append", default=[])
    args = parser.parse_args()
    bindir = Path(sys.executable).parent
    tool = str(bindir / "tap-compliance")
    results = []
    for source in apps_under(args.apps):
        name = str(source.relative_to(args.apps))
        if args.only and not any(o in name for o in args.only):
            continue
        work = Path(tempfile.mkdtemp(prefix="corpus-app-")) / source.name
        shutil.copytree(source, work, ignore=shutil.ignore_patterns("cdk.out", "node_modules"))
        result = Result(name)
        result.synthesized, result.synth_error, result.templates = by_hand(work, sys.executable)
        out = args.out / name.replace("/", "__")
        shutil.rmtree(out, ignore_errors=True)
        result.exit_code, result.error, result.traceback, result.targets = under_gate(
            work, tool, out
        )
        shutil.rmtree(work.parent, ignore_errors=True)
        results.append(result)
        print(
            f"{name:55} synth={'yes' if result.synthesized else 'no ':3} "
            f"templates={result.templates:3} exit={result.exit_code} targets={result.targets:3}"
            f"{' TRACEBACK' if result.traceback else ''} {result.error or result.synth_error}",
            flush=True,
        )
    synthesized = [r for r in results if r.synthesized]
    codes = "/".join(str(sum(r.exit_code == code for r in synthesized)) for code in (0, 1, 2))
    print(
        f"\n{len(results)} apps; {len(synthesized)} synthesize by hand; "
        f"exit 0/1/2 among them: {codes}; "
        f"tracebacks: {sum(r.traceback for r in results)}; "
        f"templates by hand {sum(r.templates for r in synthesized)}, "
        f"targets judged {sum(r.targets for r in synthesized if r.exit_code in (0, 1))}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
