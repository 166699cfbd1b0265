"""``tap-compliance verify``: the running stack against the gated template.

Reads the evidence folder (``findings.json``, the gated ``cdk.out``, ``deployment.json`` when
there) and the account (CDK's lookup role, or the caller's credentials in the same account),
then proves, each beside the static verdicts: the deployed template is the gated one
(:mod:`~compliance.aws.deployed_template`), the live configuration passes the same checks
(:mod:`compliance.aws.live`), CloudFormation sees no drift (:mod:`~compliance.aws.drift`),
AWS Config's verdicts (:mod:`~compliance.aws.config_rules`). The record gets the runtime
findings and the ``runtime`` block; the reports are rendered again from it.
"""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from botocore.exceptions import ClientError
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from compliance.aws.compare import comparisons, config_findings, disagreements, static_status
from compliance.aws.config_rules import deployed_rules, read_compliance, wait_for_evaluations
from compliance.aws.deployed_template import NESTED, check_templates
from compliance.aws.drift import detect_drift
from compliance.aws.errors import TRANSPORT_ERRORS, AwsFailure, describe_error
from compliance.aws.live.body import live_body
from compliance.aws.live.judge import judge_live, judged_types
from compliance.aws.options import VerifyOptions
from compliance.aws.session import AwsSession
from compliance.aws.target import read_target
from compliance.errors import InputError
from compliance.judging.applicability import by_design
from compliance.outputs import publish
from compliance.outputs.tables import print_table
from compliance.record.coverage import requirement_coverage
from compliance.record.findings import (
    RUNTIME_SOURCES,
    Finding,
    FindingsRecord,
    RuntimeCheck,
    Status,
    Target,
    worst_status,
)
from policies.catalog import Catalog
from policies.context import Context

STYLE = {"COMPLIANT": "green", "NON_COMPLIANT": "bold red", "MISSING": "bold red"}


def run(options: VerifyOptions, *, catalog: Catalog, console: Console | None = None) -> int:
    """Verify; 1 on any runtime failure or disagreement, or when nothing was verified."""
    console = console or Console()
    record_path = options.out / publish.RECORD
    record = _load(record_path)
    gated = _target(record, options, record_path)
    target = read_target(options.out / publish.ASSEMBLY, gated.stack or "", gated.sha256)
    caller = AwsSession.open(
        profile=options.profile, region=target.region, endpoint_url=options.endpoint_url
    )
    reader = caller.in_account(
        target.lookup_role_arn, target.account, purpose="lookup", stack_name=target.stack_name
    )
    stack = _stack_id(record, target.stack_name)
    resources = _stack_resources(reader, stack, target.stack_name, target.account, target.region)
    physical = {
        r["LogicalResourceId"]: r["PhysicalResourceId"]
        for r in resources
        if r.get("PhysicalResourceId")
    }
    template = json.loads(target.template)
    cloudformation = reader.client("cloudformation")
    templates = check_templates(
        cloudformation,
        stack,
        target.stack_name,
        target.sha256,
        _nested(template, physical, target.template_path.parent),
    )
    mine = [f for f in record.findings if f.target == gated.name]
    static = [f for f in mine if f.source not in RUNTIME_SOURCES]
    live = live_body(reader, template, physical, judged_types())
    live_findings, live_resources = judge_live(
        live,
        out=options.out,
        target=gated.name,
        context=Context.for_regions(options.env.allowed_regions, options.env.customer_managed_keys),
        static=static,
        catalog=catalog,
    )
    # a control out of the environment's scope is as not applicable live as in the template
    live_findings = by_design(live_findings, catalog, {gated.name: options.env})
    drift = detect_drift(cloudformation, stack, timeout=options.drift_timeout)
    config = reader.client("config")
    rules_declared = deployed_rules(template, physical)
    waited: list[str] = []
    if options.wait:
        since = record.deployment.ended_at if record.deployment else datetime.now(UTC)
        made = [r for r in rules_declared if r.logical_id in physical]
        # the lookup role is read-only: the caller's own credentials start the evaluations
        waited = wait_for_evaluations(
            config, made, newer_than=since, timeout=options.wait, starter=caller.client("config")
        )
    listed = {r["LogicalResourceId"] for r in resources}
    rules, evaluations = read_compliance(config, rules_declared, listed)
    rules = [
        r.model_copy(update={"note": f"not evaluated within {options.wait:g} s"})
        if r.name in waited and r.compliance == "NOT_TESTED"
        else r
        for r in rules
    ]
    runtime = [
        *config_findings(evaluations, target=gated.name, physical=physical, catalog=catalog),
        *live_findings,
    ]
    kept = [f for f in record.findings if f.target != gated.name or f.source not in RUNTIME_SOURCES]
    check = RuntimeCheck(
        verified_at=datetime.now(UTC),
        env=options.env.name,
        stack=target.stack_name,
        account=target.account,
        region=target.region,
        endpoint_url=options.endpoint_url,
        rules=rules,
        disagreements=disagreements([*static, *runtime]),
        templates=templates,
        live=live_resources,
        drift=drift,
        comparisons=comparisons(static, runtime, live_resources, drift),
    )
    findings = [*kept, *runtime]
    # the runtime findings count for their requirements as the static ones do, in the
    # record's own scope
    coverage = requirement_coverage(findings, record.targets, catalog, scope=record.coverage_scope)
    updated = record.model_copy(
        update={"findings": findings, "runtime": check, "coverage": coverage}
    )
    written = publish.write_all(updated, options.out, catalog)
    failed = _print(console, updated, check, runtime)
    for path in written:
        console.print(f"wrote {path}")
    if not failed and not _verified(check) and not options.allow_untested:
        console.print(
            "verify: nothing was verified (every control not tested); "
            "--allow-untested accepts that",
            highlight=False,
        )
        return 1
    return 1 if failed else 0


