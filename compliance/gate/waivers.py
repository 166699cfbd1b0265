"""Waivers: one YAML file, validated with pydantic, applied alike to cdk-nag and checkov findings.

A waiver names a control id (``TAP-ENC-01``) or a tool rule id, the resources it covers
(logical ids or construct paths, globs allowed), the environments, a justification, an
approver, the date it was approved and an expiry date at most :data:`MAX_WAIVER_DAYS` later.
A waiver of a critical control names its resources (no bare ``*``). Active waivers turn
failures into ``waived``; expired ones waive nothing and fail the gate. A waiver whose scope
this run did not judge (its environments, or the cdk-nag rules its control or rule id names,
were not in the run) is not applicable to this run; one whose scope was judged and that
matches no failure is stale.

A file's problems are reported together, each with its line: unknown keys and environments
named with the known ones, dates with the one format they take (``YYYY-MM-DD``).
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from fnmatch import fnmatchcase
from functools import cached_property
from pathlib import Path
from typing import Annotated, Literal

import yaml
from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationInfo,
    field_validator,
    model_validator,
)

from compliance.datafile import load_yaml
from compliance.errors import InputError, Problem, by_id
from compliance.record.findings import AppliedWaiver, CompensatingControl, Finding, WaiverState
from policies.catalog import CONTROL_ID, Catalog, Control
from policies.nag_packs import NagPacks, RuleMap, default_nag_packs

#: Tool rule ids a waiver may name besides control ids: a checkov id or a cdk-nag rule id
#: (``<pack name>-<rule>``, a rule of a pack in ``policies/nag_packs.yaml``).
TOOL_RULE_ID = r"^(CKV2?_[A-Z0-9]+_\d+|[A-Za-z0-9.]+-[A-Za-z0-9]+)$"
ALL_ENVIRONMENTS = "*"
#: The longest a risk may stay accepted: expiry at most this many days after approval.
MAX_WAIVER_DAYS = 365
_WAIVER_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")
#: A resources entry made of wildcards only names no resource.
_BARE_GLOB = re.compile(r"^[*?]+$")
WaiverStatus = Literal["active", "expired", "stale", "not-applicable"]
#: The one way a waiver's dates are written.
DATE_FORMAT = "YYYY-MM-DD"
_ISO_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def _day(value: object) -> object:
    """A date written ``YYYY-MM-DD`` (the loader keeps YAML's dates as text), or a date."""
    if isinstance(value, date) and not isinstance(value, datetime):
        return value
    if isinstance(value, str) and _ISO_DAY.match(value):
        try:
            return date.fromisoformat(value)
        except ValueError:
            raise ValueError(f"{value} is no day of the calendar ({DATE_FORMAT})") from None
    shown = "an empty value" if value is None or value == "" else value
    raise ValueError(f"expected a date as {DATE_FORMAT}, not {shown}")


#: A day of the calendar as a waiver file writes it.
Day = Annotated[date, BeforeValidator(_day)]


@dataclass(frozen=True)
class Known:
    """What a waiver file is checked against (its validation context): the catalogue, the
    cdk-nag packs, the project's environments (None: it declares no environments file)."""

    catalog: Catalog
    environments: Collection[str] | None
    packs: NagPacks = field(default_factory=default_nag_packs)
    #: The environments file the names come from, as the project names it.
    environments_file: str | None = None

    @cached_property
    def _checkov(self) -> set[str]:
        return {
            rule
            for control in self.catalog.controls
            for rule in (*control.implemented_by.checkov, *control.implemented_by.checkov_builtin)
        }

    @cached_property
    def _rules(self) -> RuleMap:
        return RuleMap(self.catalog, self.packs, self.packs.classes())

    def control_problem(self, name: str) -> str | None:
        """Why ``name`` is no control or rule this project judges by (None: it is one)."""
        if re.match(CONTROL_ID, name):
            known = any(control.id == name for control in self.catalog.controls)
            return None if known else f"unknown control {name}"
        if name.startswith("CKV"):
            known = name in self._checkov
            return None if known else f"checkov rule {name} is not run by the catalogue"
        if self.packs.rule(name) is None:
            return f"{name} is no rule of a cdk-nag pack ({', '.join(self.packs.classes())})"
        return None

    def control(self, name: str) -> Control | None:
        """The control a control id or a rule id names (None: none)."""
        if re.match(CONTROL_ID, name):
            return next((c for c in self.catalog.controls if c.id == name), None)
        return self._rules.control(name)


def _known(info: ValidationInfo) -> Known | None:
    return info.context if isinstance(info.context, Known) else None


class Waiver(BaseModel):
    """One waiver as written in the file."""

    # Stripped first: a justification of 20 spaces is no justification.
    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)

    id: str
    control: str
    resources: list[str] = Field(min_length=1)
    environments: list[str] = Field(default_factory=lambda: [ALL_ENVIRONMENTS], min_length=1)
    justification: str = Field(min_length=20)
    approver: str = Field(min_length=2)
    approved: Day
    expires: Day
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

    @field_validator("id")
    @classmethod
    def _an_id(cls, value: str) -> str:
        if not _WAIVER_ID.match(value):
            raise ValueError(
                f"{value!r} is not an id: letters, digits, '.', '_' and '-', "
                "beginning with a letter or digit"
            )
        return value

    @field_validator("control")
    @classmethod
    def _control_or_rule(cls, value: str, info: ValidationInfo) -> str:
        if not (re.match(CONTROL_ID, value) or re.match(TOOL_RULE_ID, value)):
            raise ValueError(f"{value!r} is neither a control id nor a tool rule id")
        known = _known(info)
        if known is not None and (problem := known.control_problem(value)):
            raise ValueError(problem)
        return value

    @field_validator("resources")
    @classmethod
    def _named_for_critical(cls, value: list[str], info: ValidationInfo) -> list[str]:
        known = _known(info)
        control = known.control(info.data["control"]) if known and "control" in info.data else None
        bare = [glob for glob in value if _BARE_GLOB.match(glob)]
        if control is not None and control.severity == "critical" and bare:
            raise ValueError(f"{control.id} is critical: name its resources instead of {bare[0]!r}")
        return value

    @field_validator("environments")
    @classmethod
    def _known_environments(cls, value: list[str], info: ValidationInfo) -> list[str]:
        known = _known(info)
        names = known.environments if known is not None else None
        if known is None or names is None:
            return value
        if unknown := [env for env in value if env not in (*names, ALL_ENVIRONMENTS)]:
            source = f" in {known.environments_file}" if known.environments_file else ""
            raise ValueError(
                f"unknown environment {', '.join(unknown)} (known{source}: "
                f"{', '.join(names)}; {ALL_ENVIRONMENTS} for every one)"
            )
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

    @model_validator(mode="before")
    @classmethod
    def _empty(cls, data: object) -> object:
        """An empty file waives nothing."""
        return {} if data is None else data


