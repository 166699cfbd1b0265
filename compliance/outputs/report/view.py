"""The audit report's view model: everything the templates lay out, computed from the record.

Templates only iterate and print; grouping (by AWS Config rule, by PCI DSS requirement, by
control for the failures, identical findings of several environments in one row), ROC
statuses (:mod:`compliance.outputs.roc`), evidence ids, waivers needing attention, what each
verify read live and whether the verdicts were reused are decided here.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Literal

from compliance.outputs.report.chart import Chart, severity_chart
from compliance.outputs.report.coverage import CoverageView, coverage_view
from compliance.outputs.report.data import PCI_VERSIONS, PciVersion, ReferenceData, RocRule
from compliance.outputs.roc import ROC_STATUSES, RocStatus, roc_status
from compliance.outputs.waiver_lines import EXPIRING_DAYS
from compliance.record.deployment import DeploymentRecord
from compliance.record.findings import (
    RUNTIME_SOURCES,
    SEVERITIES,
    STATUSES,
    AppliedWaiver,
    ControlVerdict,
    Disagreement,
    Finding,
    FindingsRecord,
    Gate,
    GitState,
    MissingLookup,
    ReusedJudgement,
    Run,
    RuntimeCheck,
    RuntimeRule,
    Severity,
    SourceLocation,
    Status,
    Target,
    WaiverState,
    effective_status,
    severity_rank,
    worst_status,
)
from policies.catalog import Catalog, Control, Remediation

#: Tool versions the cover always names, in this order (others follow, sorted).
NAMED_TOOLS = ("aws-cdk-lib", "cdk-nag", "checkov", "tap-compliance")


@dataclass(frozen=True)
class Evidence:
    """A finding with its evidence id and the status the report counts it with."""

    id: str
    finding: Finding
    status: Status

    @property
    def anchor(self) -> str:
        """The HTML anchor of this evidence row."""
        return self.id


@dataclass(frozen=True)
class Cover:
    """Scope, timestamp, commit, template hashes, tool versions, gate."""

    generated_at: str
    git_commit: str | None
    targets: list[Target]
    environments: list[str]
    stacks: list[str]
    accounts: list[str]
    regions: list[str]
    tool_versions: list[tuple[str, str]]
    gate: Gate
    #: What ``tap-compliance deploy`` did with the gated template, detailed when it ran once.
    deployment: DeploymentRecord | None = None
    #: When and where ``tap-compliance verify`` read AWS Config, detailed when it ran once.
    runtime: RuntimeCheck | None = None
    #: A merged record: the runs it merges (commit, environments, time, file, own gate).
    runs: list[RunRow] = field(default_factory=list)
    #: "N paths (a, b, …)" when the checkout had uncommitted changes; else None.
    uncommitted: str | None = None
    #: What each ``verify`` of the record read live, in run order; empty when none ran.
    live: list[LiveScope] = field(default_factory=list)
    #: The environments of this report that no ``verify`` read anything of.
    not_verified: list[str] = field(default_factory=list)
    #: Every deployment of the record, in run order.
    deployments: list[DeploymentRecord] = field(default_factory=list)
    #: Set when the verdicts were reused from an earlier, hash-equal judgement.
    reused: Reuse | None = None

    @property
    def verified(self) -> list[LiveScope]:
        """The verify runs that read something live."""
        return [scope for scope in self.live if scope.read_anything]


@dataclass(frozen=True)
class LiveScope:
    """What one runtime block shows was verified on a deployed stack.

    The cover says "verified live" only for what these counts show: resources whose
    configuration was read and judged, AWS Config rules that gave a verdict, drift detection
    that ran.
    """

    env: str
    stack: str
    #: Set when verify talked to an endpoint URL other than AWS's own (e.g. a local emulator).
    endpoint_url: str | None
    resources_read: int
    resources: int
    rules_answered: int
    rules: int
    drift_checked: bool
    #: CloudFormation's stack drift status when drift detection ran (``IN_SYNC``, ``DRIFTED``).
    drift_status: str | None = None
    #: A merged record: the run whose verify this was.
    run: str | None = None

    @property
    def read_anything(self) -> bool:
        """Whether any configuration, AWS Config verdict or drift was read live."""
        return bool(self.resources_read or self.rules_answered or self.drift_checked)


@dataclass(frozen=True)
class Reuse:
    """Verdicts carried over from a judgement whose every input hashed alike (the record's
    ``reused_judgement``): when they were judged, when reused, under which key."""

    judged_at: str
    reused_at: str
    key: str


@dataclass(frozen=True)
class RunRow:
    """One run of a merged record as the runs table shows it."""

    run: Run
    #: What its verify read live, when it ran verify.
    live: LiveScope | None
    #: Set when its verdicts were reused.
    reused: Reuse | None


@dataclass(frozen=True)
class SeverityRow:
    """Counts of one severity, per status."""

    severity: str
    counts: dict[Status, int]
    total: int


@dataclass(frozen=True)
class SummaryView:
    """Counts by status and severity, and the chart."""

    by_status: dict[Status, int]
    total: int
    by_severity: list[SeverityRow]
    unmapped: int
    unknown: int
    chart: Chart
    not_in_place: dict[PciVersion, int]


@dataclass(frozen=True)
class ResourceRow:
    """One resource a Config rule applies to, with its worst status and evidence; a resource
    of the same logical id and status in several targets (environments) is one row."""

    targets: list[str]
    logical_id: str
    type: str
    construct_path: str | None
    status: Status
    evidence: list[str]


@dataclass(frozen=True)
class ControlRef:
    """A control named in a section."""

    id: str
    title: str


@dataclass(frozen=True)
class ConfigRuleSection:
    """One AWS Config rule: what it checks and the static evidence for it."""

    identifier: str
    description: str | None
    deployed_by: list[str]
    controls: list[ControlRef]
    static_checks: list[str]
    resources: list[ResourceRow]
    pci: dict[PciVersion, list[str]]
    status: Status | None
    #: After ``verify``: AWS Config's verdict per deployed rule of this identifier.
    runtime_rules: list[RuntimeRule] = field(default_factory=list)
    #: After ``verify``: the resources AWS Config evaluated (aws-config findings).
    runtime_resources: list[ResourceRow] = field(default_factory=list)
    disagreements: list[Disagreement] = field(default_factory=list)

    @property
    def anchor(self) -> str:
        """The HTML anchor of this section."""
        return f"rule-{self.identifier}"


@dataclass(frozen=True)
class RequirementRow:
    """One PCI DSS requirement in scope with its ROC status."""

    id: str
    title: str | None
    title_from: str | None
    status: RocStatus
    controls: list[str]
    failing: list[str]
    waived: list[str]
    passing: list[str]
    #: The waivers that make it "In Place with compensating controls" (text in the Waivers part).
    compensating: list[AppliedWaiver]
    #: Findings of controls the catalogue scopes out of their environment by design.
    not_applicable: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class RequirementGroup:
    """The rows of one principal requirement (1-12)."""

    id: str
    title: str | None
    rows: list[RequirementRow]


@dataclass(frozen=True)
class RequirementView:
    """The ROC view of one PCI DSS version."""

    version: PciVersion
    groups: list[RequirementGroup]
    counts: dict[RocStatus, int]

    @property
    def anchor(self) -> str:
        """The HTML anchor of this view."""
        return "pci-v" + self.version.replace(".", "-")

    @property
    def not_in_place(self) -> list[str]:
        """Ids of the requirements Not in Place, in requirement order."""
        return [r.id for g in self.groups for r in g.rows if r.status == "Not in Place"]


@dataclass(frozen=True)
class WaiverRow:
    """A waiver of the waiver file, flagged when expired, expiring soon or stale."""

    waiver: WaiverState
    days_left: int
    flag: Literal["expired", "expiring", "stale"] | None
    evidence: list[str]

    @property
    def anchor(self) -> str:
        """The HTML anchor of this waiver's full text in the Waivers part."""
        return waiver_anchor(self.waiver.id)


