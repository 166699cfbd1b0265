"""Waivers: one YAML file, validated with pydantic, applied alike to cdk-nag and checkov findings.

A waiver names a control id (``TAP-ENC-01``) or a tool rule id, the resources it covers
(logical ids or construct paths, globs allowed), the environments, a justification, an
approver, the date it was approved and an expiry date at most :data:`MAX_WAIVER_DAYS` later.
A waiver of a critical control names its resources (no bare ``*``). Active waivers turn
failures into ``waived``; expired ones waive nothing and fail the gate; a waiver that matches
no failure is reported as stale.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import date, timedelta
from fnmatch import fnmatchcase
from pathlib import Path
from typing import Literal

import yaml
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from compliance.errors import InputError, describe, read_text
from compliance.record.findings import AppliedWaiver, CompensatingControl, Finding, WaiverState
from policies.catalog import CONTROL_ID, Catalog
from policies.nag_packs import RuleMap, default_nag_packs

#: Tool rule ids a waiver may name besides control ids: a checkov id or a cdk-nag rule id
#: (``<pack name>-<rule>``, a rule of a pack in ``policies/nag_packs.yaml``).
TOOL_RULE_ID = r"^(CKV2?_[A-Z0-9]+_\d+|[A-Za-z0-9.]+-[A-Za-z0-9]+)$"
ALL_ENVIRONMENTS = "*"
#: The longest a risk may stay accepted: expiry at most this many days after approval.
MAX_WAIVER_DAYS = 365
#: A resources entry made of wildcards only names no resource.
_BARE_GLOB = re.compile(r"^[*?]+$")
WaiverStatus = Literal["active", "expired", "stale"]


class Waiver(BaseModel):
    """One waiver as written in the file."""

    # Stripped first: a justification of 20 spaces is no justification.
    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)

    id: str = Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]*$")
    control: str
    resources: list[str] = Field(min_length=1)
    environments: list[str] = Field(default_factory=lambda: [ALL_ENVIRONMENTS], min_length=1)
    justification: str = Field(min_length=20)
    approver: str = Field(min_length=2)
    approved: date
    expires: date
    compensating_control: CompensatingControl | None = None

    @model_validator(mode="after")
    def _within_a_year(self) -> Waiver:
        if self.expires < self.approved:
            raise ValueError(f"expires {self.expires} is before approved {self.approved}")
        if self.expires > self.approved + timedelta(days=MAX_WAIVER_DAYS):
            raise ValueError(
                f"expires {self.expires} is more than {MAX_WAIVER_DAYS} days after "
                f"approved {self.approved}"
            )
        return self

    @field_validator("control")
    @classmethod
    def _control_or_rule(cls, value: str) -> str:
        if not (re.match(CONTROL_ID, value) or re.match(TOOL_RULE_ID, value)):
            raise ValueError(f"{value!r} is neither a control id nor a tool rule id")
        return value

    def covers(self, finding: Finding, env: str | None) -> bool:
        """Whether this waiver names the finding's control or rule, resource and environment."""
        if self.control not in (finding.control_id, finding.rule_id):
            return False
        if ALL_ENVIRONMENTS not in self.environments and env not in self.environments:
            return False
        names = [finding.resource.logical_id, finding.resource.construct_path or ""]
        return any(fnmatchcase(name, glob) for glob in self.resources for name in names if name)