class _WaiverLoader(yaml.SafeLoader):
    """SafeLoader that keeps dates as text: the model reads them as ``YYYY-MM-DD`` only."""


_WaiverLoader.add_constructor(
    "tag:yaml.org,2002:timestamp",
    yaml.SafeLoader.construct_yaml_str,  # type: ignore[type-var]
)


def load_waivers(
    path: Path,
    catalog: Catalog,
    environments: Collection[str] | None = None,
    environments_file: str | None = None,
) -> list[Waiver]:
    """Read and validate a waiver file; its problems are one :class:`InputError`, a line each.

    ``environments`` are the names a waiver may scope itself to (besides ``*``), declared in
    ``environments_file`` (named in the error); None: the project declares no environments
    file, so names cannot be checked."""
    known = Known(catalog, environments, environments_file=environments_file)
    read: WaiverFile = load_yaml(
        path,
        WaiverFile,
        InputError,
        context=known,
        where=by_id({"waivers": "waiver"}),
        checks=_duplicates,
        loader=_WaiverLoader,
    )
    return list(read.waivers)


def _duplicates(raw: object) -> Iterator[Problem]:
    """A waiver id given twice, at its second place."""
    items = raw.get("waivers") if isinstance(raw, Mapping) else None
    seen: set[str] = set()
    for index, item in enumerate(items if isinstance(items, list) else []):
        name = item.get("id") if isinstance(item, Mapping) else None
        if isinstance(name, str):
            if name in seen:
                yield ("waivers", index, "id"), f"duplicate waiver id {name}"
            seen.add(name)