def waiver_anchor(waiver_id: str) -> str:
    """The HTML anchor of a waiver's full text: its id, any character but ``[A-Za-z0-9._-]``
    (none in a waiver file's ids) as ``-``."""
    return "waiver-" + re.sub(r"[^A-Za-z0-9._-]", "-", waiver_id)


@dataclass(frozen=True)
class FindingGroup:
    """Findings identical but for their target: one row, each finding keeping its evidence id.

    Identical means the same control, rule, status, severity, resource (logical id, type,
    construct path below its stack), app source line, waiver and message, word for word.
    """

    items: list[Evidence]
    #: The target (environment) of each item, as the report names it.
    labels: list[str]
    #: The construct path below the stack, the same in every target of the group.
    construct_path: str | None

    @property
    def finding(self) -> Finding:
        """The first finding: every field shown but the target is the same in all."""
        return self.items[0].finding

    @property
    def status(self) -> Status:
        """The status the report counts them with."""
        return self.items[0].status

    @property
    def ids(self) -> list[str]:
        """The evidence ids of the group."""
        return [item.id for item in self.items]


@dataclass(frozen=True)
class AppendixResource:
    """The appendix's rows of one resource under one control: named once, then its rules."""

    groups: list[FindingGroup]

    @property
    def finding(self) -> Finding:
        """The first finding: resource, construct path and app source line are the same in all."""
        return self.groups[0].finding

    @property
    def construct_path(self) -> str | None:
        """The construct path below the stack."""
        return self.groups[0].construct_path


