"""The record as SARIF 2.1.0: rules from the catalogue, results for failures and waivers.

A result points at the line of the app's code that created the resource when the record knows
it (relative to the repository root, ``%SRCROOT%``), with the template kept as a related
location; otherwise at the template. ``partialFingerprints`` carries the finding's fingerprint
so that code scanning tracks one alert across commits, and ``baselineState`` says whether a
baseline (``--baseline``) already had the failure.
"""

from __future__ import annotations

import json
from pathlib import PurePosixPath
from typing import Any
from urllib.parse import quote

from compliance.record.findings import Finding, FindingsRecord, Location, Severity
from policies.catalog import Catalog

SCHEMA_URI = (
    "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
)
LEVEL: dict[Severity, str] = {
    "critical": "error",
    "high": "error",
    "medium": "warning",
    "low": "note",
    "info": "note",
}
#: The uriBaseId of paths relative to the repository root (GitHub resolves it to the checkout).
SRCROOT = "%SRCROOT%"
FINGERPRINT_KEY = "tapFingerprint/v1"
#: GitHub code scanning ranks alerts by this property (0.0-10.0).
SECURITY_SEVERITY: dict[Severity, str] = {
    "critical": "9.5",
    "high": "8.0",
    "medium": "5.5",
    "low": "3.0",
    "info": "0.0",
}


def to_sarif(record: FindingsRecord, catalog: Catalog) -> str:
    """A SARIF log with one run; passes are left out (the JSON record lists them)."""
    reported = [f for f in record.findings if f.status != "pass"]
    rules = _rules(reported, catalog)
    index = {rule["id"]: position for position, rule in enumerate(rules)}
    log = {
        "$schema": SCHEMA_URI,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "tap-compliance",
                        "version": record.tool_versions.get("tap-compliance", "0"),
                        "informationUri": "https://www.pcisecuritystandards.org/",
                        "rules": rules,
                    }
                },
                "results": [
                    _result(f, index[_rule_id(f)], record.baseline is not None) for f in reported
                ],
                "properties": {"gate": record.summary.gate.model_dump()},
            }
        ],
    }
    return json.dumps(log, indent=2) + "\n"


def _rule_id(finding: Finding) -> str:
    return finding.control_id or finding.rule_id


def _rules(findings: list[Finding], catalog: Catalog) -> list[dict[str, Any]]:
    rules = [
        {
            "id": control.id,
            "name": control.id.replace("-", ""),
            "shortDescription": {"text": control.title},
            "fullDescription": {"text": control.rationale},
            "help": {"text": control.remediation.summary},
            "defaultConfiguration": {"level": LEVEL[control.severity]},
            "properties": {
                "security-severity": SECURITY_SEVERITY[control.severity],
                "severity": control.severity,
                "pci-dss-4.0.1": control.pci_dss.v4_0_1,
                "pci-dss-3.2.1": control.pci_dss.v3_2_1,
                "config-rules": control.config_rules,
                "tool-rules": control.implemented_by.rule_ids(),
                "tags": ["security", "compliance", "PCI-DSS"],
            },
        }
        for control in catalog.controls
    ]
    unmapped = sorted({(f.rule_id, f.title, f.severity) for f in findings if f.unmapped})
    rules += [
        {
            "id": rule_id,
            "shortDescription": {"text": title},
            "defaultConfiguration": {"level": LEVEL[severity]},
            "properties": {"security-severity": SECURITY_SEVERITY[severity], "unmapped": True},
        }
        for rule_id, title, severity in unmapped
    ]
    return rules


def _physical(where: Location) -> dict[str, Any]:
    """An absolute path as a file URI; a relative one against the repository root."""
    path = PurePosixPath(where.file)
    artifact: dict[str, Any] = (
        {"uri": path.as_uri()}
        if path.is_absolute()
        else {"uri": quote(path.as_posix()), "uriBaseId": SRCROOT}
    )
    physical: dict[str, Any] = {"artifactLocation": artifact}
    if where.start_line:
        region = {"startLine": where.start_line}
        if where.end_line:
            region["endLine"] = where.end_line
        physical["region"] = region
    return physical


def _related(finding: Finding) -> list[dict[str, Any]]:
    """Beside the app's line: the synthesized template, then the app's calls that led to the
    line, innermost first (resources one helper made differ there)."""
    source = finding.source_location
    if source is None:
        return []
    shown = [(finding.location, "the synthesized template")] if finding.location else []
    calls = len(source.called_from)
    shown += [
        (site, f"called from here (call {number} of {calls}, innermost first)")
        for number, site in enumerate(source.called_from, 1)
    ]
    return [
        {"id": number, "physicalLocation": _physical(where), "message": {"text": text}}
        for number, (where, text) in enumerate(shown, 1)
    ]


def _result(finding: Finding, rule_index: int, baseline: bool) -> dict[str, Any]:
    location: dict[str, Any] = {
        "logicalLocations": [
            {
                "name": finding.resource.logical_id,
                "fullyQualifiedName": finding.resource.construct_path
                or f"{finding.target}/{finding.resource.logical_id}",
                "kind": "resource",
            }
        ]
    }
    primary = finding.source_location or finding.location
    if primary:
        location["physicalLocation"] = _physical(primary)
    result: dict[str, Any] = {
        "ruleId": _rule_id(finding),
        "ruleIndex": rule_index,
        "level": LEVEL[finding.severity],
        "message": {"text": f"{finding.resource.logical_id}: {finding.message}"},
        "locations": [location],
        "properties": {
            "source": finding.source,
            "toolRuleId": finding.rule_id,
            "target": finding.target,
            "resourceType": finding.resource.type,
            "unknown": finding.unknown,
        },
    }
    if finding.fingerprint:
        result["partialFingerprints"] = {FINGERPRINT_KEY: finding.fingerprint}
    if related := _related(finding):
        result["relatedLocations"] = related
    if baseline and finding.status != "not-applicable":  # a baseline holds failures
        result["baselineState"] = "unchanged" if finding.existing else "new"
        result["properties"]["existing"] = finding.existing
    if finding.waiver:
        result["properties"]["waiver"] = finding.waiver.model_dump(mode="json")
    if finding.status == "not-applicable":
        # SARIF 2.1.0 3.27.9: a result that does not apply to the artifact; its level is none
        result["kind"] = "notApplicable"
        result["level"] = "none"
    if finding.status == "waived" and finding.waiver:
        result["suppressions"] = [
            {
                "kind": "external",
                "status": "accepted",
                "justification": f"{finding.waiver.id} (approved by {finding.waiver.approver}, "
                f"expires {finding.waiver.expires}): {finding.waiver.justification}",
            }
        ]
    return result
