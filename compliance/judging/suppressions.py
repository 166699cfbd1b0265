"""In-template suppressions: read, shown with the findings they name, never obeyed.

checkov skips a check on a resource whose ``Metadata`` says ``checkov: {skip: [{id, comment}]}``
(or ``bridgecrew:``); cdk-nag drops a violation its app acknowledged and, with
``write_suppressions_to_cloud_formation``, writes ``cdk_nag: {rules_to_suppress: [{id,
reason}]}``. Either would make a failure vanish from the gate with no approver and no expiry.
Here the tools are given the template without checkov's skips, the suppression is attached
to every finding of the rule (or its control) on the resource, and a cdk-nag verdict that an
acknowledgment hid is a failure: only the waiver file accepts a risk.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from compliance.record.findings import Finding, Suppression
from policies.catalog import Catalog
from policies.nag_packs import RuleMap, default_nag_packs

_CHECKOV_KEYS = ("checkov", "bridgecrew")
_NAG_KEY = "cdk_nag"
#: A cdk-nag v3 acknowledgment id: ``PACK::RULE[detail]``; v2 wrote ``RULE`` alone.
_NAG_ID = re.compile(r"^(?:[^:]+::)?(?P<rule>[^\[]+)")
NOTICE = "suppressed in the template: a suppression waives nothing, only the waiver file does"


def suppressions(body: dict[str, Any]) -> dict[str, list[Suppression]]:
    """Logical id → the in-template suppressions written on that resource."""
    found: dict[str, list[Suppression]] = {}
    resources = body.get("Resources")
    for logical_id, resource in resources.items() if isinstance(resources, dict) else ():
        metadata = resource.get("Metadata") if isinstance(resource, dict) else None
        if not isinstance(metadata, dict):
            continue
        entries = [
            Suppression(tool="checkov", rule_id=rule, comment=comment)
            for key in _CHECKOV_KEYS
            for rule, comment in _entries(metadata.get(key), "skip", "comment")
        ]
        for rule, reason in _entries(metadata.get(_NAG_KEY), "rules_to_suppress", "reason"):
            match = _NAG_ID.match(rule)
            entries.append(
                Suppression(
                    tool="cdk-nag", rule_id=match["rule"] if match else rule, comment=reason
                )
            )
        if entries:
            found[str(logical_id)] = entries
    return found


def without_checkov_skips(body: dict[str, Any]) -> dict[str, Any]:
    """``body`` without checkov's skip metadata (``body`` itself when it has none), so that
    checkov judges every resource instead of skipping it."""
    resources = body.get("Resources")
    if not isinstance(resources, dict) or not any(
        isinstance(r, dict) and isinstance(r.get("Metadata"), dict) and _has_skips(r["Metadata"])
        for r in resources.values()
    ):
        return body
    stripped = {}
    for logical_id, resource in resources.items():
        metadata = resource.get("Metadata") if isinstance(resource, dict) else None
        if isinstance(metadata, dict) and _has_skips(metadata):
            kept = {k: v for k, v in metadata.items() if k not in _CHECKOV_KEYS}
            resource = {**resource, "Metadata": kept}
        stripped[logical_id] = resource
    return {**body, "Resources": stripped}


def attach(
    findings: Sequence[Finding],
    by_target: dict[str, dict[str, list[Suppression]]],
    catalog: Catalog,
) -> list[Finding]:
    """Each finding with the suppressions that name its rule or its control on its resource;
    a cdk-nag pass (derived from the absence of a violation) that an acknowledgment may have
    caused is a failure. A cdk-nag acknowledgment names a control through its rule as
    :class:`~policies.nag_packs.RuleMap` maps the rules of every pack."""
    packs = default_nag_packs()
    rules = RuleMap(catalog, packs, packs.classes())
    result = []
    for finding in findings:
        written = by_target.get(finding.target, {}).get(finding.resource.logical_id, [])
        matching = [s for s in written if _names(s, finding, rules)]
        if not matching:
            result.append(finding)
            continue
        update: dict[str, Any] = {"suppressions": matching}
        hidden = finding.source == "cdk-nag" and any(
            s.tool == "cdk-nag" and s.rule_id == finding.rule_id for s in matching
        )
        if hidden and finding.status == "pass":
            update["status"] = "fail"
            update["message"] = (
                f"{finding.rule_id}: not judged, the app acknowledged it (cdk-nag then reports "
                f"nothing); counted as a failure [{_describe(matching)}]"
            )
        else:
            update["message"] = f"{finding.message} [{_describe(matching)}]"
        result.append(finding.model_copy(update=update))
    return result


def _names(suppression: Suppression, finding: Finding, rules: RuleMap) -> bool:
    if suppression.rule_id == finding.rule_id:
        return True
    control = rules.control(suppression.rule_id)
    return control is not None and control.id == finding.control_id


def _describe(matching: Sequence[Suppression]) -> str:
    said = "; ".join(
        f"{s.tool} {s.rule_id}" + (f": {s.comment}" if s.comment else " (no comment)")
        for s in matching
    )
    return f"{NOTICE} ({said})"


def _has_skips(metadata: dict[str, Any]) -> bool:
    return any(key in metadata for key in _CHECKOV_KEYS)


def _entries(section: Any, key: str, comment_key: str) -> list[tuple[str, str | None]]:
    """(rule id, comment) of a ``{key: [{id, comment_key}]}`` section; anything malformed is
    kept as a suppression of its text, so that it is shown rather than lost."""
    items = section.get(key) if isinstance(section, dict) else None
    entries = []
    for item in items if isinstance(items, list) else []:
        if isinstance(item, dict) and "id" in item:
            comment = item.get(comment_key)
            entries.append((str(item["id"]), str(comment) if comment is not None else None))
        elif isinstance(item, str):
            entries.append((item, None))
    return entries