@dataclass(frozen=True)
class AppendixPart:
    """The findings appendix's rows of one control (or of one unmapped rule's title)."""

    control_id: str | None
    title: str
    resources: list[AppendixResource]


@dataclass(frozen=True)
class FailureGroup:
    """The unwaived failures of one control (or one unmapped tool rule), with its fix."""

    control_id: str | None
    title: str
    severity: Severity
    rule: str
    remediation: Remediation | None
    rows: list[FindingGroup]

    @property
    def anchor(self) -> str:
        """The HTML anchor of this group in the Failures part."""
        return "fail-" + (self.control_id or self.rule.replace(" ", "-"))


@dataclass(frozen=True)
class ReportView:
    """Everything both templates render."""

    cover: Cover
    summary: SummaryView
    config_rules: list[ConfigRuleSection]
    requirements: list[RequirementView]
    waivers: list[WaiverRow]
    evidence: list[Evidence]
    roc_rules: list[RocRule]
    expiry_warning_days: int = EXPIRING_DAYS
    failing: list[Evidence] = field(default_factory=list)
    waived: list[Evidence] = field(default_factory=list)
    #: Resources where the rules of one control disagree; the control's verdict is the worst.
    disagreements: list[ControlVerdict] = field(default_factory=list)
    #: Every finding, identical ones of several targets (environments) in one row.
    groups: list[FindingGroup] = field(default_factory=list)
    #: The same groups under their control, in evidence order, for the appendix.
    appendix: list[AppendixPart] = field(default_factory=list)
    #: The unwaived failures per control, worst severity first, each with its remediation.
    failures: list[FailureGroup] = field(default_factory=list)
    #: Waivers expired, expiring within ``expiry_warning_days`` or stale (matched nothing).
    attention: list[WaiverRow] = field(default_factory=list)
    #: Templates the run could not judge (status ``error``): each fails the gate.
    unjudged: list[Target] = field(default_factory=list)
    #: Context lookups CDK could not answer: the assembly holds placeholders, the gate fails.
    missing_lookups: list[MissingLookup] = field(default_factory=list)
    #: The PCI DSS v4.0.1 requirement tree for the assessor (``coverage.html.j2``).
    coverage: CoverageView | None = None


def _utc(moment: datetime) -> datetime:
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def _evidence(findings: Iterable[Finding], targets: list[Target]) -> list[Evidence]:
    """Number findings E-0001... in a stable order (control, resource, rule, status, message,
    then target in the record's order), so one finding's ids in several targets follow each
    other."""
    order = {target.name: n for n, target in enumerate(targets)}

    def key(finding: Finding) -> tuple[str | int, ...]:
        return (
            finding.control_id or "~",
            finding.resource.logical_id,
            finding.source,
            finding.rule_id,
            finding.status,
            finding.message,
            finding.run or "",
            order.get(finding.target, len(order)),
            finding.target,
        )

    ordered = sorted(findings, key=key)
    return [
        Evidence(id=f"E-{n:04d}", finding=f, status=effective_status(f))
        for n, f in enumerate(ordered, 1)
    ]


