"""The command line's grammar: every command, its options, their help texts and defaults."""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from dataclasses import fields
from pathlib import Path
from typing import Any, Literal, get_args, get_origin, get_type_hints

from compliance.aws.options import AwsOptions, DeployOptions, VerifyOptions
from compliance.cache_bound import DEFAULT_ENTRIES, ENTRIES_ENV
from compliance.environments import ALL, environment_names
from compliance.outputs import formats
from compliance.project import tool_versions
from compliance.record.findings import SEVERITIES
from policies.nag_packs import default_nag_packs


class _Versions(argparse.Action):
    """``--version``: this tool's version and those of the tools it runs."""

    def __init__(self, option_strings: Sequence[str], dest: str, **kwargs: Any) -> None:
        super().__init__(option_strings, dest, nargs=0, default=argparse.SUPPRESS, **kwargs)

    def __call__(self, parser: argparse.ArgumentParser, *_: Any) -> None:
        versions = tool_versions()
        print("\n".join(f"{tool} {version}" for tool, version in versions.items()))
        parser.exit()


class _Repeated(argparse.Action):
    """A repeatable option whose values gather in a tuple (its default is a tuple too)."""

    def __call__(
        self, parser: argparse.ArgumentParser, namespace: argparse.Namespace, *args: Any
    ) -> None:
        setattr(namespace, self.dest, (*getattr(namespace, self.dest), args[0]))


def build_parser(description: str | None) -> argparse.ArgumentParser:
    """The command line of ``tap-compliance``; ``description`` heads its ``--help``."""
    parser = argparse.ArgumentParser(
        prog="tap-compliance",
        description=description,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--version",
        action=_Versions,
        help="print the versions of tap-compliance, checkov, cdk-nag and aws-cdk-lib, and exit",
    )
    commands = parser.add_subparsers(required=True, metavar="COMMAND", dest="command")

    check = commands.add_parser(
        "check",
        help="synthesize the CDK app, run cdk-nag and checkov, apply waivers, gate, write outputs",
        description="Synthesize the CDK app, run cdk-nag and checkov, apply the waivers, decide "
        "the gate and write every output to --out.",
    )
    names = environment_names()
    check.add_argument(
        "--env",
        default=ALL,
        metavar="NAME",
        help=f"environment to check: {', '.join([*names, ALL])} (default: %(default)s)",
    )
    check.add_argument(
        "--out",
        type=Path,
        metavar="DIR",
        help="output folder (default: reports/out in the project root)",
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
        help="synthesize and judge even when a content hash proves the inputs unchanged (by "
        "default such a synthesis, and then its judgement, is reused from .tap-cache/, which keeps "
        f"the {DEFAULT_ENTRIES} most recently used of each, or {ENTRIES_ENV})",
    )
    check.add_argument(
        "--context",
        action=_Repeated,
        default=(),
        metavar="KEY=VALUE",
        help="context given to the app, as cdk synth -c KEY=VALUE (repeatable; over the "
        "context of cdk.json and cdk.context.json) (default: none)",
    )
    nag_packs = default_nag_packs()
    check.add_argument(
        "--pack",
        action="append",
        dest="packs",
        choices=nag_packs.classes(),
        metavar="CLASS",
        help="cdk-nag pack to run during synthesis (repeatable): "
        f"{', '.join(nag_packs.classes())} (default: {', '.join(nag_packs.default)}); the packs "
        "given replace the default, they do not add to it (name the default too to keep it); "
        "a rule no control maps is reported unmapped and fails the gate at every --fail-on",
    )
    _policy_options(check)
    _baseline_option(check)

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
        choices=formats.names(),
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
        "(--parameter wins over it) (default: none)",
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

    report = commands.add_parser(
        "report",
        help="render the audit report from saved records, merging the records of CI shards",
        description="Render the audit report from a saved findings.json. Given several "
        "records (or folders: every findings.json below them), merge them into one report: "
        "every target named, totals across them, each finding attributed to its run; the "
        "merged gate fails when any run's gate failed. Records of different schema versions "
        "or holding the same target are refused (exit 2).",
    )
    report.add_argument(
        "records",
        type=Path,
        nargs="+",
        metavar="RECORD.json|DIR",
        help="a findings.json, or a folder: every findings.json below it (sorted by path)",
    )
    report.add_argument(
        "--format",
        choices=("json", *formats.names(reports_only=True)),
        default="html",
        help="%(choices)s (default: %(default)s); json writes the (merged) record",
    )
    report.add_argument(
        "--output", type=Path, metavar="FILE", help="file to write (default: stdout)"
    )

    deploy = commands.add_parser(
        "deploy",
        help="gate one environment, then deploy exactly the gated template",
        description="Synthesize and gate one environment as check does (every output written "
        "to --out); only when the gate passes, deploy to AWS with CloudFormation exactly the "
        "template and file assets it judged, and write deployment.json beside the record. "
        "Exit 0 deployed (or no changes), 1 the gate or the deployment failed or was "
        "refused, 2 a usage, input, credentials or endpoint error (every case: "
        "docs/deploy.md).",
    )
    _aws_options(deploy, names)
    _deploy_options(deploy)
    deploy.add_argument(
        "--app",
        metavar="COMMAND|MODULE:FUNCTION",
        help='the CDK app, as for check (default: the "app" of cdk.json)',
    )
    _policy_options(deploy)

    verify = commands.add_parser(
        "verify",
        help="the deployed stack against the gated template: its template, live configuration "
        "(the same checks), drift, AWS Config",
        description="Check the stack deploy left in AWS against the record in --out: the "
        "deployed template is the gated one, each resource's live configuration judged by the "
        "same checks, CloudFormation drift, and the verdicts of the AWS Config rules the stack "
        "deploys; the results go into the record as runtime findings and every output is "
        "written again. Exit 0 verified, 1 a runtime failure or a disagreement, or nothing "
        "verified (unless --allow-untested), 2 a usage, input, credentials or endpoint error.",
    )
    _aws_options(verify, names)
    _declared_options(verify, VerifyOptions)

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

    bundle = commands.add_parser(
        "bundle",
        help="pack an evidence folder into a zip with a manifest and an in-toto statement, "
        "or verify one",
        description="Pack an evidence folder (--out of check, deploy, verify) into one "
        "deterministic zip: every file but the run's hidden machinery (lock, staging), "
        "MANIFEST.json (each file's SHA-256 and size, the commit, the tools, the gate result) "
        "and statement.intoto.json (an in-toto statement to sign with cosign). --verify "
        "recomputes every digest: exit 0 when all match, 1 naming each file changed, missing "
        "or added.",
    )
    bundle.add_argument(
        "folder", type=Path, nargs="?", metavar="DIR", help="the evidence folder to pack"
    )
    bundle.add_argument(
        "--output",
        type=Path,
        metavar="EV.zip",
        help="the zip to write (no default: required when packing DIR)",
    )
    bundle.add_argument(
        "--verify",
        type=Path,
        metavar="EV.zip",
        help="check a bundle instead of packing one (default: pack DIR)",
    )
    return parser


