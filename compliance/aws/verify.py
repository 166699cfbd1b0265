"""``tap-compliance verify``: AWS Config's verdicts on the deployed stack, into the record.

Reads the evidence folder (``findings.json``, the gated ``cdk.out``, ``deployment.json`` when
there), reads the account with CDK's lookup role (or the caller's credentials in the same
account), and writes back the record with ``aws-config`` findings, the key resolutions
(``aws-api``) and the ``runtime`` block; the reports are rendered again from it.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

from botocore.exceptions import ClientError
from rich.console import Console
from rich.table import Table

from compliance.aws.compare import config_findings, disagreements, static_status
from compliance.aws.config_rules import deployed_rules, read_compliance
from compliance.aws.errors import TRANSPORT_ERRORS, AwsFailure, describe_error
from compliance.aws.keys import external_key_findings
from compliance.aws.options import AwsOptions
from compliance.aws.session import AwsSession
from compliance.aws.target import read_target
from compliance.errors import InputError
from compliance.outputs import publish
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

STYLE = {"COMPLIANT": "green", "NON_COMPLIANT": "bold red", "NOT_TESTED": "yellow"}


def run(options: AwsOptions, *, catalog: Catalog, console: Console | None = None) -> int:
    """Verify; 1 when AWS Config finds a violation or disagrees with the static verdict."""
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
    physical = _physical_ids(reader, stack, target.stack_name, target.account, target.region)
    template = json.loads(target.template)
    rules, evaluations = read_compliance(
        reader.client("config"), deployed_rules(template, physical)
    )
    mine = [f for f in record.findings if f.target == gated.name]
    static = [f for f in mine if f.source not in RUNTIME_SOURCES]
    runtime = config_findings(
        evaluations, target=gated.name, physical=physical, catalog=catalog
    ) + external_key_findings(reader, static, physical)
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
    )
    updated = record.model_copy(update={"findings": [*kept, *runtime], "runtime": check})
    written = publish.write_all(updated, options.out, catalog)
    failed = _print(console, updated, check, runtime)
    for path in written:
        console.print(f"wrote {path}")
    return 1 if failed else 0


def _load(path: Path) -> FindingsRecord:
    from compliance.record.load import RecordError, load_record

    if not path.is_file():
        raise InputError(path, "no findings record: run `tap-compliance deploy` first")
    try:
        return load_record(path)
    except RecordError as error:
        raise InputError(str(error)) from None


def _target(record: FindingsRecord, options: AwsOptions, path: Path) -> Target:
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


def _physical_ids(
    session: AwsSession, stack: str, name: str, account: str, region: str
) -> dict[str, str]:
    physical: dict[str, str] = {}
    try:
        pages = session.client("cloudformation").get_paginator("list_stack_resources")
        for page in pages.paginate(StackName=stack):
            for resource in page["StackResourceSummaries"]:
                if resource.get("PhysicalResourceId"):
                    physical[resource["LogicalResourceId"]] = resource["PhysicalResourceId"]
    except ClientError as error:
        if "does not exist" in describe_error(error):
            raise AwsFailure(
                f"stack {name} does not exist in aws://{account}/{region}: deploy it first"
            ) from None
        raise AwsFailure(f"listing the resources of {name}: {describe_error(error)}") from None
    except TRANSPORT_ERRORS as error:
        raise AwsFailure(f"listing the resources of {name}: {describe_error(error)}") from None
    return physical


def _print(
    console: Console, record: FindingsRecord, check: RuntimeCheck, runtime: list[Finding]
) -> bool:
    """The rules table, disagreements and key resolutions; True when something failed."""
    static_by_rule: dict[str, Status] = {}
    for finding in record.findings:
        if finding.source in RUNTIME_SOURCES or finding.target != check.stack:
            continue
        for identifier in finding.config_rules:
            worst = static_by_rule.get(identifier, "pass")
            static_by_rule[identifier] = worst_status((worst, static_status(finding)))
    table = Table(title=f"AWS Config rules of {check.stack}", title_justify="left")
    for column in ("rule", "identifier", "static", "AWS Config", "note"):
        table.add_column(column)
    for rule in check.rules:
        shown = "not tested" if rule.compliance == "NOT_TESTED" else rule.compliance
        style = STYLE.get(rule.compliance, "")
        table.add_row(
            rule.name,
            rule.identifier,
            static_by_rule.get(rule.identifier, "no static check"),
            f"[{style}]{shown}[/]" if style else shown,
            rule.note or "",
        )
    console.print(table)
    for item in check.disagreements:
        console.print(
            f"[red]disagreement[/red] {item.config_rule} on {item.logical_id}: {item.message}",
            highlight=False,
        )
    for finding in runtime:
        if finding.source == "aws-api":
            console.print(f"{finding.resource.logical_id}: {finding.message}", highlight=False)
    counts = {k: sum(r.compliance == k for r in check.rules) for k in STYLE}
    console.print(
        f"verify: {len(check.rules)} Config rule(s): {counts['COMPLIANT']} compliant, "
        f"{counts['NON_COMPLIANT']} non-compliant, {counts['NOT_TESTED']} not tested; "
        f"{len(check.disagreements)} disagreement(s)"
    )
    return bool(
        counts["NON_COMPLIANT"] or check.disagreements or any(f.status == "fail" for f in runtime)
    )
