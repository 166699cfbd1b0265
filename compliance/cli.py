"""``tap-compliance``: check, scan and report. Exit 0 passed, 1 failed, 2 usage or input error."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path

from rich.console import Console

from compliance import engine, outputs
from compliance.errors import InputError
from compliance.quiet import silence
from compliance.record import SEVERITIES, FindingsRecord, Severity
from compliance.summary import print_summary
from compliance.synth import DEFAULT_APP
from compliance.waivers import Waiver, load_waivers
from policies.catalog import Catalog

DEFAULT_OUT = Path("reports/out")
DEFAULT_WAIVERS = Path("waivers.yaml")
SCAN_FORMATS = ("json", "sarif", "junit", "md", "html")


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command; input errors print one line and return 2."""
    args = _parser().parse_args(argv)
    silence()
    try:
        code: int = args.run(args)
    except InputError as error:
        print(f"tap-compliance: error: {error}", file=sys.stderr)
        return 2
    return code


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="tap-compliance", description=__doc__)
    commands = parser.add_subparsers(required=True, metavar="COMMAND")

    check = commands.add_parser("check", help="synth, cdk-nag, checkov, waivers, gate, outputs")
    check.add_argument("--env", default="all", help="environment name, or all (default)")
    check.add_argument("--out", type=Path, default=DEFAULT_OUT, help="output folder")
    check.add_argument("--app", default=DEFAULT_APP, help="CDK app factory, module:function")
    _policy_options(check)
    check.set_defaults(run=_check)

    scan = commands.add_parser("scan", help="the checkov policies on existing templates")
    scan.add_argument("paths", type=Path, nargs="+", metavar="PATH")
    scan.add_argument("--format", choices=SCAN_FORMATS, help="document to write (default json)")
    scan.add_argument("--output", type=Path, help="file to write (default: stdout)")
    scan.add_argument("--allowed-regions", help="comma-separated regions for the regional deny")
    scan.add_argument("--env", help="environment of the templates (applies its waivers)")
    _policy_options(scan)
    scan.set_defaults(run=_scan)

    report = commands.add_parser("report", help="re-render the audit report from a record")
    report.add_argument("record", type=Path, metavar="RECORD.json")
    report.add_argument("--format", choices=("html", "md"), default="html")
    report.add_argument("--output", type=Path, help="file to write (default: stdout)")
    report.set_defaults(run=_report)

    diff = commands.add_parser("diff", help="what changed between two records (a PR comment)")
    diff.add_argument("base", type=Path, metavar="BASE.json")
    diff.add_argument("head", type=Path, metavar="HEAD.json")
    diff.add_argument("--format", choices=("md", "json"), default="md")
    diff.add_argument("--output", type=Path, help="file to write (default: stdout)")
    diff.set_defaults(run=_diff)
    return parser


def _policy_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--fail-on", choices=SEVERITIES, default="high", help="gate threshold")
    parser.add_argument("--waivers", type=Path, help=f"waiver file (default {DEFAULT_WAIVERS})")
    parser.add_argument(
        "--baseline", type=Path, metavar="BASE.json", help="block only on failures not in it"
    )


def _check(args: argparse.Namespace) -> int:
    out: Path = args.out
    # Inside the staging: any error, a bad waiver file included, also removes what an earlier
    # run left in --out, so nothing there looks like the result of this run.
    with outputs.staged(out) as staging:
        policy = _policy(args)
        baseline = _baseline(args)
        environments = _environments(args.env)
        record = engine.check(
            environments=environments,
            assembly_dir=staging / outputs.ASSEMBLY,
            shown_dir=out / outputs.ASSEMBLY,
            policy=policy,
            app=args.app,
        )
        record = baseline(record)
        written = outputs.write_all(record, staging, policy.catalog)
    print_summary(record, Console(), [out / path.name for path in written])
    return record.summary.gate.exit_code


