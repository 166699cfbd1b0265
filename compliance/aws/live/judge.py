"""The live body judged by the checks that judged the template, through the engine's own
judging path (:func:`compliance.judging.judge.judge`, :func:`~compliance.judging.results.
from_checkov`): findings with ``source: aws-api``, the evidence in ``live/``.

A live failure keeps the waiver of the static finding on the same control and resource only
when it fails for the same reason: a waiver accepts the failure the gate saw, no other.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Final

from compliance.aws.live.body import LiveBody, ResourceRead
from compliance.judging.judge import custom_checks, judge
from compliance.judging.results import ScannedTemplate, from_checkov
from compliance.record.findings import (
    AnswerDigest,
    Finding,
    LiveResource,
    Resource,
    RuntimeEvidence,
)
from policies import CHECKS_DIR
from policies.catalog import Catalog
from policies.cfn.template import load_template
from policies.checkbase import TapCheck
from policies.context import Context

#: The folder of the evidence folder holding the live body and each resource's answers.
LIVE_DIR = "live"
BODY_FILE = "template.json"
LIVE_API: Final = "aws-api"


def our_checks() -> list[TapCheck]:
    """The checks of ours the engine runs (every file of ``policies/checks``)."""
    return [c for c in custom_checks(CHECKS_DIR) if isinstance(c, TapCheck)]


def judged_types() -> set[str]:
    """Every resource type a check of ours judges."""
    return {kind for check in our_checks() for kind in check.supported_resources}


def judge_live(
    live: LiveBody,
    *,
    out: Path,
    target: str,
    context: Context,
    static: Sequence[Finding],
    catalog: Catalog,
) -> tuple[list[Finding], list[LiveResource]]:
    """Write the evidence (``live/template.json``, ``live/<logical id>.json``), judge the body;
    the findings and what became of each resource."""
    folder = out / LIVE_DIR
    folder.mkdir(parents=True, exist_ok=True)
    for stale in folder.glob("*.json"):
        stale.unlink()
    body_path = folder / BODY_FILE
    body_path.write_text(json.dumps(live.body, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    records = {read.logical_id: _evidence(read, folder) for read in live.resources}
    template = load_template(body_path)
    context = Context(
        context.allowed_regions,
        tuple(dict.fromkeys([*context.customer_managed_keys, *live.customer_keys])),
    )
    scanned = ScannedTemplate(target, template, f"{LIVE_DIR}/{BODY_FILE}")
    results = judge(
        template, shown=scanned.display_path, checks=our_checks(), builtins=(), context=context
    )
    waived = {(f.rule_id, f.resource.logical_id): f for f in static if f.status == "waived"}
    findings = []
    for result in results:
        owner = records.get(live.owner.get(result.logical_id, result.logical_id))
        finding = from_checkov(result, scanned, catalog)
        findings.append(_live(finding, owner, waived.get((finding.rule_id, result.logical_id))))
    findings += _gone(live.resources, target, catalog)
    return findings, list(records.values())


def _evidence(read: ResourceRead, folder: Path) -> LiveResource:
    if read.reads is None or read.not_tested or read.gone:
        return LiveResource(
            logical_id=read.logical_id,
            type=read.type,
            physical_id=read.physical_id,
            state="gone" if read.gone else "not-tested",
            note=read.gone or read.not_tested,
            apis=read.reads.apis if read.reads else [],
        )
    answers = [
        {"api": a.api, "params": a.params, "sha256": a.sha256, "answer": a.text}
        for a in read.reads.answers
    ]
    path = folder / f"{read.logical_id}.json"
    document = {"logical_id": read.logical_id, "physical_id": read.physical_id, "answers": answers}
    path.write_text(json.dumps(document, indent=2) + "\n", encoding="utf-8")
    return LiveResource(
        logical_id=read.logical_id,
        type=read.type,
        physical_id=read.physical_id,
        state="read",
        apis=read.reads.apis,
        answers=[AnswerDigest(api=a.api, sha256=a.sha256) for a in read.reads.answers],
        evidence=f"{LIVE_DIR}/{path.name}",
    )


def _live(finding: Finding, owner: LiveResource | None, static: Finding | None) -> Finding:
    evidence = RuntimeEvidence(
        answered_by=", ".join(owner.apis) if owner else "the live body",
        resource_id=owner.physical_id if owner else None,
        apis=owner.apis if owner else [],
        answers=owner.answers if owner else [],
        evidence=owner.evidence if owner else None,
    )
    update: dict[str, object] = {"source": LIVE_API, "runtime": evidence}
    if finding.status == "fail" and static is not None and static.message == finding.message:
        update |= {"status": "waived", "waiver": static.waiver}
    return finding.model_copy(update=update)


def _gone(reads: Sequence[ResourceRead], target: str, catalog: Catalog) -> list[Finding]:
    """A failure of every control judging a resource the service no longer has."""
    found = []
    for read in reads:
        if not read.gone:
            continue
        for check in our_checks():
            if read.type not in check.supported_resources:
                continue
            control = catalog.control(check.control_id)
            found.append(
                Finding(
                    control_id=control.id,
                    title=control.title,
                    severity=control.severity,
                    status="fail",
                    source=LIVE_API,
                    rule_id=check.id,
                    target=target,
                    resource=Resource(logical_id=read.logical_id, type=read.type),
                    config_rules=list(control.config_rules),
                    pci_dss=control.pci_dss,
                    message=f"{control.title}: failed ({read.gone})",
                    runtime=RuntimeEvidence(
                        answered_by=", ".join(read.reads.apis) if read.reads else ""
                    ),
                )
            )
    return found
