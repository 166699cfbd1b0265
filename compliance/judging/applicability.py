"""A control's applicability from data: findings of a control the catalogue scopes out of a
target's environment are not applicable by design (never a pass, never a failure)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from compliance.environments import EnvInfo
from compliance.record.findings import Finding
from policies.catalog import Catalog


def by_design(
    findings: Sequence[Finding], catalog: Catalog, environments: Mapping[str, EnvInfo | None]
) -> list[Finding]:
    """The findings, those of a control whose ``applicability`` the target's environment
    does not meet marked ``not-applicable`` with the reason (the tool's own verdict kept in
    the message as evidence). A target with no environment is in every control's scope."""
    result = []
    for finding in findings:
        env = environments.get(finding.target)
        control = catalog.control(finding.control_id) if finding.control_id else None
        scope = control.applicability if control else None
        missing = scope.excludes(env.attributes) if scope and env else []
        if not missing or scope is None or env is None:
            result.append(finding)
            continue
        message = (
            f"not applicable by design in environment {env.name} ({', '.join(missing)}): "
            f"{' '.join(scope.reason.split())} [the tool's verdict, not counted: "
            f"{finding.message}]"
        )
        result.append(
            finding.model_copy(
                update={"status": "not-applicable", "unknown": False, "message": message}
            )
        )
    return result
