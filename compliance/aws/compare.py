"""Static verdicts beside AWS Config's, per Config rule and resource; every disagreement named."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from compliance.aws.config_rules import DETAILS_API, Evaluation
from compliance.record.findings import (
    RUNTIME_SOURCES,
    Comparison,
    Disagreement,
    DriftCheck,
    DriftedResource,
    Finding,
    LiveResource,
    PciDss,
    Resource,
    RuntimeEvidence,
    Status,
    worst_status,
)
from policies.catalog import Catalog


def logical_id_of(resource_id: str, physical: dict[str, str]) -> str | None:
    """The stack's logical id of a resource AWS Config names by its physical id (or ARN)."""
    for logical_id, physical_id in physical.items():
        if resource_id == physical_id or resource_id.endswith(
            ("/" + physical_id, ":" + physical_id)
        ):
            return logical_id
    return None


def config_findings(
    evaluations: Iterable[Evaluation],
    *,
    target: str,
    physical: dict[str, str],
    catalog: Catalog,
) -> list[Finding]:
    """Each decided evaluation as a finding with ``source: aws-config``."""
    findings = []
    for each in evaluations:
        controls = catalog.controls_of_config_rule(each.rule.identifier)
        control = min(controls, key=lambda c: c.id) if controls else None
        logical_id = logical_id_of(each.resource_id, physical) or each.resource_id
        verdict: Status = "pass" if each.compliance == "COMPLIANT" else "fail"
        note = f": {each.annotation}" if each.annotation else ""
        findings.append(
            Finding(
                control_id=control.id if control else None,
                title=control.title if control else f"AWS Config rule {each.rule.identifier}",
                severity=control.severity if control else "medium",
                status=verdict,
                source="aws-config",
                rule_id=each.rule.identifier,
                target=target,
                resource=Resource(logical_id=logical_id, type=each.resource_type),
                config_rules=[each.rule.identifier],
                pci_dss=PciDss.model_validate(
                    control.pci_dss.model_dump(by_alias=True) if control else {}
                ),
                message=f"AWS Config rule {each.rule.name}: {each.compliance}{note}",
                unmapped=control is None,
                runtime=RuntimeEvidence(
                    answered_by=DETAILS_API,
                    config_rule=each.rule.name,
                    compliance=each.compliance,
                    resource_id=each.resource_id,
                    recorded_at=each.recorded_at,
                ),
            )
        )
    return findings


def static_status(finding: Finding) -> Status:
    """A static finding's verdict beside AWS Config's: one the template could not decide
    counts as a failure."""
    return "fail" if finding.unknown and finding.status == "pass" else finding.status


def disagreements(findings: Iterable[Finding]) -> list[Disagreement]:
    """Where the static verdict on a resource and AWS Config's differ, both ways; the static
    verdict on a resource is the worst of its findings."""
    static: dict[tuple[str, str], list[Status]] = {}
    runtime: dict[tuple[str, str], list[Status]] = {}
    for finding in findings:
        for rule in finding.config_rules:
            key = (rule, finding.resource.logical_id)
            if finding.source == "aws-config":
                runtime.setdefault(key, []).append(finding.status)
            elif finding.source not in RUNTIME_SOURCES:
                static.setdefault(key, []).append(static_status(finding))
    found = []
    for key in sorted(set(static) & set(runtime)):
        rule, logical_id = key
        was = worst_status(static[key])
        now = "NON_COMPLIANT" if "fail" in runtime[key] else "COMPLIANT"
        if was == "pass" and now == "NON_COMPLIANT":
            found.append(
                Disagreement(
                    config_rule=rule,
                    logical_id=logical_id,
                    static=was,
                    runtime=now,
                    kind="drift",
                    message="compliant in the template, NON_COMPLIANT in the account: drift or "
                    "an out-of-band change",
                )
            )
        elif was != "pass" and now == "COMPLIANT":
            found.append(
                Disagreement(
                    config_rule=rule,
                    logical_id=logical_id,
                    static=was,
                    runtime=now,
                    kind="static-stricter",
                    message=f"the static check says {was}, AWS Config says COMPLIANT: the rule "
                    "checks less than the control, or the resource was changed out of band",
                )
            )
    return found


def comparisons(
    static: Sequence[Finding],
    runtime: Sequence[Finding],
    live: Sequence[LiveResource],
    drift: DriftCheck | None,
) -> list[Comparison]:
    """Per control and resource judged at runtime: the static verdict (worst of its findings,
    an unknown one a failure), the live one, AWS Config's and drift, side by side; where they
    disagree, what it means."""
    by_key: dict[tuple[str, str], dict[str, list[Status]]] = {}
    for finding in [*static, *runtime]:
        if finding.control_id is None:
            continue
        kind = {"aws-api": "live", "aws-config": "config"}.get(finding.source, "static")
        status = static_status(finding) if kind == "static" else finding.status
        key = (finding.control_id, finding.resource.logical_id)
        by_key.setdefault(key, {}).setdefault(kind, []).append(status)
    untested = {r.logical_id: r.note for r in live if r.state == "not-tested"}
    drifted = {d.logical_id: d for d in (drift.drifted if drift and drift.available else [])}
    found = []
    for (control, logical_id), verdicts in sorted(by_key.items()):
        if "live" not in verdicts and "config" not in verdicts and logical_id not in untested:
            continue
        was = worst_status(verdicts["static"]) if "static" in verdicts else None
        now = worst_status(verdicts["live"]) if "live" in verdicts else None
        config = worst_status(verdicts["config"]) if "config" in verdicts else None
        moved = drifted.get(logical_id)
        found.append(
            Comparison(
                control_id=control,
                logical_id=logical_id,
                static=was,
                live=now
                or (f"not tested: {untested[logical_id]}" if logical_id in untested else None),
                config=config,
                drift=moved.status if moved else None,
                disagreement=_disagreement(was, now, config, moved),
            )
        )
    return found


def _disagreement(
    static: Status | None, live: Status | None, config: Status | None, moved: DriftedResource | None
) -> str | None:
    accepted = ("pass", "waived")
    if static in accepted and live == "fail":
        return "compliant in the template, non-compliant live: an out-of-band change"
    if static == "fail" and live == "pass":
        return "non-compliant in the template, compliant live: changed out of band"
    if live is not None and config is not None and (live in accepted) != (config in accepted):
        return f"the live check says {live}, AWS Config says {config}"
    if moved is not None:
        return f"CloudFormation reports the resource {moved.status}"
    return None