def _load(path: Path) -> FindingsRecord:
    from compliance.record.load import load_record

    if not path.is_file():
        raise InputError(path, "no findings record: run `tap-compliance deploy` first")
    return load_record(path)


def _target(record: FindingsRecord, options: VerifyOptions, path: Path) -> Target:
    for target in record.targets:
        if target.stack == options.env.stack_name:
            return target
    raise InputError(
        path, f"no {options.env.stack_name} in the record: run `tap-compliance deploy` first"
    )


def _stack_id(record: FindingsRecord, stack_name: str) -> str:
    deployment = record.deployment
    if deployment and deployment.stack_name == stack_name and deployment.stack_id:
        return deployment.stack_id
    return stack_name


def _stack_resources(
    session: AwsSession, stack: str, name: str, account: str, region: str
) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    try:
        pages = session.client("cloudformation").get_paginator("list_stack_resources")
        for page in pages.paginate(StackName=stack):
            found += page["StackResourceSummaries"]
    except ClientError as error:
        if "does not exist" in describe_error(error):
            raise AwsFailure(
                f"stack {name} does not exist in aws://{account}/{region}: deploy it first"
            ) from None
        raise AwsFailure(f"listing the resources of {name}: {describe_error(error)}") from None
    except TRANSPORT_ERRORS as error:
        raise AwsFailure(f"listing the resources of {name}: {describe_error(error)}") from None
    return found


def _nested(
    template: dict[str, Any], physical: dict[str, str], assembly: Path
) -> dict[str, tuple[str, str | None]]:
    """Each nested stack: its physical id and the SHA-256 of its gated template (the file
    CDK names in the resource's ``aws:asset:path`` metadata)."""
    found: dict[str, tuple[str, str | None]] = {}
    for logical_id, resource in (template.get("Resources") or {}).items():
        if resource.get("Type") != NESTED or logical_id not in physical:
            continue
        path = (resource.get("Metadata") or {}).get("aws:asset:path")
        file = assembly / path if isinstance(path, str) else None
        sha = hashlib.sha256(file.read_bytes()).hexdigest() if file and file.is_file() else None
        found[logical_id] = (physical[logical_id], sha)
    return found


def _verified(check: RuntimeCheck) -> bool:
    """Whether any control got a live or AWS Config verdict."""
    decided = ("COMPLIANT", "NON_COMPLIANT", "MISSING")
    verdicts = ("pass", "fail", "waived")
    return any(c.live in verdicts or c.config in verdicts for c in check.comparisons) or any(
        r.compliance in decided for r in check.rules
    )