def rules_run(catalog: Catalog, nag: RuleMap | None) -> frozenset[str]:
    """The control ids and tool rule ids a run judges by: every checkov check the catalogue
    names (all of them run), the rules of the cdk-nag packs it ran (``nag``; None: no pack, as
    in ``scan``), and every control one of those implements."""
    ran: set[str] = set()
    for control in catalog.controls:
        if checks := (*control.implemented_by.checkov, *control.implemented_by.checkov_builtin):
            ran |= {control.id, *checks}
    if nag is not None:
        ran |= {rule.id for pack in nag.selected for rule in pack.rules}
        ran |= {control.id for control, _ in nag.mapped()}
    return frozenset(ran)


def apply_waivers(
    findings: Sequence[Finding],
    waivers: Sequence[Waiver],
    env_of_target: dict[str, str | None],
    today: date,
    ran: Collection[str] | None = None,
) -> tuple[list[Finding], list[WaiverState]]:
    """Waive the failures active waivers cover; report what became of each waiver.

    ``ran`` holds the control ids and tool rule ids the run judged by (:func:`rules_run`;
    None: every one a waiver names), what makes a waiver applicable to the run or not."""
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
    judged = list(dict.fromkeys(env_of_target.values()))  # in the run's order
    states = [_state(waiver, matched[waiver.id], today, judged, ran) for waiver in waivers]
    return result, states


def _state(
    waiver: Waiver,
    matched: int,
    today: date,
    judged: Collection[str | None],
    ran: Collection[str] | None,
) -> WaiverState:
    state: WaiverStatus = "active"
    note = None
    if waiver.expires < today:
        state = "expired"
    elif not matched:
        state, note = _unmatched(waiver, judged, ran)
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
        note=note,
    )


def _unmatched(
    waiver: Waiver, judged: Collection[str | None], ran: Collection[str] | None
) -> tuple[WaiverStatus, str]:
    """Why a waiver matched nothing: this run did not judge its scope (not applicable), or
    judged it and found no failure there (stale)."""
    names = [env for env in judged if env is not None]
    everywhere = ALL_ENVIRONMENTS in waiver.environments
    scope = names if everywhere else [env for env in waiver.environments if env in judged]
    if not judged:
        return "not-applicable", "this run judged no template"
    if not scope and not everywhere:
        return "not-applicable", (
            f"it waives in {', '.join(waiver.environments)} only, and this run judged "
            f"{', '.join(names) or 'no environment'}"
        )
    if ran is not None and waiver.control not in ran:
        if re.match(CONTROL_ID, waiver.control):
            return "not-applicable", (
                f"{waiver.control} is judged by cdk-nag rules only, and this run ran none of them"
            )
        return (
            "not-applicable",
            f"{waiver.control} is a rule of a cdk-nag pack this run did not run",
        )
    unjudged = [env for env in waiver.environments if env not in scope and not everywhere]
    where = f" in {', '.join(scope)}" if scope else ""
    rest = f" ({', '.join(unjudged)} not judged in this run)" if unjudged else ""
    return "stale", f"it matches no failure{where}{rest}"