class WaiverFile(BaseModel):
    """The whole file: ``waivers: [...]``."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    waivers: list[Waiver] = Field(default_factory=list)


class _WaiverLoader(yaml.SafeLoader):
    """SafeLoader that keeps dates as text: pydantic then reports a bad one with its line."""


_WaiverLoader.add_constructor(
    "tag:yaml.org,2002:timestamp",
    yaml.SafeLoader.construct_yaml_str,  # type: ignore[type-var]
)


def load_waivers(path: Path, catalog: Catalog) -> list[Waiver]:
    """Read and validate a waiver file; every problem is a one-line :class:`InputError`."""
    text = read_text(path)
    try:
        raw = yaml.load(text, Loader=_WaiverLoader)
    except yaml.MarkedYAMLError as error:
        line = error.problem_mark.line + 1 if error.problem_mark else None
        raise InputError(path, f"invalid YAML: {error.problem}", line) from None
    except yaml.YAMLError as error:
        raise InputError(path, f"invalid YAML: {error}") from None
    items = _items(text)
    try:
        parsed = WaiverFile.model_validate(raw or {})
    except ValidationError as error:
        raise InputError(path, describe(error), _line_of(items, error)) from None
    catalog_ids = {control.id for control in catalog.controls}
    checkov_ids = {
        rule
        for control in catalog.controls
        for rule in (*control.implemented_by.checkov, *control.implemented_by.checkov_builtin)
    }
    packs = default_nag_packs()
    rules = RuleMap(catalog, packs, packs.classes())
    seen: set[str] = set()
    for index, waiver in enumerate(parsed.waivers):
        line = items[index].start_mark.line + 1 if index < len(items) else None
        if waiver.id in seen:
            raise InputError(path, f"duplicate waiver id {waiver.id}", line)
        seen.add(waiver.id)
        if re.match(CONTROL_ID, waiver.control) and waiver.control not in catalog_ids:
            raise InputError(path, f"waiver {waiver.id}: unknown control {waiver.control}", line)
        if waiver.control.startswith("CKV") and waiver.control not in checkov_ids:
            raise InputError(
                path,
                f"waiver {waiver.id}: checkov rule {waiver.control} is not run by the catalogue",
                line,
            )
        if _is_nag_rule(waiver.control) and packs.rule(waiver.control) is None:
            raise InputError(
                path,
                f"waiver {waiver.id}: {waiver.control} is no rule of a cdk-nag pack "
                f"({', '.join(packs.classes())})",
                line,
            )
        control = rules.control(waiver.control) or (
            catalog.control(waiver.control) if waiver.control in catalog_ids else None
        )
        bare = [glob for glob in waiver.resources if _BARE_GLOB.match(glob)]
        if control is not None and control.severity == "critical" and bare:
            raise InputError(
                path,
                f"waiver {waiver.id}: {control.id} is critical: name its resources "
                f"instead of {bare[0]!r}",
                line,
            )
    return parsed.waivers


def _is_nag_rule(rule_id: str) -> bool:
    return not rule_id.startswith("CKV") and not re.match(CONTROL_ID, rule_id)


def apply_waivers(
    findings: Sequence[Finding],
    waivers: Sequence[Waiver],
    env_of_target: dict[str, str | None],
    today: date,
) -> tuple[list[Finding], list[WaiverState]]:
    """Waive the failures active waivers cover; report what became of each waiver."""
    matched = dict.fromkeys((waiver.id for waiver in waivers), 0)
    result = []
    for finding in findings:
        waiver = None
        if finding.status == "fail":
            env = env_of_target.get(finding.target)
            covering = [w for w in waivers if w.covers(finding, env)]
            # An active waiver wins over an expired one; otherwise the first in the file.
            waiver = min(covering, key=lambda w: w.expires < today, default=None)
        if waiver is None:
            result.append(finding)
            continue
        matched[waiver.id] += 1
        expired = waiver.expires < today
        applied = AppliedWaiver(
            id=waiver.id,
            justification=waiver.justification,
            approver=waiver.approver,
            approved=waiver.approved,
            expires=waiver.expires,
            expired=expired,
            compensating_control=waiver.compensating_control,
        )
        if expired:
            message = f"{finding.message} [waiver {waiver.id} expired on {waiver.expires}]"
            result.append(finding.model_copy(update={"waiver": applied, "message": message}))
        else:
            result.append(finding.model_copy(update={"waiver": applied, "status": "waived"}))
    states = [_state(waiver, matched[waiver.id], today) for waiver in waivers]
    return result, states


def _state(waiver: Waiver, matched: int, today: date) -> WaiverState:
    state: WaiverStatus = "expired" if waiver.expires < today else "active" if matched else "stale"
    return WaiverState(
        id=waiver.id,
        control=waiver.control,
        resources=waiver.resources,
        environments=waiver.environments,
        justification=waiver.justification,
        approver=waiver.approver,
        approved=waiver.approved,
        expires=waiver.expires,
        state=state,
        matched=matched,
        compensating_control=waiver.compensating_control,
    )


def _items(text: str) -> list[yaml.Node]:
    """The YAML nodes of the ``waivers`` list, for line numbers."""
    root = yaml.compose(text, Loader=_WaiverLoader)
    if not isinstance(root, yaml.MappingNode):
        return []
    for key, value in root.value:
        if key.value == "waivers" and isinstance(value, yaml.SequenceNode):
            return list(value.value)
    return []


def _line_of(items: list[yaml.Node], error: ValidationError) -> int | None:
    """The line of the field (or else the waiver) the first error is about."""
    location = error.errors()[0]["loc"]
    if len(location) < 2 or location[0] != "waivers" or not isinstance(location[1], int):
        return None
    if location[1] >= len(items):
        return None
    item = items[location[1]]
    if len(location) > 2 and isinstance(item, yaml.MappingNode):
        for key, _ in item.value:
            if key.value == location[2]:
                return int(key.start_mark.line) + 1
    return int(item.start_mark.line) + 1