def _pci_key(requirement: str) -> tuple[int, ...]:
    return tuple(int(p) if p.isdigit() else 0 for p in requirement.split("."))


def _cover(record: FindingsRecord) -> Cover:
    def unique(values: Iterable[str | None]) -> list[str]:
        return sorted({v for v in values if v})

    versions = dict(record.tool_versions)
    commit = record.git_commit
    if record.runs:  # what the runs differ in, each run's value once
        for tool in {tool for run in record.runs for tool in run.tool_versions}:
            versions[tool] = ", ".join(unique(run.tool_versions.get(tool) for run in record.runs))
        commit = ", ".join(unique(run.git_commit for run in record.runs)) or None
    named = [(tool, versions.pop(tool, "not recorded")) for tool in NAMED_TOOLS]
    live = _live(record)
    deployments = _deployments(record)
    return Cover(
        generated_at=_when(record.generated_at),
        git_commit=commit,
        targets=sorted(record.targets, key=lambda t: t.name),
        environments=unique(t.env for t in record.targets),
        stacks=unique(t.stack for t in record.targets),
        accounts=unique(t.account for t in record.targets),
        regions=unique(t.region for t in record.targets),
        tool_versions=named + sorted(versions.items()),
        gate=record.summary.gate,
        deployment=deployments[0] if len(deployments) == 1 else None,
        runtime=_runtime(record),
        runs=[
            RunRow(
                run=run,
                live=next((scope for scope in live if scope.run == run.id), None),
                reused=_reuse(run.reused_judgement, run.generated_at),
            )
            for run in record.runs
        ],
        uncommitted=_uncommitted(record.git),
        live=live,
        not_verified=_not_verified(record, live),
        deployments=deployments,
        reused=_reuse(record.reused_judgement, record.generated_at),
    )


def _when(moment: datetime) -> str:
    """A time as the cover states it, in UTC."""
    return _utc(moment).strftime("%Y-%m-%d %H:%M:%S UTC")


def _reuse(reused: ReusedJudgement | None, reused_at: datetime) -> Reuse | None:
    """The reuse the record (or run) of time ``reused_at`` states, if any."""
    if reused is None:
        return None
    return Reuse(_when(reused.first_judged_at), _when(reused_at), reused.key)


def _live(record: FindingsRecord) -> list[LiveScope]:
    """What each runtime block shows was verified live: the record's, or each run's."""
    return [
        LiveScope(
            env=check.env,
            stack=check.stack,
            endpoint_url=check.endpoint_url,
            resources_read=sum(1 for r in check.live if r.state == "read"),
            resources=len(check.live),
            rules_answered=sum(
                1 for r in check.rules if r.compliance not in ("NOT_TESTED", "MISSING")
            ),
            rules=len(check.rules),
            drift_checked=bool(check.drift and check.drift.available),
            drift_status=check.drift.status if check.drift and check.drift.available else None,
            run=run,
        )
        for run, check in _runtimes(record)
    ]


def _not_verified(record: FindingsRecord, live: list[LiveScope]) -> list[str]:
    """The environments of ``record`` whose targets no verify read anything of: a target is
    verified by a verify of its own run and environment. In a merged record an environment
    of several runs is named with its run."""
    read = {(scope.run, scope.env) for scope in live if scope.read_anything}
    runs_of: dict[str, set[str | None]] = defaultdict(set)
    for target in record.targets:
        if target.env:
            runs_of[target.env].add(target.run)
    names: set[str] = set()
    for target in record.targets:
        if target.env and (target.run, target.env) not in read:
            alone = len(runs_of[target.env]) == 1
            names.add(target.env if alone else f"{target.env} ({target.run})")
    return sorted(names)


def _deployments(record: FindingsRecord) -> list[DeploymentRecord]:
    """Every deployment of the record: its own, or each run's (the runs table names each)."""
    own = [record.deployment] if record.deployment else []
    return own + [run.deployment for run in record.runs if run.deployment]


def _runtimes(record: FindingsRecord) -> list[tuple[str | None, RuntimeCheck]]:
    """Every runtime check of the record with its run: its own (no run), or each run's."""
    own: list[tuple[str | None, RuntimeCheck]] = [(None, record.runtime)] if record.runtime else []
    return own + [(run.id, run.runtime) for run in record.runs if run.runtime]