def _baseline_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--baseline",
        type=Path,
        metavar="BASE.json",
        help="a findings record: only failures whose fingerprint is not among its failures "
        "block (its failures are reported as existing; an expired waiver still blocks) "
        "(default: none, every failure at or above --fail-on blocks)",
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


def _positive(text: str) -> float:
    value = float(text)
    if value <= 0:
        raise argparse.ArgumentTypeError(f"must be above 0: {text}")
    return value


def _aws_options(parser: argparse.ArgumentParser, names: Sequence[str]) -> None:
    """The options of ``deploy`` and ``verify`` (the fields of ``AwsOptions``)."""
    parser.add_argument(
        "--env",
        required=True,
        metavar="NAME",
        help=f"one environment of the environments file: {', '.join(names)} (required)",
    )
    parser.add_argument(
        "--profile",
        metavar="PROFILE",
        help="AWS profile (default: boto3's usual credential chain)",
    )
    parser.add_argument(
        "--endpoint-url",
        metavar="URL",
        help="another AWS endpoint, such as a local emulator (default: AWS's own endpoints)",
    )
    parser.add_argument(
        "--out",
        type=Path,
        metavar="DIR",
        help="evidence folder: the gated record and assembly, the reports, deployment.json "
        "(default: reports/out in the project root)",
    )


def _deploy_options(parser: argparse.ArgumentParser) -> None:
    """The options of ``deploy`` alone (the fields of ``DeployOptions``)."""
    _declared_options(parser, DeployOptions)


def _declared_options(parser: argparse.ArgumentParser, declared: type[AwsOptions]) -> None:
    """One ``--field-name`` per field of ``declared`` beyond ``AwsOptions``, where each is
    declared (type, default, help); the help ends with the default, but for a flag (off)."""
    shared = {option.name for option in fields(AwsOptions)}
    types = get_type_hints(declared)
    for option in fields(declared):
        if option.name in shared:
            continue
        flag, kind, help_text = (
            f"--{option.name.replace('_', '-')}",
            types[option.name],
            option.metadata["help"],
        )
        if kind is bool:
            parser.add_argument(flag, action="store_true", help=help_text)
        elif get_origin(kind) is Literal:
            parser.add_argument(
                flag,
                choices=get_args(kind),
                default=option.default,
                help=f"{help_text} (default: {option.default})",
            )
        elif kind is float:
            parser.add_argument(
                flag,
                type=_positive,
                default=option.default,
                metavar="SECONDS",
                help=f"{help_text} (default: {option.default:g})",
            )
        elif get_origin(kind) is tuple and get_args(kind) == (str, Ellipsis):
            parser.add_argument(
                flag,
                action=_Repeated,
                default=option.default,
                metavar="KEY=VALUE",
                help=f"{help_text} (default: none)",
            )
        else:
            raise TypeError(f"{declared.__name__}.{option.name}: no command-line form for {kind}")
