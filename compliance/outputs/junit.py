"""The record as JUnit XML: a suite per target, a testcase per control and resource."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections import defaultdict

from compliance.outputs.where import source_line
from compliance.record.findings import Finding, FindingsRecord


def to_junit(record: FindingsRecord) -> str:
    """Failures fail their testcase; a testcase whose failures are all waived, or whose
    findings are all not applicable by design, is skipped (with the reason)."""
    suites = ET.Element("testsuites", name="tap-compliance")
    grouped: dict[str, dict[tuple[str, str], list[Finding]]] = defaultdict(
        lambda: defaultdict(list)
    )
    for finding in record.findings:
        key = (finding.control_id or finding.rule_id, finding.resource.logical_id)
        grouped[finding.target][key].append(finding)
    totals = {"tests": 0, "failures": 0, "skipped": 0}
    for target, cases in grouped.items():
        suite = ET.SubElement(suites, "testsuite", name=target)
        counts = {"tests": 0, "failures": 0, "skipped": 0}
        for (control, logical_id), findings in sorted(cases.items()):
            case = ET.SubElement(
                suite, "testcase", classname=f"{target}.{control}", name=f"{control} {logical_id}"
            )
            counts["tests"] += 1
            failed = [f for f in findings if f.status == "fail"]
            waived = [f for f in findings if f.status == "waived"]
            scoped_out = {f.status for f in findings} == {"not-applicable"}
            if failed:
                counts["failures"] += 1
                failure = ET.SubElement(
                    case, "failure", message=failed[0].message, type=failed[0].severity
                )
                failure.text = "\n".join(_failure_line(f) for f in failed)
            elif waived:
                counts["skipped"] += 1
                waiver = waived[0].waiver
                reason = f"waived by {waiver.id} until {waiver.expires}" if waiver else "waived"
                ET.SubElement(case, "skipped", message=reason)
            elif scoped_out:
                counts["skipped"] += 1
                ET.SubElement(
                    case, "skipped", message=f"not applicable by design: {findings[0].message}"
                )
        for name, value in counts.items():
            suite.set(name, str(value))
            totals[name] += value
        suite.set("errors", "0")
    for name, value in totals.items():
        suites.set(name, str(value))
    suites.set("errors", "0")
    ET.indent(suites)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(suites, "unicode") + "\n"


def _failure_line(finding: Finding) -> str:
    """``[tool] rule: message``, with where the app created it and whether it is existing."""
    line = f"[{finding.source}] {finding.rule_id}: {finding.message}"
    if finding.source_location:
        line += f" (at {source_line(finding.source_location)})"
    if finding.existing:
        line += " [existing: in the baseline, not blocking]"
    return line