def _runtime(record: FindingsRecord) -> RuntimeCheck | None:
    """The runtime check the report details: the record's only one (of several, the cover
    states what each read live and the runs table names each)."""
    checks = _runtimes(record)
    return checks[0][1] if len(checks) == 1 else None


#: How many uncommitted paths the cover names.
COVER_PATHS = 10


def _uncommitted(git: GitState | None) -> str | None:
    """The cover's "N paths (a, b, …)" of a checkout with uncommitted changes."""
    if git is None or not git.dirty:
        return None
    shown = git.paths[:COVER_PATHS]
    more = git.changed - len(shown)
    listed = ", ".join(shown) + (f" and {more} more" if more else "")
    return f"{git.changed} path{'s' if git.changed != 1 else ''} ({listed})"


def _summary(record: FindingsRecord, requirements: list[RequirementView]) -> SummaryView:
    by_status = {s: record.summary.by_status.get(s, 0) for s in STATUSES}
    rows = []
    for severity in SEVERITIES:
        counts = record.summary.by_severity.get(severity, {})
        per_status = {s: counts.get(s, 0) for s in STATUSES}
        rows.append(SeverityRow(severity, per_status, sum(per_status.values())))
    return SummaryView(
        by_status=by_status,
        total=sum(by_status.values()),
        by_severity=rows,
        unmapped=record.summary.unmapped,
        unknown=record.summary.unknown,
        chart=severity_chart([(r.severity, r.counts) for r in rows]),
        not_in_place={v.version: v.counts["Not in Place"] for v in requirements},
    )


def _config_rules(
    record: FindingsRecord,
    evidence: list[Evidence],
    catalog: Catalog,
    data: ReferenceData,
    labels: TargetLabels,
) -> list[ConfigRuleSection]:
    deployed: dict[str, list[str]] = defaultdict(list)
    for target in record.targets:
        for rule in target.config_rules:
            deployed[rule].append(target.name)
    by_rule: dict[str, list[Evidence]] = defaultdict(list)
    at_runtime: dict[str, list[Evidence]] = defaultdict(list)
    for item in evidence:
        for rule in item.finding.config_rules:
            runtime = item.finding.source in RUNTIME_SOURCES
            (at_runtime if runtime else by_rule)[rule].append(item)
    check = _runtime(record)

    sections = []
    # The rules the checked templates deploy first: they keep watching after deployment.
    every_rule = set(deployed) | set(by_rule) | set(catalog.config_rules()) | set(at_runtime)
    for rule in sorted(every_rule, key=lambda rule: (rule not in deployed, rule)):
        items = by_rule.get(rule, [])
        mapped = catalog.controls_of_config_rule(rule)
        controls = {c.id: c.title for c in mapped}
        checks = {f"{c.id}: {r}" for c in mapped for r in _tool_rules(c)}
        pci: dict[PciVersion, set[str]] = {v: set() for v in PCI_VERSIONS}
        for control in mapped:
            pci["4.0.1"].update(control.pci_dss.v4_0_1)
            pci["3.2.1"].update(control.pci_dss.v3_2_1)
        for item in items:
            f = item.finding
            if f.control_id:
                controls.setdefault(f.control_id, f.title)
            checks.add(f"{f.control_id or 'unmapped'}: {f.source} {f.rule_id}")
            pci["4.0.1"].update(f.pci_dss.v4_0_1)
            pci["3.2.1"].update(f.pci_dss.v3_2_1)
        resources = _resources(items, labels)
        sections.append(
            ConfigRuleSection(
                identifier=rule,
                description=data.config_rule_description(rule),
                deployed_by=sorted(deployed.get(rule, [])),
                controls=[ControlRef(i, t) for i, t in sorted(controls.items())],
                static_checks=sorted(checks),
                resources=resources,
                pci={v: sorted(ids, key=_pci_key) for v, ids in pci.items()},
                status=worst_status(r.status for r in resources) if resources else None,
                runtime_rules=[r for r in check.rules if r.identifier == rule] if check else [],
                runtime_resources=_resources(at_runtime.get(rule, []), labels),
                disagreements=[d for d in check.disagreements if d.config_rule == rule]
                if check
                else [],
            )
        )
    return sections


