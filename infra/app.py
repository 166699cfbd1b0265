"""The CDK app: one ``TapStack-<env>`` per environment of ``environments.yaml``.

``python -m infra.app [ENV ...]`` synthesizes into ``./cdk.out`` (or ``$CDK_OUTDIR`` when the
CDK CLI, or the compliance engine, runs it through ``cdk.json``); without ENV, the environments
the context ``tap-compliance:environments`` names, else all. :func:`build_app` builds without
synthesizing, so a caller can add policy-validation plugins before ``app.synth()``.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from aws_cdk import App

from compliance.datafile import DataFileError, display
from compliance.environments import ENVIRONMENTS_CONTEXT
from infra.environments import (
    DEFAULT_ENVIRONMENTS_FILE,
    EnvironmentConfig,
    load_environments,
    select_environments,
)
from infra.platform_settings import load_platform
from infra.stack import TapStack

#: cdk.json at the project root: its "context" holds the feature flags (as ``cdk init`` wrote).
CDK_JSON = Path(__file__).resolve().parent.parent / "cdk.json"

#: What the CDK CLI would set: construct paths and asset metadata in the templates.
SYNTH_CONTEXT: dict[str, Any] = {
    "aws:cdk:enable-path-metadata": True,
    "aws:cdk:enable-asset-metadata": True,
}


def cdk_json_context(path: Path = CDK_JSON) -> dict[str, Any]:
    """The ``context`` mapping of cdk.json."""
    try:
        context = json.loads(path.read_text(encoding="utf-8")).get("context", {})
    except OSError as exc:
        raise DataFileError(f"{display(path)}: cannot read: {exc.strerror or exc}") from None
    except (json.JSONDecodeError, AttributeError) as exc:
        raise DataFileError(f"{display(path)}: not a JSON object with a context: {exc}") from None
    if not isinstance(context, dict):
        raise DataFileError(f"{display(path)}: context: expected an object")
    return context


def context_environments() -> list[str] | None:
    """The environments the CDK context names (``tap-compliance:environments``, comma-separated),
    or None. The CDK CLI and the compliance engine pass context as aws-cdk-lib's App reads it:
    ``CDK_CONTEXT_JSON``, and the file ``CONTEXT_OVERFLOW_LOCATION_ENV`` names when the context
    is too large for a variable. Read before the App exists: an unknown name must fail before
    anything is written."""
    context: dict[str, Any] = {}
    try:
        context.update(json.loads(os.environ.get("CDK_CONTEXT_JSON") or "{}"))
        overflow = os.environ.get("CONTEXT_OVERFLOW_LOCATION_ENV")
        if overflow:
            context.update(json.loads(Path(overflow).read_text(encoding="utf-8")))
    except (OSError, ValueError, TypeError):
        raise DataFileError("the CDK context (CDK_CONTEXT_JSON): not a JSON object") from None
    named = context.get(ENVIRONMENTS_CONTEXT)
    return [n.strip() for n in str(named).split(",") if n.strip()] if named else None


def availability_zone_context(environments: Sequence[EnvironmentConfig]) -> dict[str, Any]:
    """The AZs pinned the way CDK caches its own look-ups, so synthesis needs no AWS call."""
    return {
        f"availability-zones:account={env.account}:region={env.region}": env.availability_zones
        for env in environments
    }


def build_app(
    *,
    outdir: str | Path,
    env_names: Sequence[str] | None = None,
    environments_file: Path | None = None,
    hardened: bool = True,
) -> App:
    """One App with a stack per chosen environment; not yet synthesized.

    The environments are ``env_names``, else those the context names (the compliance engine
    passes ``tap-compliance:environments``, as ``cdk synth -c tap-compliance:environments=dev``
    would), else all. ``hardened=False`` builds the platform as the seed writes it (without
    ``infra/hardening``).
    """
    source = environments_file or DEFAULT_ENVIRONMENTS_FILE
    names = env_names if env_names is not None else context_environments()
    chosen = select_environments(load_environments(source), names, source=source)
    platform = load_platform()
    context = {**cdk_json_context(), **SYNTH_CONTEXT, **availability_zone_context(chosen)}
    app = App(outdir=str(outdir), context=context, analytics_reporting=False)
    for environment in chosen:
        TapStack(app, environment=environment, platform=platform, hardened=hardened)
    return app


def build_seed_app(
    *,
    outdir: str | Path,
    env_names: Sequence[str] | None = None,
    environments_file: Path | None = None,
) -> App:
    """The platform as the seed writes it, without its hardening layer (the "before"):
    ``tap-compliance check --app infra.app:build_seed_app`` judges it."""
    return build_app(
        outdir=outdir, env_names=env_names, environments_file=environments_file, hardened=False
    )


def main(argv: Sequence[str] | None = None) -> int:
    """Synthesize the chosen environments (all by default) into the cloud assembly."""
    parser = argparse.ArgumentParser(prog="python -m infra.app", description=main.__doc__)
    parser.add_argument("environments", nargs="*", metavar="ENV", help="environment names")
    args = parser.parse_args(argv)
    outdir = os.environ.get("CDK_OUTDIR", "cdk.out")
    try:
        app = build_app(outdir=outdir, env_names=args.environments or None)
    except DataFileError as exc:
        for problem in exc.errors:  # a line each
            print(f"error: {problem}", file=sys.stderr)
        return 2
    assembly = app.synth()
    stacks = ", ".join(stack.stack_name for stack in assembly.stacks)
    print(f"synthesized {stacks} into {assembly.directory}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