def _scan(args: argparse.Namespace) -> int:
    policy = _policy(args)
    baseline = _baseline(args)
    regions = _regions(args.allowed_regions) if args.allowed_regions is not None else None
    record = baseline(engine.scan(args.paths, policy=policy, allowed_regions=regions, env=args.env))
    if args.output is None and args.format is None:
        print_summary(record, Console())
    elif args.output is None:
        sys.stdout.write(outputs.render(record, args.format, policy.catalog))
    else:
        outputs.write_file(
            args.output, outputs.render(record, args.format or "json", policy.catalog)
        )
        print_summary(record, Console(), [args.output])
    return record.summary.gate.exit_code


def _report(args: argparse.Namespace) -> int:
    from compliance.report import RecordError, load_record

    try:
        record: FindingsRecord = load_record(args.record)
    except RecordError as error:
        raise InputError(str(error)) from None
    text = outputs.render(record, args.format, _catalog())
    if args.output is None:
        sys.stdout.write(text)
    else:
        outputs.write_file(args.output, text)
    return 0


def _diff(args: argparse.Namespace) -> int:
    from compliance.baseline import load_baseline
    from compliance.diff import diff_records
    from compliance.diff_markdown import render_diff_markdown

    changes = diff_records(load_baseline(args.base), load_baseline(args.head), _catalog())
    text = changes.to_json() if args.format == "json" else render_diff_markdown(changes)
    if args.output is None:
        sys.stdout.write(text)
    else:
        outputs.write_file(args.output, text)
    return 0


def _baseline(args: argparse.Namespace) -> Callable[[FindingsRecord], FindingsRecord]:
    """``--baseline``: read now (a bad file fails before any work), applied to the record."""
    if args.baseline is None:
        return lambda record: record
    from compliance.baseline import gate_against, load_baseline

    baseline = load_baseline(args.baseline)
    return lambda record: gate_against(record, baseline, str(args.baseline))


def _policy(args: argparse.Namespace) -> engine.Policy:
    catalog = _catalog()
    waivers: list[Waiver] = []
    if args.waivers is not None:
        waivers = load_waivers(args.waivers, catalog)
    elif DEFAULT_WAIVERS.exists():
        waivers = load_waivers(DEFAULT_WAIVERS, catalog)
    fail_on: Severity = args.fail_on
    from policies import CHECKS_DIR

    return engine.Policy(catalog, waivers, fail_on, datetime.now(UTC).date(), CHECKS_DIR)


def _catalog() -> Catalog:
    from pydantic import ValidationError

    from policies.catalog import CATALOG_PATH, default_catalog

    try:
        return default_catalog()
    except (OSError, ValueError, ValidationError) as error:
        raise InputError(CATALOG_PATH, f"invalid control catalogue: {error}") from None


def _regions(text: str) -> list[str]:
    from pydantic import TypeAdapter, ValidationError

    from infra.environments import Region

    regions = [region.strip() for region in text.split(",")]
    adapter = TypeAdapter(Region)
    wrong = []
    for region in regions:
        try:
            adapter.validate_python(region)
        except ValidationError:
            wrong.append(region)
    if wrong:
        raise InputError(f"--allowed-regions: not an AWS region: {', '.join(map(repr, wrong))}")
    return regions


def _environments(name: str, path: Path | None = None) -> list[engine.EnvInfo]:
    """The environments ``--env`` names, from ``path`` (default: infra/environments.yaml)."""
    from infra.datafile import DataFileError
    from infra.environments import DEFAULT_ENVIRONMENTS_FILE, load_environments, select_environments

    source = path or DEFAULT_ENVIRONMENTS_FILE
    try:
        known = load_environments(source)
        names = None if name == "all" else [name]
        chosen = select_environments(known, names, source=source)
    except DataFileError as error:
        raise InputError(str(error)) from None
    return [engine.EnvInfo(e.name, e.stack_name, tuple(e.allowed_regions)) for e in chosen]
