"""Tool results → :class:`Finding`, each mapped through the catalogue to its control."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from compliance.judging.judge import CheckResult
from compliance.record.findings import SEVERITIES, Finding, Location, Resource, Severity, Status
from compliance.synthesis.assembly import Stack
from compliance.synthesis.nag import NagViolation
from policies.catalog import Catalog, Control
from policies.cfn.references import Problem
from policies.cfn.template import Template
from policies.nag_packs import RuleMap, default_nag_packs

#: Severity of a tool rule no control maps (kept, flagged unmapped, never dropped).
UNMAPPED_SEVERITY: dict[str, Severity] = {"error": "medium", "warning": "low"}


@dataclass(frozen=True)
class ScannedTemplate:
    """A template the engine judged, with the target name it is reported under."""

    target: str
    template: Template
    display_path: str
    stack: Stack | None = None
    #: Template parameters given values for this run (``--parameter``).
    parameters: Mapping[str, str] = field(default_factory=dict)

    def construct_path(self, logical_id: str) -> str | None:
        """From the assembly when known, else from the template's CDK path metadata."""
        from_assembly = self.stack.construct_path_of(logical_id) if self.stack else None
        return from_assembly or self.template.construct_path(logical_id)


def _mapped(control: Control | None) -> dict[str, object]:
    if control is None:
        return {"control_id": None, "unmapped": True}
    return {
        "control_id": control.id,
        "title": control.title,
        "severity": control.severity,
        "config_rules": list(control.config_rules),
        "pci_dss": control.pci_dss,
    }


def from_checkov(result: CheckResult, scanned: ScannedTemplate, catalog: Catalog) -> Finding:
    """A checkov result as a finding; UNKNOWN fails closed with ``unknown: true``."""
    control = catalog.control_for_rule(result.check_id)
    status: Status = "pass" if result.outcome == "pass" else "fail"
    verdict = {
        "pass": "passed",
        "fail": "failed",
        "unknown": "could not be verified from the template (unresolved values); "
        "counted as a failure",
    }[result.outcome]
    message = f"{result.title}: {verdict}" + (f" ({result.reason})" if result.reason else "")
    severity = result.severity if result.severity in SEVERITIES else "medium"
    fields: dict[str, object] = {
        "title": result.title,
        "severity": severity,
        "status": status,
        "source": "checkov",
        "rule_id": result.check_id,
        "target": scanned.target,
        "resource": Resource(
            logical_id=result.logical_id,
            type=result.resource_type,
            construct_path=scanned.construct_path(result.logical_id),
        ),
        "message": message,
        "unknown": result.outcome == "unknown",
        "location": Location(
            file=scanned.display_path, start_line=result.start_line, end_line=result.end_line
        ),
    }
    return Finding.model_validate({**fields, **_mapped(control)})


def from_problem(problem: Problem, scanned: ScannedTemplate) -> Finding:
    """What CloudFormation rejects in the template, as a failure no waiver-free gate passes
    (mapped to no control: it fails at every threshold)."""
    logical_id = problem.logical_id
    span = scanned.template.span(logical_id) if logical_id else None
    return Finding(
        control_id=None,
        title="CloudFormation rejects the template",
        severity="high",
        status="fail",
        source="template",
        rule_id=f"template:{problem.kind}",
        target=scanned.target,
        resource=Resource(
            logical_id=logical_id or problem.where,
            type=(scanned.template.type_of(logical_id) if logical_id else None) or "",
            construct_path=scanned.construct_path(logical_id) if logical_id else None,
        ),
        message=f"CloudFormation rejects the template: {problem.text} "
        "(what depends on it is judged unknown)",
        unmapped=True,
        location=Location(
            file=scanned.display_path,
            start_line=span.start_line if span else None,
            end_line=span.end_line if span else None,
        ),
    )


def from_nag(
    violations: Sequence[NagViolation],
    scanned: ScannedTemplate,
    catalog: Catalog,
    rules: RuleMap | None = None,
) -> list[Finding]:
    """cdk-nag violations on this stack as failures, plus the passes derived from them.

    ``rules`` maps the rules of the packs that ran to controls (default: the default packs).
    cdk-nag reports only violations. A pass is recorded for every resource of a type a mapped
    rule of those packs judges (catalogue ``cdk_nag_rule_types``) on which it reported nothing.
    """
    rules = rules or RuleMap(catalog, default_nag_packs(), default_nag_packs().default)
    assert scanned.stack is not None
    stack = scanned.stack
    findings = []
    failed: set[tuple[str, str]] = set()
    for violation in violations:
        if not stack.owns(violation.construct_path):
            continue  # belongs to another template of the assembly (another stack, nested)
        # A construct without a logical id in the manifest keeps its path: reported, not dropped.
        logical_id = stack.logical_ids.get(violation.construct_path, violation.construct_path)
        failed.add((violation.rule_id, logical_id))
        control = rules.control(violation.rule_id)
        detail = f" ({violation.detail})" if violation.detail else ""
        findings.append(
            _nag_finding(
                scanned,
                violation.rule_id,
                logical_id,
                "fail",
                f"{violation.message}{detail}",
                control,
                UNMAPPED_SEVERITY.get(violation.level, "medium"),
            )
        )
    for control, rule_id in rules.mapped():
        types = rules.resource_types(rule_id)
        for logical_id, resource in scanned.template.resources.items():
            if resource.get("Type") in types and (rule_id, logical_id) not in failed:
                message = f"{rule_id} reported no violation on this {resource['Type']}"
                findings.append(
                    _nag_finding(scanned, rule_id, logical_id, "pass", message, control, "info")
                )
    return findings


def _nag_finding(
    scanned: ScannedTemplate,
    rule_id: str,
    logical_id: str,
    status: Status,
    message: str,
    control: Control | None,
    unmapped_severity: Severity,
) -> Finding:
    fields: dict[str, object] = {
        "title": rule_id,
        "severity": unmapped_severity,
        "status": status,
        "source": "cdk-nag",
        "rule_id": rule_id,
        "target": scanned.target,
        "resource": Resource(
            logical_id=logical_id,
            type=scanned.template.type_of(logical_id) or "",
            construct_path=scanned.construct_path(logical_id),
        ),
        "message": message,
        "location": Location(
            file=scanned.display_path, start_line=scanned.template.line_of(logical_id)
        ),
    }
    return Finding.model_validate({**fields, **_mapped(control)})
