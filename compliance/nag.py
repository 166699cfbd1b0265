"""cdk-nag's violations, read from the validation report CDK writes into the assembly."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

from compliance.errors import InputError

REPORT = "validation-report.json"
PACK = "PCI.DSS.321"
#: Granular findings carry a suffix: ``PCI.DSS.321-IAMNoInlinePolicy[Policy::x]``.
_GRANULAR = re.compile(r"^(?P<rule>[^\[]+)(\[(?P<detail>.*)\])?$")


@dataclass(frozen=True)
class NagViolation:
    """One rule violated by one construct."""

    rule_id: str
    detail: str | None
    message: str
    level: str
    construct_path: str


def read_violations(outdir: Path) -> list[NagViolation]:
    """Every violation cdk-nag's PCI DSS pack reported during synthesis.

    CDK writes the report whenever a validation plugin is attached, violations or not: a
    missing report means cdk-nag did not run, which must not read as "no violations".
    """
    path = outdir / REPORT
    if not path.exists():
        raise InputError(path, "missing: cdk-nag's validation report was not written")
    try:
        report = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as error:
        raise InputError(path, f"invalid JSON: {error.msg}", error.lineno) from None
    violations = []
    for plugin in report.get("pluginReports", []):
        if plugin.get("pluginName") != PACK:
            continue  # CDK's own validators (e.g. "CloudFormation Validate") are not cdk-nag
        for violation in plugin.get("violations", []):
            match = _GRANULAR.match(violation["ruleName"])
            assert match is not None  # the pattern accepts any rule name
            for construct in violation.get("violatingConstructs", []):
                violations.append(
                    NagViolation(
                        rule_id=match["rule"],
                        detail=match["detail"],
                        message=violation.get("description", ""),
                        level=violation.get("severity", "error"),
                        construct_path=construct["constructPath"].lstrip("/"),
                    )
                )
    return violations