def _tool_rules(control: Control) -> list[str]:
    impl = control.implemented_by
    return [f"checkov {r}" for r in [*impl.checkov, *impl.checkov_builtin]] + [
        f"cdk-nag {r}" for r in impl.cdk_nag
    ]


def _resources(items: list[Evidence], labels: TargetLabels) -> list[ResourceRow]:
    """One row per resource and target, then the rows of one resource (same logical id, type,
    construct path below the stack and status) in several targets merged."""
    grouped: dict[tuple[str, str, str], list[Evidence]] = defaultdict(list)
    for item in items:
        res = item.finding.resource
        grouped[(item.finding.target, res.logical_id, res.type)].append(item)
    merged: dict[tuple[str, str, str | None, Status], tuple[list[str], list[str]]] = {}
    for (target, logical_id, rtype), group in sorted(
        grouped.items(), key=lambda kv: (kv[0][1], kv[0][2], labels.order(kv[0][0]))
    ):
        paths = sorted({labels.below_stack(g.finding) or "" for g in group} - {""})
        status = worst_status(g.status for g in group)
        key = (logical_id, rtype, paths[0] if paths else None, status)
        names, ids = merged.setdefault(key, ([], []))
        names.append(labels.label(target))
        ids.extend(g.id for g in group)
    return [
        ResourceRow(
            targets=names,
            logical_id=logical_id,
            type=rtype,
            construct_path=path,
            status=status,
            evidence=sorted(ids),
        )
        for (logical_id, rtype, path, status), (names, ids) in merged.items()
    ]


@dataclass(frozen=True)
class TargetLabels:
    """How the report names a target in a row: its environment when no other target shares
    it, else its name; and a construct path without the stack's own name."""

    targets: list[Target]

    def label(self, name: str) -> str:
        """The environment of target ``name`` if it is the only target there, else its name."""
        target = next((t for t in self.targets if t.name == name), None)
        if target is None or not target.env:
            return name
        alone = sum(1 for t in self.targets if t.env == target.env) == 1
        return target.env if alone else name

    def order(self, name: str) -> int:
        """The target's place in the record (dev, staging, prod as the run listed them)."""
        names = [t.name for t in self.targets]
        return names.index(name) if name in names else len(names)

    def below_stack(self, finding: Finding) -> str | None:
        """The construct path without its leading stack name, the same in every environment."""
        path = finding.resource.construct_path
        target = next((t for t in self.targets if t.name == finding.target), None)
        stack = target.stack if target and target.stack else finding.target
        if path and path.startswith(stack + "/"):
            return path[len(stack) + 1 :]
        return path


def _groups(evidence: list[Evidence], labels: TargetLabels) -> list[FindingGroup]:
    """Findings identical but for their target in one group each, in evidence order."""

    def key(item: Evidence) -> tuple[object, ...]:
        f = item.finding
        waiver = f.waiver
        where: SourceLocation | None = f.source_location
        return (
            f.control_id,
            f.title,
            f.severity,
            item.status,
            f.source,
            f.rule_id,
            f.resource.logical_id,
            f.resource.type,
            labels.below_stack(f),
            f.message,
            (waiver.id, waiver.expired) if waiver else None,
            f.unknown,
            f.existing,
            where.model_dump_json() if where else None,
        )

    grouped: dict[tuple[object, ...], list[Evidence]] = {}
    for item in evidence:
        grouped.setdefault(key(item), []).append(item)
    return [
        FindingGroup(
            items=items,
            labels=[labels.label(i.finding.target) for i in items],
            construct_path=labels.below_stack(items[0].finding),
        )
        for items in grouped.values()
    ]


