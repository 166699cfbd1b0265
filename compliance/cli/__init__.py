"""tap-compliance: prove CloudFormation templates meet the TAP controls, gate CI on the result.

Exit codes: 0 the gate passed, 1 it failed, 2 a usage, configuration or input error.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from rich.console import Console

from compliance import engine
from compliance.aws import commands as aws_commands
from compliance.cli.inputs import load_parameter_file, parse_assignments
from compliance.cli.progress import progress_bar
from compliance.environments import environments_file
from compliance.errors import InputError
from compliance.gate.waivers import Waiver, load_waivers
from compliance.outputs import formats, publish
from compliance.outputs.summary import print_summary
from compliance.project import WaiverSource, find_cdk_json, tool_versions, waiver_source
from compliance.quiet import silence
from compliance.record.findings import SEVERITIES, FindingsRecord, Severity
from compliance.synthesis.app import resolve_app
from policies.catalog import Catalog
from policies.nag_packs import default_nag_packs

DEFAULT_OUT = Path("reports/out")
SCAN_FORMATS = formats.names()
ALL = "all"


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


class _Versions(argparse.Action):
    """``--version``: this tool's version and those of the tools it runs."""

    def __init__(self, option_strings: Sequence[str], dest: str, **kwargs: Any) -> None:
        super().__init__(option_strings, dest, nargs=0, default=argparse.SUPPRESS, **kwargs)

    def __call__(self, parser: argparse.ArgumentParser, *_: Any) -> None:
        versions = tool_versions()
        print("\n".join(f"{tool} {version}" for tool, version in versions.items()))
        parser.exit()


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="tap-compliance",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--version",
        action=_Versions,
        help="print the versions of tap-compliance, checkov, cdk-nag and aws-cdk-lib, and exit",
    )
    commands = parser.add_subparsers(required=True, metavar="COMMAND")

    check = commands.add_parser(
        "check",
        help="synthesize the CDK app, run cdk-nag and checkov, apply waivers, gate, write outputs",
        description="Synthesize the CDK app, run cdk-nag and checkov, apply the waivers, decide "
        "the gate and write every output to --out.",
    )
    names = _environment_names()
    check.add_argument(
        "--env",
        default=ALL,
        metavar="NAME",
        help=f"environment to check: {', '.join([*names, ALL])} (default: %(default)s)",
    )
    check.add_argument(
        "--out",
        type=Path,
        default=DEFAULT_OUT,
        metavar="DIR",
        help="output folder (default: %(default)s)",
    )
    check.add_argument(
        "--app",
        metavar="COMMAND|MODULE:FUNCTION",
        help="the CDK app: a Python command as cdk.json writes it ('python3 -m infra.app', "
        "'python3 app.py'), or a function that takes outdir= and env_names= and returns the "
        'aws_cdk.App (default: the "app" of cdk.json at the project root, as cdk synth runs it)',
    )
    check.add_argument(
        "--no-cache",
        action="store_true",
        help="synthesize even when a content hash proves the inputs unchanged (by default "
        "such a synthesis is reused from .tap-cache/)",
    )
    nag_packs = default_nag_packs()
    check.add_argument(
        "--pack",
        action="append",
        dest="packs",
        choices=nag_packs.classes(),
        metavar="CLASS",
        help="cdk-nag pack to run during synthesis (repeatable): "
        f"{', '.join(nag_packs.classes())} (default: {', '.join(nag_packs.default)}); a rule "
        "no control maps is reported unmapped and fails the gate at every --fail-on",
    )
    _policy_options(check)
    _baseline_option(check)
    check.set_defaults(run=_check)

    scan = commands.add_parser(
        "scan",
        help="judge existing CloudFormation templates or cdk.out folders",
        description="Judge existing CloudFormation templates (JSON or YAML) or cloud "
        "assemblies (cdk.out) with the checkov part of the policies. Without --format and "
        "--output it prints the summary table; --format json without --output prints only "
        "the record on stdout.",
    )
    scan.add_argument(
        "paths",
        type=Path,
        nargs="+",
        metavar="PATH",
        help="a template, a cdk.out folder, or a folder walked for templates (*.json, *.yaml, "
        "*.yml, *.template; node_modules, .git and the like skipped)",
    )
    scan.add_argument(
        "--format",
        choices=SCAN_FORMATS,
        help="document to write: %(choices)s (default: the summary table on the terminal; "
        "json when --output is given)",
    )
    scan.add_argument(
        "--output",
        type=Path,
        metavar="FILE",
        help="file to write the document to (default: stdout)",
    )
    scan.add_argument(
        "--allowed-regions",
        metavar="R1,R2",
        help="regions the regional deny (TAP-IAM-01) must allow (default: the environment's, "
        "else us-east-1)",
    )
    scan.add_argument(
        "--env",
        metavar="NAME",
        help=f"environment every template belongs to: {', '.join(names)} (default: a cloud "
        "assembly's stacks belong to the environment of their stack name, other templates to "
        "none); its waivers and allowed regions apply",
    )
    scan.add_argument(
        "--parameter",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="a template parameter's value, as at deployment (repeatable; default: none, so "
        "what depends on a parameter is unknown, which fails the gate)",
    )
    scan.add_argument(
        "--parameter-file",
        type=Path,
        metavar="FILE",
        help="parameter values in CloudFormation's formats, JSON or YAML: "
        "[{ParameterKey, ParameterValue}, ...] or {Parameters: {KEY: VALUE}} "
        "(--parameter wins over it)",
    )
    scan.add_argument(
        "--cmk",
        action="append",
        default=[],
        metavar="ARN_OR_ALIAS",
        help="a KMS key from outside the templates (key ARN, alias name or alias ARN) known to "
        "be customer-managed (repeatable; an environment's customer_managed_keys add to it; "
        "default: none, so such keys are unknown, which fails the gate)",
    )
    scan.add_argument(
        "--keep-going",
        action="store_true",
        help="list a template that cannot be read or parsed as an error and judge the others "
        "(it fails the gate; exit 2 only when nothing could be judged) (default: stop with "
        "exit 2 at the first)",
    )
    _policy_options(scan)
    _baseline_option(scan)
    scan.set_defaults(run=_scan)

    report = commands.add_parser(
        "report",
        help="re-render the audit report from a saved record",
        description="Re-render the audit report from a saved findings.json.",
    )
    report.add_argument("record", type=Path, metavar="RECORD.json")
    report.add_argument(
        "--format",
        choices=formats.names(reports_only=True),
        default="html",
        help="%(choices)s (default: %(default)s)",
    )
    report.add_argument(
        "--output", type=Path, metavar="FILE", help="file to write (default: stdout)"
    )
    report.set_defaults(run=_report)

    deploy = commands.add_parser("deploy", help="gate, then deploy exactly the gated template")
    aws_commands.deploy_arguments(deploy)
    deploy.add_argument(
        "--app",
        metavar="COMMAND|MODULE:FUNCTION",
        help='the CDK app, as for check (default: the "app" of cdk.json)',
    )
    _policy_options(deploy)
    deploy.set_defaults(run=_deploy)

    verify = commands.add_parser("verify", help="AWS Config's verdicts on the deployed stack")
    aws_commands.verify_arguments(verify)
    verify.set_defaults(run=_verify)

    diff = commands.add_parser(
        "diff",
        help="what changed between two records (a pull-request comment)",
        description="Compare two findings records: new, fixed and still failing failures, "
        "waivers added, removed or expiring within 30 days, controls whose ROC status changed.",
    )
    diff.add_argument("base", type=Path, metavar="BASE.json", help="the record of the base")
    diff.add_argument("head", type=Path, metavar="HEAD.json", help="the record of the change")
    diff.add_argument(
        "--format", choices=("md", "json"), default="md", help="%(choices)s (default: %(default)s)"
    )
    diff.add_argument("--output", type=Path, metavar="FILE", help="file to write (default: stdout)")
    diff.set_defaults(run=_diff)
    return parser


