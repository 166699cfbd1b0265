"""The commands: each takes the parsed command line and returns the exit code."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from dataclasses import fields
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

from rich.console import Console

from compliance import engine
from compliance.aws.options import AwsOptions, DeployOptions, VerifyOptions
from compliance.cache_bound import entries_limit
from compliance.cli.inputs import (
    load_parameter_file,
    parse_assignments,
    parse_context,
    parse_keys,
    parse_regions,
    record_files,
)
from compliance.cli.progress import progress_bar
from compliance.environments import ALL, EnvInfo, resolve_environments
from compliance.errors import InputError
from compliance.outputs import publish
from compliance.outputs.lock import holding
from compliance.outputs.report.data import default_reference_data
from compliance.outputs.summary import print_summary
from compliance.policy import Policy, checked_catalog, load_policy
from compliance.project import WaiverSource, evidence_folder
from compliance.record.findings import FindingsRecord
from compliance.record.requirements import default_tree
from compliance.synthesis.app import resolve_app
from compliance.synthesis.context import app_context

if TYPE_CHECKING:  # boto3 and botocore load only for deploy and verify
    from compliance.aws.errors import AwsFailure

Baseline = Callable[[FindingsRecord], FindingsRecord]


def check(args: argparse.Namespace) -> int:
    """``check``: synthesize, judge, gate, write every output to ``--out``."""
    # Usage and configuration errors first: a mistake must not touch the last evidence.
    policy, source = load_policy(args.waivers, args.fail_on)
    environments = resolve_environments(args.env)
    resolve_app(args.app)  # a missing or unrunnable app is a usage error, found here
    context = parse_context(args.context)
    app_context(context)  # cdk.json, cdk.context.json: a bad one is found here too
    baseline = _baseline(args)
    default_tree(), default_reference_data()  # the record's and the report's data files too
    if not args.no_cache:
        entries_limit()  # a bad TAP_COMPLIANCE_CACHE_ENTRIES is a configuration error too
    out = evidence_folder(args.out)
    with holding(out, "tap-compliance check"):
        record = _gate(
            environments,
            out,
            policy,
            source,
            app=args.app,
            cache=not args.no_cache,
            context=context,
            packs=list(dict.fromkeys(args.packs)) if args.packs else None,
            baseline=baseline,
        )
    return record.summary.gate.exit_code


def scan(args: argparse.Namespace) -> int:
    """``scan``: judge existing templates or cloud assemblies."""
    policy, source = load_policy(args.waivers, args.fail_on)
    regions = parse_regions(args.allowed_regions) if args.allowed_regions is not None else None
    baseline = _baseline(args)
    known = resolve_environments(ALL)
    env = resolve_environments(args.env)[0] if args.env is not None else None
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
            customer_managed_keys=parse_keys(args.cmk),
            keep_going=args.keep_going,
            progress=progress_bar,
        )
        record = baseline(record)
    except InputError:
        if args.output is not None:  # an earlier run's document must not pass for this one's
            args.output.unlink(missing_ok=True)
        raise
    if args.output is None and args.format is None:
        print_summary(record, Console(), (), source, policy.catalog)
    elif args.output is None:
        if source.path is None:
            print(f"tap-compliance: warning: {source.describe()}", file=sys.stderr)
        sys.stdout.write(publish.render(record, args.format, policy.catalog))
    else:
        publish.write_file(
            args.output, publish.render(record, args.format or "json", policy.catalog)
        )
        print_summary(record, Console(), [args.output], source, policy.catalog)
    return record.summary.gate.exit_code


def report(args: argparse.Namespace) -> int:
    """``report``: render the audit report from a saved record, or from the records of CI
    shards merged into one (``compliance/gate/merge.py``)."""
    from compliance.gate.merge import MergeError, Shard, merge
    from compliance.record.load import load_records

    files = record_files(args.records)
    try:
        records = load_records(files)
        shards = [Shard(str(file), record) for file, record in zip(files, records, strict=True)]
        record = records[0] if len(records) == 1 else merge(shards)
    except MergeError as error:
        raise InputError(str(error)) from None
    _write(args.output, publish.render(record, args.format, checked_catalog()))
    return 0


def diff(args: argparse.Namespace) -> int:
    """``diff``: what changed between two records."""
    from compliance.gate.baseline import load_baseline
    from compliance.outputs.diff import diff_records
    from compliance.outputs.diff_markdown import render_diff_markdown

    changes = diff_records(load_baseline(args.base), load_baseline(args.head), checked_catalog())
    text = changes.to_json() if args.format == "json" else render_diff_markdown(changes)
    _write(args.output, text)
    return 0


def bundle(args: argparse.Namespace) -> int:
    """``bundle``: pack an evidence folder into a zip, or verify one."""
    from compliance.outputs.bundle.pack import pack
    from compliance.outputs.bundle.verify import verify

    if args.verify is None:
        if args.folder is None or args.output is None:
            raise InputError("bundle: give DIR and --output EV.zip, or --verify EV.zip")
        manifest = pack(args.folder, args.output)
        print(f"wrote {args.output}: {len(manifest.files)} files (gate {manifest.gate.result})")
        return 0
    if args.folder is not None or args.output is not None:
        raise InputError("bundle: --verify EV.zip takes no DIR and no --output")
    checked = verify(args.verify)
    for problem in checked.problems:
        print(f"{args.verify}: {problem}")
    count = len(checked.problems)
    if count or checked.manifest is None:
        print(f"{args.verify}: does not match its manifest ({count} problem{'s' * (count > 1)})")
        return 1
    files, gate = len(checked.manifest.files), checked.manifest.gate.result
    print(f"{args.verify}: all {files} files match MANIFEST.json and the statement (gate {gate})")
    return 0


def deploy(args: argparse.Namespace) -> int:
    """``deploy``: gate one environment, then deploy exactly the gated template."""
    from compliance.aws.deploy import run
    from compliance.aws.errors import AwsFailure

    if args.env == ALL:
        raise InputError("--env: deploy takes one environment, not all")
    policy, source = load_policy(args.waivers, args.fail_on)
    options = _aws_options(DeployOptions, args, resolve_environments(args.env)[0])
    context = parse_context(options.context)
    app_context(context)  # cdk.json, cdk.context.json: a bad one is found before any work
    if not options.no_cache:
        entries_limit()

    def gate() -> FindingsRecord:
        return _gate(
            [options.env],
            options.out,
            policy,
            source,
            app=args.app,
            cache=not options.no_cache,
            context=context,
        )

    try:
        with holding(options.out, "tap-compliance deploy"):
            return run(options, gate=gate, catalog=policy.catalog)
    except AwsFailure as failure:
        return _failed(failure)


def verify(args: argparse.Namespace) -> int:
    """``verify``: the deployed stack against the gated template, into the record."""
    from compliance.aws.errors import AwsFailure
    from compliance.aws.verify import run

    if args.env == ALL:
        raise InputError("--env: verify takes one environment, not all")
    options = _aws_options(VerifyOptions, args, resolve_environments(args.env)[0])
    try:
        with holding(options.out, "tap-compliance verify"):
            return run(options, catalog=checked_catalog())
    except AwsFailure as failure:
        return _failed(failure)


#: The handler of each command the parser declares.
COMMANDS: dict[str, Callable[[argparse.Namespace], int]] = {
    "check": check,
    "scan": scan,
    "report": report,
    "deploy": deploy,
    "verify": verify,
    "diff": diff,
    "bundle": bundle,
}


def _gate(
    environments: Sequence[EnvInfo],
    out: Path,
    policy: Policy,
    source: WaiverSource,
    *,
    app: str | None,
    cache: bool = True,
    context: dict[str, str] | None = None,
    packs: list[str] | None = None,
    baseline: Baseline = lambda record: record,
) -> FindingsRecord:
    """Synthesize and judge the environments, publish every output in ``out``, print the
    summary; the record."""
    # Inside the staging: an error from here on also removes what an earlier run left in
    # --out, so nothing there looks like the result of this run.
    with publish.staged(out) as staging:
        record = engine.check(
            environments=environments,
            assembly_dir=staging / publish.ASSEMBLY,
            shown_dir=out / publish.ASSEMBLY,
            policy=policy,
            app=app,
            cache=cache,
            cdk_context=context,
            packs=packs,
        )
        record = baseline(record)
        written = publish.write_all(record, staging, policy.catalog)
    print_summary(record, Console(), [out / path.name for path in written], source, policy.catalog)
    return record


def _baseline(args: argparse.Namespace) -> Baseline:
    """``--baseline``: read now (a bad file fails before any work), applied to the record."""
    if args.baseline is None:
        return lambda record: record
    from compliance.gate.baseline import gate_against, load_baseline

    baseline = load_baseline(args.baseline)
    return lambda record: gate_against(record, baseline, str(args.baseline))


Options = TypeVar("Options", bound=AwsOptions)


def _aws_options(kind: type[Options], args: argparse.Namespace, env: EnvInfo) -> Options:
    """``kind`` filled from the command line: its fields are named as the options' values."""
    values = {f.name: getattr(args, f.name) for f in fields(kind) if f.name not in ("env", "out")}
    return kind(env=env, out=evidence_folder(args.out), **values)


def _failed(failure: AwsFailure) -> int:
    print(f"tap-compliance: error: {failure}", file=sys.stderr)
    return failure.exit_code


def _write(output: Path | None, text: str) -> None:
    if output is None:
        sys.stdout.write(text)
    else:
        publish.write_file(output, text)
