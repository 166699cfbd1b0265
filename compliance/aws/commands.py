"""The ``deploy`` and ``verify`` command lines: their options and their one-line failures."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from compliance import engine
from compliance.aws.errors import AwsFailure
from compliance.project import WaiverSource
from policies.catalog import Catalog

DEFAULT_OUT = Path("reports/out")


def _positive(text: str) -> float:
    value = float(text)
    if value <= 0:
        raise argparse.ArgumentTypeError(f"must be above 0: {text}")
    return value


def _common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--env", required=True, help="environment name (of the environments file cdk.json declares)"
    )
    parser.add_argument("--profile", help="AWS profile (default: boto3's usual credential chain)")
    parser.add_argument("--endpoint-url", help="another AWS endpoint (a local emulator)")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="evidence folder")


def deploy_arguments(parser: argparse.ArgumentParser) -> None:
    """The options of ``tap-compliance deploy``."""
    _common(parser)
    parser.add_argument("--method", choices=("change-set", "direct"), default="change-set")
    parser.add_argument("--yes", action="store_true", help="deploy without asking")
    parser.add_argument(
        "--dry-run", action="store_true", help="show the change set, deploy nothing"
    )
    parser.add_argument(
        "--allow-replace", action="store_true", help="accept replacing data stores in prod"
    )
    parser.add_argument(
        "--timeout", type=_positive, default=3600.0, help="longest wait, seconds (default 3600)"
    )
    parser.add_argument(
        "--poll", type=_positive, default=5.0, help="seconds between polls (default 5)"
    )


def verify_arguments(parser: argparse.ArgumentParser) -> None:
    """The options of ``tap-compliance verify``."""
    _common(parser)


def deploy(
    args: argparse.Namespace,
    *,
    policy: engine.Policy,
    source: WaiverSource,
    environment: engine.EnvInfo,
) -> int:
    """Run ``deploy``; an :class:`AwsFailure` prints one line and returns its exit code."""
    from compliance.aws.deploy import DeployOptions, run

    options = DeployOptions(
        env=environment,
        out=args.out,
        profile=args.profile,
        endpoint_url=args.endpoint_url,
        method=args.method,
        yes=args.yes,
        dry_run=args.dry_run,
        allow_replace=args.allow_replace,
        timeout=args.timeout,
        poll=args.poll,
    )
    try:
        return run(options, policy=policy, source=source, app=args.app)
    except AwsFailure as failure:
        print(f"tap-compliance: error: {failure}", file=sys.stderr)
        return failure.exit_code


def verify(args: argparse.Namespace, *, catalog: Catalog, environment: engine.EnvInfo) -> int:
    """Run ``verify``; an :class:`AwsFailure` prints one line and returns its exit code."""
    from compliance.aws.verify import VerifyOptions, run

    options = VerifyOptions(
        env=environment, out=args.out, profile=args.profile, endpoint_url=args.endpoint_url
    )
    try:
        return run(options, catalog=catalog)
    except AwsFailure as failure:
        print(f"tap-compliance: error: {failure}", file=sys.stderr)
        return failure.exit_code