def _print(
    console: Console, record: FindingsRecord, check: RuntimeCheck, runtime: list[Finding]
) -> bool:
    """What was verified, every failure and disagreement named; True when something failed."""
    failed = False
    for deployed in check.templates:
        ok = deployed.matches
        failed |= not ok
        console.print(
            f"[{'green' if ok else 'bold red'}]template[/] {escape(deployed.message)}",
            soft_wrap=True,
        )
    failed |= _print_live(console, check, runtime)
    drift = check.drift
    if drift is not None and drift.available:
        console.print(f"drift: {drift.status}, {len(drift.drifted)} drifted resource(s)")
        for item in drift.drifted:
            failed = True
            console.print(
                f"[bold red]drift[/] {item.logical_id} ({item.type}): {item.status} "
                + escape(", ".join(item.differences)),
                highlight=False,
                soft_wrap=True,
            )
    elif drift is not None:
        console.print(
            f"[yellow]{escape(drift.note or 'drift not available')}[/]",
            highlight=False,
            soft_wrap=True,
        )
    failed |= _print_config(console, record, check)
    for compared in check.comparisons:
        if compared.disagreement:
            failed = True
            console.print(
                f"[red]disagreement[/red] {compared.control_id} on {compared.logical_id}: "
                f"{escape(compared.disagreement)}",
                highlight=False,
                soft_wrap=True,
            )
    return failed


def _print_live(console: Console, check: RuntimeCheck, runtime: list[Finding]) -> bool:
    live = [f for f in runtime if f.source == "aws-api"]
    read = [r for r in check.live if r.state == "read"]
    untested = [r for r in check.live if r.state == "not-tested"]
    counts = {s: sum(f.status == s for f in live) for s in ("pass", "fail", "waived")}
    controls = {(f.control_id, f.resource.logical_id) for f in live}
    console.print(
        f"live: {len(read)} resource(s) read, {len(controls)} control verdict(s) judged live: "
        f"{counts['pass']} compliant, {counts['fail']} non-compliant, {counts['waived']} waived; "
        f"{len(untested)} resource(s) not tested",
        highlight=False,
        soft_wrap=True,
    )
    for resource in untested:
        console.print(
            f"[yellow]not tested[/] {resource.logical_id} ({resource.type}): "
            + escape(resource.note or ""),
            highlight=False,
            soft_wrap=True,
        )
    for finding in live:
        if finding.status == "fail":
            console.print(
                f"[bold red]live FAIL[/] {finding.control_id} {finding.resource.logical_id}: "
                + escape(finding.message),
                highlight=False,
                soft_wrap=True,
            )
    return counts["fail"] > 0


def _print_config(console: Console, record: FindingsRecord, check: RuntimeCheck) -> bool:
    static_by_rule: dict[str, Status] = {}
    for finding in record.findings:
        if finding.source in RUNTIME_SOURCES or finding.target != check.stack:
            continue
        for identifier in finding.config_rules:
            worst = static_by_rule.get(identifier, "pass")
            static_by_rule[identifier] = worst_status((worst, static_status(finding)))
    if check.rules:
        table = Table(title=f"AWS Config rules of {check.stack}", title_justify="left")
        for column in ("rule", "identifier", "static", "AWS Config", "note"):
            table.add_column(column, overflow="fold")
        for rule in check.rules:
            shown = "not tested" if rule.compliance == "NOT_TESTED" else rule.compliance
            style = STYLE.get(rule.compliance, "yellow")
            table.add_row(
                rule.name,
                rule.identifier,
                static_by_rule.get(rule.identifier, "no static check"),
                f"[{style}]{shown}[/]",
                rule.note or "",
            )
        print_table(console, table)
    for item in check.disagreements:
        console.print(
            f"[red]disagreement[/red] {item.config_rule} on {item.logical_id}: {item.message}",
            highlight=False,
            soft_wrap=True,
        )
    counts = {
        k: sum(r.compliance == k for r in check.rules)
        for k in ("COMPLIANT", "NON_COMPLIANT", "MISSING", "NOT_TESTED")
    }
    console.print(
        f"AWS Config: {len(check.rules)} rule(s): {counts['COMPLIANT']} compliant, "
        f"{counts['NON_COMPLIANT']} non-compliant, {counts['MISSING']} missing, "
        f"{counts['NOT_TESTED']} not tested; {len(check.disagreements)} disagreement(s) "
        "with the static verdicts",
        highlight=False,
        soft_wrap=True,
    )
    return bool(counts["NON_COMPLIANT"] or counts["MISSING"] or check.disagreements)