def _appendix(groups: list[FindingGroup]) -> list[AppendixPart]:
    """Consecutive groups of one control (evidence is ordered by control, then resource) under
    one heading, and within it consecutive groups of one resource under its name."""

    def resource(group: FindingGroup) -> tuple[object, ...]:
        f = group.finding
        where = f.source_location.model_dump_json() if f.source_location else None
        return (f.resource.logical_id, f.resource.type, group.construct_path, where)

    parts: list[AppendixPart] = []
    for group in groups:
        f = group.finding
        if not parts or (parts[-1].control_id, parts[-1].title) != (f.control_id, f.title):
            parts.append(AppendixPart(f.control_id, f.title, []))
        rows = parts[-1].resources
        if rows and resource(rows[-1].groups[0]) == resource(group):
            rows[-1].groups.append(group)
        else:
            rows.append(AppendixResource([group]))
    return parts


def _failures(groups: list[FindingGroup], catalog: Catalog) -> list[FailureGroup]:
    """The failing groups per control (an unmapped rule on its own), worst severity first."""
    controls = {c.id: c for c in catalog.controls}
    by_control: dict[str, list[FindingGroup]] = defaultdict(list)
    for group in groups:
        if group.status == "fail":
            f = group.finding
            by_control[f.control_id or f"{f.source} {f.rule_id}"].append(group)
    failures = []
    for rows in by_control.values():
        f = rows[0].finding
        control = controls.get(f.control_id) if f.control_id else None
        rows.sort(key=lambda g: (severity_rank(g.finding.severity), g.ids[0]))
        failures.append(
            FailureGroup(
                control_id=f.control_id,
                title=control.title if control else f.title,
                severity=rows[0].finding.severity,
                rule=f"{f.source} {f.rule_id}",
                remediation=control.remediation if control else None,
                rows=rows,
            )
        )
    return sorted(
        failures,
        key=lambda g: (severity_rank(g.severity), g.control_id or "~", g.rule),
    )


def id_ranges(ids: Iterable[str]) -> list[tuple[str, str]]:
    """Evidence ids as runs ``(first, last)`` of three or more consecutive numbers; any other
    id alone, as ``(id, id)``."""
    numbers = sorted({int(i.removeprefix("E-")) for i in ids})
    runs: list[list[int]] = []
    for n in numbers:
        if runs and n == runs[-1][-1] + 1:
            runs[-1].append(n)
        else:
            runs.append([n])
    shown: list[tuple[int, int]] = []
    for run in runs:
        shown.extend([(run[0], run[-1])] if len(run) >= 3 else [(n, n) for n in run])
    return [(f"E-{a:04d}", f"E-{b:04d}") for a, b in shown]


def _requirements(
    version: PciVersion,
    evidence: list[Evidence],
    catalog: Catalog,
    data: ReferenceData,
) -> RequirementView:
    def ids_of(mapping: object) -> list[str]:
        return list(getattr(mapping, "v4_0_1" if version == "4.0.1" else "v3_2_1"))

    by_req: dict[str, list[Evidence]] = defaultdict(list)
    for item in evidence:
        for req in ids_of(item.finding.pci_dss):
            by_req[req].append(item)
    controls_by_req: dict[str, list[Control]] = defaultdict(list)
    for control in catalog.controls:
        for req in ids_of(control.pci_dss):
            controls_by_req[req].append(control)
    present_types = {item.finding.resource.type for item in evidence}

    groups: dict[str, list[RequirementRow]] = defaultdict(list)
    counts: dict[RocStatus, int] = dict.fromkeys(ROC_STATUSES, 0)
    for req in sorted(set(by_req) | set(controls_by_req), key=_pci_key):
        items = by_req.get(req, [])
        governed = {t for c in controls_by_req.get(req, []) for t in c.resource_types}
        status = roc_status((i.status for i in items), bool(governed & present_types))
        counts[status] += 1
        waivers = {
            i.finding.waiver.id: i.finding.waiver
            for i in items
            if i.status == "waived" and i.finding.waiver is not None
        }
        control_ids = {c.id for c in controls_by_req.get(req, [])}
        control_ids.update(i.finding.control_id for i in items if i.finding.control_id)
        title = data.requirement_title(version, req)
        groups[req.split(".")[0]].append(
            RequirementRow(
                id=req,
                title=title.text,
                title_from=title.from_id,
                status=status,
                controls=sorted(control_ids),
                failing=[i.id for i in items if i.status == "fail"],
                waived=[i.id for i in items if i.status == "waived"],
                passing=[i.id for i in items if i.status == "pass"],
                compensating=[waivers[k] for k in sorted(waivers)] if status == "In Place" else [],
                not_applicable=[i.id for i in items if i.status == "not-applicable"],
            )
        )
    return RequirementView(
        version=version,
        groups=[
            RequirementGroup(p, data.principal_title(version, p), rows)
            for p, rows in sorted(groups.items(), key=lambda kv: _pci_key(kv[0]))
        ],
        counts=counts,
    )