def _baseline_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--baseline",
        type=Path,
        metavar="BASE.json",
        help="a findings record: only failures whose fingerprint is not among its failures "
        "block (its failures are reported as existing; an expired waiver still blocks)",
    )


def _policy_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--fail-on",
        choices=SEVERITIES,
        default="high",
        help="lowest severity that fails the gate: %(choices)s (default: %(default)s)",
    )
    parser.add_argument(
        "--waivers",
        type=Path,
        metavar="FILE",
        help="waiver file (default: waivers.yaml in the project root, the nearest folder "
        "above the working directory holding cdk.json or pyproject.toml)",
    )


def _check(args: argparse.Namespace) -> int:
    out: Path = args.out
    # Usage and configuration errors first: a mistake must not touch the last evidence.
    policy, source = _policy(args)
    environments = _environments(args.env)
    resolve_app(args.app)  # a missing or unrunnable app is a usage error, found here
    baseline = _baseline(args)
    # Inside the staging: an error from here on also removes what an earlier run left in
    # --out, so nothing there looks like the result of this run.
    with publish.staged(out) as staging:
        record = engine.check(
            environments=environments,
            assembly_dir=staging / publish.ASSEMBLY,
            shown_dir=out / publish.ASSEMBLY,
            policy=policy,
            app=args.app,
            cache=not args.no_cache,
            packs=list(dict.fromkeys(args.packs)) if args.packs else None,
        )
        record = baseline(record)
        written = publish.write_all(record, staging, policy.catalog)
    print_summary(record, Console(), [out / path.name for path in written], source)
    return record.summary.gate.exit_code


