"""Synthesize the CDK app once, with the selected cdk-nag packs, in a child process.

The child keeps jsii's Node.js chatter and any crash of the user's app away from the terminal;
the parent turns a crash into one line (exit 2). Run as ``python -m compliance.synthesis.synth``.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import traceback
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from compliance.errors import InputError
from compliance.project import project_root
from compliance.quiet import QUIET_ENV, silence
from compliance.synthesis.app import AppExited, AppSpec, parse_app, run_app
from compliance.synthesis.context import app_context, context_environment
from compliance.synthesis.inputs import (
    NODE_PRELOAD,
    InputRecorder,
    node_recording,
    write_inputs,
)
from compliance.synthesis.nag import REPORT, attach_packs, write_attached
from compliance.synthesis.source_capture import HOST_TRACES, AppFrames, write_sources
from policies.nag_packs import default_nag_packs

#: CDK's built-in CloudFormation validation checks deployability, not compliance (its report
#: never reaches the record) and costs most of a synthesis's time and memory: skipped.
SYNTH_ENV = {"CDK_VALIDATION": "false"}
#: V8's young generation kept small (Node 22 and later size it by the machine's memory): the
#: synthesis's Node peaks ~25% lower (4 MiB: one environment with cdk-nag ~6 MiB below 8 MiB's)
#: for ~0.2 s more of a 5 s synthesis (more scavenges). The user's NODE_OPTIONS win.
NODE_OPTIONS = "--max-semi-space-size=4"
#: The child prefixes its one-line failure with this marker on stderr.
ERROR_MARKER = "tap-compliance-synth-error: "


def synthesize(
    outdir: Path,
    env_names: Sequence[str] | None,
    app: AppSpec | str,
    packs: Sequence[str] | None = None,
    *,
    context: Mapping[str, Any] | None = None,
    inputs: Path | None = None,
) -> None:
    """Synthesize ``app`` (a spec, or ``--app`` text) into ``outdir`` with the cdk-nag
    ``packs`` (class names; default: the packs file's default) attached, given ``context``
    (default: the project's, see :func:`~compliance.synthesis.context.app_context`) as the
    CDK CLI gives it. With ``inputs``, the child writes there the project files it read."""
    app = parse_app(app) if isinstance(app, str) else app
    # The child runs in the app's folder (cdk.json's), as cdk synth runs an app: whichever
    # subfolder the run started in, the app reads its files from there, and that subfolder is
    # not first on the child's sys.path (infra/constructs/ would hide the constructs library).
    base, outdir = app.base.resolve(), outdir.resolve()
    command = [sys.executable, "-m", "compliance.synthesis.synth", "--outdir", str(outdir)]
    command += ["--app", app.text, "--app-base", str(base)]
    for name in env_names or ():
        command += ["--env", name]
    for pack in packs or default_nag_packs().default:
        command += ["--pack", pack]
    if context is None:
        context = app_context(env_names=env_names)
    env = {**os.environ, **QUIET_ENV, **SYNTH_ENV, **HOST_TRACES, "CDK_OUTDIR": str(outdir)}
    node_options = NODE_OPTIONS
    if inputs is not None:
        inputs = inputs.resolve()
        command += ["--inputs", str(inputs)]
        note = inputs.with_suffix(".node")
        env.update(node_recording(note, project_root() or app.base, outdir))
        node_options += f' --require "{NODE_PRELOAD}"'
    env["NODE_OPTIONS"] = f"{node_options} {os.environ.get('NODE_OPTIONS', '')}".strip()
    with context_environment(context, env) as given:
        done = subprocess.run(
            command, capture_output=True, text=True, env=given, cwd=base, check=False
        )
    if done.returncode != 0:
        failed = "the CDK app failed to synthesize"
        raise InputError.every(app.text, ((None, f"{failed}: {x}") for x in _failure(done.stderr)))


def _failure(stderr: str) -> list[str]:
    """What the app said is wrong: the child's marked line, else the app's last line and the
    lines right before it that begin as it does (its several problems, ``error: ...`` each)."""
    lines = [line for line in stderr.splitlines() if line.strip()]
    for line in lines:
        if line.startswith(ERROR_MARKER):
            return [line.removeprefix(ERROR_MARKER)]
    if not lines:
        return ["no error output"]
    head, found, _ = lines[-1].partition(": ")
    count = 1
    while found and count < len(lines) and lines[-count - 1].startswith(head + found):
        count += 1
    return lines[-count:]


def _run(
    outdir: Path,
    env_names: list[str] | None,
    spec: AppSpec,
    packs: Sequence[str],
    inputs: Path | None,
) -> None:
    names: list[str] = []
    recorder = None
    if inputs is not None:
        roots = [project_root() or spec.base, spec.code_root()]
        recorder = InputRecorder.for_project(roots, outdir)
        recorder.install()
    try:
        run_app(spec, outdir, env_names, lambda app: names.extend(attach_packs(app, packs)))
    except RuntimeError as error:
        # Violations make synth raise *after* the assembly and the report are written (the
        # message then starts with the error's name; under CI=true it embeds the report).
        written = (outdir / "manifest.json").exists() and (outdir / REPORT).exists()
        if not str(error).startswith("ValidationFailed") or not written:
            raise
    if not (outdir / "manifest.json").exists():
        raise InputError(spec.text, "the app wrote no cloud assembly (it never synthesized)")
    write_sources(outdir, spec.code_root(), spec.base)
    write_attached(outdir, names)
    if recorder is not None and inputs is not None:
        write_inputs(recorder.recorded(), inputs)


def main(argv: Sequence[str] | None = None) -> int:
    """Child-process entry point."""
    parser = argparse.ArgumentParser(prog="python -m compliance.synthesis.synth")
    parser.add_argument("--outdir", type=Path, required=True)
    parser.add_argument("--app", required=True)
    parser.add_argument("--app-base", type=Path, default=Path("."))
    parser.add_argument("--env", action="append", dest="envs")
    parser.add_argument("--pack", action="append", dest="packs", required=True)
    parser.add_argument("--inputs", type=Path)
    args = parser.parse_args(argv)
    silence()
    spec: AppSpec | None = None
    try:
        spec = parse_app(args.app, args.app_base)
        _run(args.outdir, args.envs, spec, args.packs, args.inputs)
    except AppExited:  # the app said why on stderr: its last line is the message
        return 2
    except Exception as error:  # a crash of the user's app, reported in one line
        message = str(error).strip().splitlines()[0] if str(error).strip() else ""
        where = _app_line(error, spec) if spec is not None else None
        print(
            f"{ERROR_MARKER}{f'{where}: ' if where else ''}{type(error).__name__}: {message}",
            file=sys.stderr,
        )
        return 2
    return 0


def _app_line(error: Exception, spec: AppSpec) -> str | None:
    """``FILE:LINE`` of the app's own code where ``error`` arose: the innermost frame of its
    traceback in the app's code folder (an error raised in a library: the app's call of it;
    a syntax error: its line), the interpreter's trees and this engine's left out; None when
    there is none."""
    try:
        frames = AppFrames(spec.code_root(), spec.base)
    except InputError:
        return None
    places = [(frame.filename, frame.lineno) for frame in traceback.extract_tb(error.__traceback__)]
    if isinstance(error, SyntaxError) and error.filename:
        places.append((error.filename, error.lineno))
    others = {Path(sys.prefix), Path(sys.base_prefix), Path(__file__).parents[1]}
    skipped = {tree.resolve() for tree in others}
    for filename, line in reversed(places):
        file = frames.file(filename)
        if file is None or line is None:
            continue
        if not any(Path(filename).resolve().is_relative_to(tree) for tree in skipped):
            return f"{file}:{line}"
    return None


if __name__ == "__main__":
    raise SystemExit(main())