def _waivers(record: FindingsRecord, evidence: list[Evidence]) -> list[WaiverRow]:
    assessed_on: date = _utc(record.generated_at).date()
    #: A merged record: each waiver's state is its run's, as of that run's date.
    run_dates = {run.id: _utc(run.generated_at).date() for run in record.runs}
    by_waiver: dict[tuple[str | None, str], list[str]] = defaultdict(list)
    for item in evidence:
        if item.finding.waiver is not None:
            by_waiver[(item.finding.run, item.finding.waiver.id)].append(item.id)
    rows = []
    for waiver in sorted(record.waivers, key=lambda w: (w.id, w.run or "")):
        days_left = (waiver.expires - run_dates.get(waiver.run or "", assessed_on)).days
        flag: Literal["expired", "expiring", "stale"] | None = None
        if waiver.state == "expired" or days_left < 0:
            flag = "expired"
        elif waiver.state == "stale":
            flag = "stale"
        elif days_left <= EXPIRING_DAYS:
            flag = "expiring"
        evidence_ids = by_waiver.get((waiver.run, waiver.id), [])
        rows.append(WaiverRow(waiver, days_left, flag, evidence_ids))
    return rows


def _labelled(name: str, run: str | None) -> str:
    """A target (or waiver) as the report names it: with its run in a merged record."""
    return f"{name} ({run})" if run else name


def _with_runs(record: FindingsRecord) -> FindingsRecord:
    """A merged record as the report shows it: every target named with its run, and every
    waiver too (the same waiver may be in several runs, each with its own state), on the
    findings it covers as in the waiver list, so that their links meet."""

    def waived(finding: Finding) -> Finding:
        applied = finding.waiver
        if applied is not None:
            applied = applied.model_copy(update={"id": _labelled(applied.id, finding.run)})
        target = _labelled(finding.target, finding.run)
        return finding.model_copy(update={"target": target, "waiver": applied})

    return record.model_copy(
        update={
            "targets": [
                t.model_copy(update={"name": _labelled(t.name, t.run)}) for t in record.targets
            ],
            "findings": [waived(f) for f in record.findings],
            "waivers": [
                w.model_copy(update={"id": _labelled(w.id, w.run)}) for w in record.waivers
            ],
            "verdicts": [
                v.model_copy(update={"target": _labelled(v.target, v.run)}) for v in record.verdicts
            ],
        }
    )


def build_view(record: FindingsRecord, catalog: Catalog, data: ReferenceData) -> ReportView:
    """Compute the report's view model from a record, the catalogue and the reference data."""
    if record.runs:
        record = _with_runs(record)
    labels = TargetLabels(record.targets)
    evidence = _evidence(record.findings, record.targets)
    requirements = [_requirements(v, evidence, catalog, data) for v in PCI_VERSIONS]
    waivers = _waivers(record, evidence)
    groups = _groups(evidence, labels)

    def by_severity(items: Iterable[Evidence]) -> list[Evidence]:
        return sorted(items, key=lambda e: (severity_rank(e.finding.severity), e.id))

    return ReportView(
        cover=_cover(record),
        summary=_summary(record, requirements),
        config_rules=_config_rules(record, evidence, catalog, data, labels),
        requirements=requirements,
        waivers=waivers,
        evidence=evidence,
        roc_rules=data.roc_rules,
        failing=by_severity(e for e in evidence if e.status == "fail"),
        waived=by_severity(e for e in evidence if e.status == "waived"),
        disagreements=[v for v in record.verdicts if v.disagreement],
        groups=groups,
        appendix=_appendix(groups),
        failures=_failures(groups, catalog),
        attention=[w for w in waivers if w.flag is not None],
        unjudged=[t for t in record.targets if t.status == "error"],
        missing_lookups=record.missing_lookups,
        coverage=coverage_view(record),
    )