def _scan(args: argparse.Namespace) -> int:
    policy, source = _policy(args)
    regions = _regions(args.allowed_regions) if args.allowed_regions is not None else None
    baseline = _baseline(args)
    known = _environments(ALL)
    env = _environments(args.env)[0] if args.env is not None else None
    parameters = load_parameter_file(args.parameter_file) if args.parameter_file else {}
    parameters.update(parse_assignments(args.parameter))
    try:
        record = engine.scan(
            args.paths,
            policy=policy,
            allowed_regions=regions,
            env=env,
            environments=known,
            parameters=parameters,
            customer_managed_keys=_keys(args.cmk),
            keep_going=args.keep_going,
            progress=progress_bar,
        )
        record = baseline(record)
    except InputError:
        if args.output is not None:  # an earlier run's document must not pass for this one's
            args.output.unlink(missing_ok=True)
        raise
    if args.output is None and args.format is None:
        print_summary(record, Console(), (), source)
    elif args.output is None:
        if source.path is None:
            print(f"tap-compliance: warning: {source.describe()}", file=sys.stderr)
        sys.stdout.write(publish.render(record, args.format, policy.catalog))
    else:
        publish.write_file(
            args.output, publish.render(record, args.format or "json", policy.catalog)
        )
        print_summary(record, Console(), [args.output], source)
    return record.summary.gate.exit_code


def _report(args: argparse.Namespace) -> int:
    from compliance.record.load import RecordError, load_record

    try:
        record: FindingsRecord = load_record(args.record)
    except RecordError as error:
        raise InputError(str(error)) from None
    text = publish.render(record, args.format, _catalog())
    if args.output is None:
        sys.stdout.write(text)
    else:
        publish.write_file(args.output, text)
    return 0


def _diff(args: argparse.Namespace) -> int:
    from compliance.gate.baseline import load_baseline
    from compliance.outputs.diff import diff_records
    from compliance.outputs.diff_markdown import render_diff_markdown

    changes = diff_records(load_baseline(args.base), load_baseline(args.head), _catalog())
    text = changes.to_json() if args.format == "json" else render_diff_markdown(changes)
    if args.output is None:
        sys.stdout.write(text)
    else:
        publish.write_file(args.output, text)
    return 0


def _baseline(args: argparse.Namespace) -> Callable[[FindingsRecord], FindingsRecord]:
    """``--baseline``: read now (a bad file fails before any work), applied to the record."""
    if args.baseline is None:
        return lambda record: record
    from compliance.gate.baseline import gate_against, load_baseline

    baseline = load_baseline(args.baseline)
    return lambda record: gate_against(record, baseline, str(args.baseline))


def _deploy(args: argparse.Namespace) -> int:
    if args.env == ALL:
        raise InputError("--env: deploy takes one environment, not all")
    policy, source = _policy(args)
    environment = _environments(args.env)[0]
    return aws_commands.deploy(args, policy=policy, source=source, environment=environment)


def _verify(args: argparse.Namespace) -> int:
    if args.env == ALL:
        raise InputError("--env: verify takes one environment, not all")
    environment = _environments(args.env)[0]
    return aws_commands.verify(args, catalog=_catalog(), environment=environment)


def _policy(args: argparse.Namespace) -> tuple[engine.Policy, WaiverSource]:
    catalog = _catalog()
    source = waiver_source(args.waivers)
    waivers: list[Waiver] = load_waivers(source.path, catalog) if source.path else []
    fail_on: Severity = args.fail_on
    from policies import CHECKS_DIR

    policy = engine.Policy(
        catalog,
        waivers,
        fail_on,
        datetime.now(UTC).date(),
        CHECKS_DIR,
        waiver_file=str(source.path) if source.path else None,
    )
    return policy, source


def _catalog() -> Catalog:
    from pydantic import ValidationError

    from policies.catalog import CATALOG_PATH, default_catalog

    try:
        return default_catalog()
    except (OSError, ValueError, ValidationError) as error:
        raise InputError(CATALOG_PATH, f"invalid control catalogue: {error}") from None


def _regions(text: str) -> list[str]:
    from pydantic import TypeAdapter, ValidationError

    from compliance.environments import Region

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


def _keys(references: list[str]) -> list[str]:
    """``--cmk`` values: a key ARN, an alias name or an alias ARN (an AWS-managed alias is
    never customer-managed)."""
    for reference in references:
        key = reference.strip()
        known = (key.startswith("arn:") and ":kms:" in key) or key.startswith("alias/")
        if not known or "alias/aws/" in key:
            raise InputError(
                f"--cmk {reference!r}: not a customer-managed key reference "
                "(a key ARN, alias/NAME or an alias ARN; alias/aws/... is AWS-managed)"
            )
    return [reference.strip() for reference in references]


def _environment_names() -> list[str]:
    """The environments the environments file declares, for help texts (none if unreadable)."""
    from compliance.environments import load_environments

    try:
        path = environments_file(find_cdk_json())
        return list(load_environments(path)) if path is not None else []
    except InputError:
        return []


def _environments(name: str, path: Path | None = None) -> list[engine.EnvInfo]:
    """The environments ``--env`` names, from ``path`` (default: the file cdk.json declares;
    without one, ``all`` is no environment and any other name an error)."""
    from compliance.environments import load_environments, select_environments

    source = path or environments_file(find_cdk_json())
    if source is None:
        if name == ALL:
            return []
        raise InputError(
            f"--env {name}: no environments file (cdk.json context "
            '"tap-compliance:environments-file")'
        )
    known = load_environments(source)
    chosen = select_environments(known, None if name == ALL else [name], source=source)
    return [
        engine.EnvInfo(
            e.name, e.stack_name, tuple(e.allowed_regions), tuple(e.customer_managed_keys)
        )
        for e in chosen
    ]
