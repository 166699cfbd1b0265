"""The findings record (``tap-compliance/findings@2``): the one contract every output reads.

docs/architecture.md describes where the record comes from; this module gives its fields
types. Reports, SARIF, JUnit and the gate all read a :class:`FindingsRecord`, never the
tools' raw output.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime
from typing import Any, Final, Literal

from pydantic import Field, model_validator

from compliance.record.deployment import DeploymentRecord
from compliance.record.model import RecordModel
from compliance.record.requirements import Coverage, CoverageScope
from policies.catalog import PciDss as PciDss  # the catalogue's, one model for both
from policies.catalog import Severity as Severity

SCHEMA: Final = "tap-compliance/findings@2"

#: ``not-applicable``: the catalogue scopes the control out of the target's environment by
#: design (``applicability``); never counted as a pass or a failure.
Status = Literal["fail", "pass", "waived", "not-applicable"]
#: checkov and cdk-nag judge the template; ``aws-config`` (AWS Config rule evaluations) and
#: ``aws-api`` (a value read from the account, e.g. kms:DescribeKey) judge what runs.
#: ``template``: what CloudFormation itself rejects in the template (an undeclared name, a
#: null value), reported as cfn-lint does, beside the verdicts the rest of the text decides.
Source = Literal["checkov", "cdk-nag", "aws-config", "aws-api", "template"]
RUNTIME_SOURCES: tuple[Source, ...] = ("aws-config", "aws-api")

#: Highest first; the gate compares positions in this tuple.
SEVERITIES: tuple[Severity, ...] = ("critical", "high", "medium", "low", "info")
#: Worst first: the order of every count, table and chart, and of :func:`worst_status`.
STATUSES: tuple[Status, ...] = ("fail", "waived", "pass", "not-applicable")


def severity_rank(severity: Severity) -> int:
    """0 for critical … 4 for info: lower is more severe."""
    return SEVERITIES.index(severity)


def worst_status(statuses: Iterable[Status]) -> Status:
    """The worst of (at least one) statuses: fail, then waived, pass, not applicable."""
    return min(statuses, key=STATUSES.index)


class Resource(RecordModel):
    """The CloudFormation resource a finding is about."""

    logical_id: str
    type: str
    construct_path: str | None = None


class Location(RecordModel):
    """A file and lines: where the template writes a resource, or the app code that made it."""

    file: str
    start_line: int | None = None
    end_line: int | None = None


class SourceLocation(Location):
    """The line of the app's own code that made a resource, and the app's calls that led there."""

    #: The app's frames above that line, innermost first (at most eight): where a helper
    #: that makes several resources was called for this one.
    called_from: list[Location] = Field(default_factory=list)


class CompensatingControl(RecordModel):
    """The compensating-control worksheet fields a QSA asks for (all optional)."""

    constraints: str | None = None
    objective: str | None = None
    identified_risk: str | None = None
    definition: str | None = None
    validation: str | None = None
    maintenance: str | None = None


class AppliedWaiver(RecordModel):
    """The waiver attached to a finding it matched (active or expired)."""

    id: str
    justification: str
    approver: str
    approved: date | None = None
    expires: date
    expired: bool = False
    compensating_control: CompensatingControl | None = None


class AnswerDigest(RecordModel):
    """One API answer kept as evidence: the API and the SHA-256 of its canonical JSON."""

    api: str
    sha256: str


class RuntimeEvidence(RecordModel):
    """Where a runtime finding comes from: the API that answered and what it said."""

    answered_by: str
    config_rule: str | None = None
    compliance: str | None = None
    resource_id: str | None = None
    recorded_at: datetime | None = None
    key_arn: str | None = None
    key_manager: str | None = None
    #: A live configuration judged by a check: every API that answered, the SHA-256 of each
    #: answer (canonical JSON) and the evidence file holding them (``live/<logical id>.json``).
    apis: list[str] = Field(default_factory=list)
    answers: list[AnswerDigest] = Field(default_factory=list)
    evidence: str | None = None


class Suppression(RecordModel):
    """An in-template suppression (checkov skip metadata, a cdk-nag acknowledgment): recorded
    and shown, never obeyed; only the waiver file waives."""

    tool: Literal["checkov", "cdk-nag"]
    rule_id: str
    comment: str | None = None


class Finding(RecordModel):
    """One tool result on one resource, mapped to a control. Passes are findings too."""

    control_id: str | None
    title: str
    severity: Severity
    status: Status
    source: Source
    rule_id: str
    target: str
    resource: Resource
    config_rules: list[str] = Field(default_factory=list)
    pci_dss: PciDss = Field(default_factory=PciDss)
    message: str
    waiver: AppliedWaiver | None = None
    #: No catalogue control maps the tool's rule: kept, never dropped.
    unmapped: bool = False
    #: The template could not be resolved far enough to decide; counted as a failure.
    unknown: bool = False
    location: Location | None = None
    #: The line of the CDK app's own code that created the resource (synthesized stacks).
    source_location: SourceLocation | None = None
    #: Stable across line moves: see ``compliance.record.fingerprints``.
    fingerprint: str | None = None
    #: The baseline (``--baseline``) already had it failing: a failure, but not blocking.
    existing: bool = False
    #: Runtime findings only (``aws-config``, ``aws-api``): the evidence read from the account.
    runtime: RuntimeEvidence | None = None
    #: In-template suppressions naming this rule or control on this resource.
    suppressions: list[Suppression] = Field(default_factory=list)
    #: A merged record (``tap-compliance report A.json B.json``): the id of the run (an entry
    #: of ``FindingsRecord.runs``) this came from; None in the record of one run.
    run: str | None = None


def effective_status(finding: Finding) -> Status:
    """The status the report counts: a waiver that expired (or is missing) does not waive."""
    if finding.status == "waived" and (finding.waiver is None or finding.waiver.expired):
        return "fail"
    return finding.status


def at_threshold(finding: Finding, fail_on: Severity) -> bool:
    """A failure at or above the threshold (an expired waiver waives nothing).

    A failure of a rule no control maps (``unmapped``) counts at every threshold: its severity
    is only cdk-nag's level, not a judgement of ours, so the gate fails closed on it until the
    catalogue maps the rule or a waiver names it.
    """
    if finding.status != "fail":
        return False
    return finding.unmapped or severity_rank(finding.severity) <= severity_rank(fail_on)


def blocking(finding: Finding, fail_on: Severity) -> bool:
    """A failure at or above the threshold that a baseline does not already hold."""
    return at_threshold(finding, fail_on) and not finding.existing


TargetStatus = Literal["judged", "skipped", "error"]


class AssetDigest(RecordModel):
    """A file asset of a synthesized stack, named by the SHA-256 of the bytes it publishes (a
    folder as its deterministic zip): the deployer sends only these bytes."""

    id: str
    #: The source as the asset manifest names it (relative to the assembly).
    path: str
    packaging: Literal["file", "zip"]
    sha256: str
    bytes: int


class Target(RecordModel):
    """One synthesized (or scanned) template, or a file scan listed without judging it."""

    name: str
    #: judged; skipped (not a CloudFormation template); error (could not be read or parsed,
    #: listed under --keep-going): ``note`` then says why
    status: TargetStatus = "judged"
    env: str | None = None
    stack: str | None = None
    template: str
    sha256: str
    account: str | None = None
    region: str | None = None
    #: AWS Config rule identifiers this template deploys (AWS::Config::ConfigRule).
    config_rules: list[str] = Field(default_factory=list)
    #: What to know about how it was judged (e.g. nothing in it is created).
    note: str | None = None
    #: Template parameters given values for the run (the others stayed unknown).
    parameters: dict[str, str] = Field(default_factory=dict)
    #: A synthesized template: the cloud assembly's stack artifact id (a nested stack: the
    #: artifact of the top-level stack that deploys it).
    artifact: str | None = None
    #: The Stage (nested cloud assembly) the stack belongs to, by construct path (``Prod``,
    #: ``Prod/Eu`` for a Stage in a Stage).
    stage: str | None = None
    #: None for a stack of the app itself; a Stage's stack: the Stage's path; a nested stack:
    #: the target name of the stack that deploys it.
    parent: str | None = None
    #: The stack's file assets as the gate found them (synthesized stacks only).
    assets: list[AssetDigest] = Field(default_factory=list)
    #: A merged record (``tap-compliance report A.json B.json``): the id of the run (an entry
    #: of ``FindingsRecord.runs``) this came from; None in the record of one run.
    run: str | None = None


class MissingLookup(RecordModel):
    """A context lookup the app asked for that its context could not answer: CDK synthesized
    placeholder values instead, so no template of the assembly was judged."""

    #: The context key its answer is stored under (``cdk.context.json``).
    key: str
    provider: str
    props: dict[str, Any] = Field(default_factory=dict)
    #: The cloud assembly manifest that lists it.
    manifest: str
    #: What it is and how to answer it, in one line.
    message: str
    #: A merged record (``tap-compliance report A.json B.json``): the id of the run (an entry
    #: of ``FindingsRecord.runs``) this came from; None in the record of one run.
    run: str | None = None


class WaiverState(RecordModel):
    """Every waiver in the file, with what became of it in this run."""

    id: str
    control: str
    resources: list[str]
    environments: list[str]
    justification: str
    approver: str
    approved: date | None = None
    expires: date
    #: ``not-applicable``: this run judged none of its scope (its environments, or the
    #: cdk-nag rules of its control, were not in the run); ``stale``: its scope was judged
    #: and it matched no failure.
    state: Literal["active", "expired", "stale", "not-applicable"]
    matched: int = 0
    compensating_control: CompensatingControl | None = None
    #: A merged record (``tap-compliance report A.json B.json``): the id of the run (an entry
    #: of ``FindingsRecord.runs``) this came from; None in the record of one run.
    run: str | None = None
    #: Why it is stale or not applicable, in this run's terms.
    note: str | None = None


class Gate(RecordModel):
    """The gate's decision and why."""

    result: Literal["passed", "failed"]
    exit_code: Literal[0, 1]
    fail_on: Severity
    blocking: int = 0
    expired_waivers: int = 0
    #: Failures at or above the threshold that the baseline already had (not blocking).
    existing: int = 0
    #: Templates that could not be judged (read or parse errors under --keep-going).
    unjudged: int = 0


class ControlVerdict(RecordModel):
    """A control's one verdict on one resource: the worst effective status of its rules
    (our check, checkov's built-ins, cdk-nag's), with each rule's and, when the tools
    disagree (one finds a violation, another passes it), what they said."""

    target: str
    control_id: str
    logical_id: str
    type: str
    status: Status
    #: Each rule's effective status on the resource (the worst, if it spoke more than once).
    rules: dict[str, Status]
    #: The tools disagree: which rules found a violation and which passed it.
    disagreement: str | None = None
    #: A merged record (``tap-compliance report A.json B.json``): the id of the run (an entry
    #: of ``FindingsRecord.runs``) this came from; None in the record of one run.
    run: str | None = None


class Summary(RecordModel):
    """Counts per status and, for failures, per severity."""

    by_status: dict[Status, int]
    by_severity: dict[Severity, dict[Status, int]]
    unmapped: int = 0
    unknown: int = 0
    #: Resources where the rules of one control disagree (``FindingsRecord.verdicts``).
    disagreements: int = 0
    #: Targets per status: judged, skipped (not a template), error (not judged).
    targets: dict[TargetStatus, int] = Field(default_factory=dict)
    gate: Gate


#: How many uncommitted paths the record names (it counts them all).
GIT_PATHS = 50


class GitState(RecordModel):
    """The checkout the run judged as ``git status`` saw it: whether it had uncommitted
    changes (modified, staged or untracked paths), so "at commit X" is never read as the
    whole truth when it was not."""

    dirty: bool
    #: How many paths had uncommitted changes.
    changed: int = 0
    #: The first :data:`GIT_PATHS` of them, relative to the repository's top folder.
    paths: list[str] = Field(default_factory=list)

    @classmethod
    def of(cls, paths: list[str]) -> GitState:
        """The state of a checkout whose uncommitted paths are ``paths``."""
        return cls(dirty=bool(paths), changed=len(paths), paths=paths[:GIT_PATHS])


class ReusedJudgement(RecordModel):
    """A judgement reproduced from the store (``compliance/judgement_cache.py``): every input
    that decides it hashed to ``key``, as when it was first judged; the run's own time, git
    state and tool versions are read afresh."""

    #: The SHA-256 of every input of the judgement (the module's docstring lists them).
    key: str
    #: When the judgement stored under ``key`` was made.
    first_judged_at: datetime


class Baseline(RecordModel):
    """The record a run was gated against (``--baseline``): its failures do not block."""

    file: str
    git_commit: str | None = None
    generated_at: datetime
    #: How many failures the baseline holds.
    failures: int


#: MISSING: the gated template declares the rule, AWS Config does not have it (a failure).
RuntimeStatus = Literal["COMPLIANT", "NON_COMPLIANT", "NOT_APPLICABLE", "NOT_TESTED", "MISSING"]


class RuntimeRule(RecordModel):
    """One AWS Config rule the stack deploys and AWS Config's verdict on it."""

    name: str
    identifier: str
    logical_id: str
    compliance: RuntimeStatus
    answered_by: str
    note: str | None = None


class Disagreement(RecordModel):
    """A resource where the static verdict and AWS Config's differ."""

    config_rule: str
    logical_id: str
    static: str
    runtime: str
    kind: Literal["drift", "static-stricter"]
    message: str


class DeployedTemplate(RecordModel):
    """The template CloudFormation runs (GetTemplate, processed) against the gated one."""

    stack: str
    #: The nested stack's logical id in its parent; None for the stack itself.
    logical_id: str | None = None
    stack_status: str | None = None
    sha256: str | None = None
    gated_sha256: str | None = None
    matches: bool
    message: str


class LiveResource(RecordModel):
    """One resource whose live configuration the checks judged, or why they could not."""

    logical_id: str
    type: str
    physical_id: str | None = None
    #: read (judged live), not-tested (never a pass), gone (deleted out of band: a failure)
    state: Literal["read", "not-tested", "gone"]
    apis: list[str] = Field(default_factory=list)
    answers: list[AnswerDigest] = Field(default_factory=list)
    evidence: str | None = None
    note: str | None = None


class DriftedResource(RecordModel):
    """A resource CloudFormation's drift detection found changed or deleted."""

    logical_id: str
    type: str
    status: str
    differences: list[str] = Field(default_factory=list)


class DriftCheck(RecordModel):
    """CloudFormation's drift detection of the stack; ``available`` false says it could not
    run (never read as "no drift")."""

    available: bool
    status: str | None = None
    note: str | None = None
    drifted: list[DriftedResource] = Field(default_factory=list)


class Comparison(RecordModel):
    """One control on one resource: the static verdict, the live one, AWS Config's, drift."""

    control_id: str
    logical_id: str
    static: str | None = None
    live: str | None = None
    config: str | None = None
    drift: str | None = None
    #: Set when the verdicts disagree: what the difference means.
    disagreement: str | None = None


class RuntimeCheck(RecordModel):
    """What ``tap-compliance verify`` read from the account, and when."""

    verified_at: datetime
    env: str
    stack: str
    account: str
    region: str
    endpoint_url: str | None = None
    rules: list[RuntimeRule] = Field(default_factory=list)
    disagreements: list[Disagreement] = Field(default_factory=list)
    templates: list[DeployedTemplate] = Field(default_factory=list)
    live: list[LiveResource] = Field(default_factory=list)
    drift: DriftCheck | None = None
    comparisons: list[Comparison] = Field(default_factory=list)


class Run(RecordModel):
    """One record merged into this one (a CI shard): where it came from and what its own gate
    decided. Its baseline, deployment and runtime blocks stay here, with the run they belong
    to; the merged record's own are None."""

    #: ``run-1``, ``run-2``...: the order of the files merged.
    id: str
    #: The ``findings.json`` it was read from, as given to ``report``.
    file: str
    generated_at: datetime
    git_commit: str | None = None
    #: Its checkout's uncommitted changes, as that run recorded them.
    git: GitState | None = None
    #: The environments of its targets.
    environments: list[str] = Field(default_factory=list)
    tool_versions: dict[str, str] = Field(default_factory=dict)
    waiver_file: str | None = None
    nag_packs: list[str] = Field(default_factory=list)
    summary: Summary
    baseline: Baseline | None = None
    deployment: DeploymentRecord | None = None
    runtime: RuntimeCheck | None = None
    #: Set when its judgement was reused from the store (as in its own record).
    reused_judgement: ReusedJudgement | None = None


class FindingsRecord(RecordModel):
    """The whole record written to ``findings.json``."""

    schema_: Literal["tap-compliance/findings@2"] = Field(default=SCHEMA, alias="schema")
    generated_at: datetime
    git_commit: str | None = None
    #: Uncommitted changes in the checkout; None outside a git checkout (or not recorded).
    git: GitState | None = None
    tool_versions: dict[str, str] = Field(default_factory=dict)
    targets: list[Target] = Field(default_factory=list)
    #: The waiver file the run applied; None when it found none (nothing was waived).
    waiver_file: str | None = None
    #: The cdk-nag packs that ran during synthesis (class names); empty when nothing was
    #: synthesized (``scan``).
    nag_packs: list[str] = Field(default_factory=list)
    #: Context lookups the synthesis could not answer (its templates are then not judged).
    missing_lookups: list[MissingLookup] = Field(default_factory=list)
    summary: Summary
    findings: list[Finding] = Field(default_factory=list)
    #: Each control's one verdict per resource (the worst of its rules), disagreements named.
    verdicts: list[ControlVerdict] = Field(default_factory=list)
    waivers: list[WaiverState] = Field(default_factory=list)
    baseline: Baseline | None = None
    #: Set by ``tap-compliance deploy``: what was deployed (``deployment.json``).
    deployment: DeploymentRecord | None = None
    #: Set by ``tap-compliance verify``: AWS Config's verdicts on the deployed stack.
    runtime: RuntimeCheck | None = None
    #: The whole PCI DSS v4.0.1 requirement tree, how each requirement is met (automated,
    #: partial, manual, not applicable) and this run's results (compliance.record.coverage).
    coverage: Coverage | None = None
    #: A merged record: the records it merges (CI shards), each finding, target, verdict
    #: and waiver naming its run; empty in the record of one run.
    runs: list[Run] = Field(default_factory=list)
    #: Set when the judgement was reused from the store: its inputs were unchanged.
    reused_judgement: ReusedJudgement | None = None

    @model_validator(mode="after")
    def _runs_named(self) -> FindingsRecord:
        """A merged record's parts each name one of its runs; a single run's name none."""
        ids = [run.id for run in self.runs]
        if len(set(ids)) != len(ids):
            raise ValueError(f"runs: a run id is given twice ({', '.join(ids)})")
        named = {t.run for t in self.targets} | {f.run for f in self.findings}
        named |= {v.run for v in self.verdicts} | {w.run for w in self.waivers}
        named |= {m.run for m in self.missing_lookups}
        expected = set(ids) if ids else {None}
        if not named <= expected:
            wrong = sorted(str(run) for run in named - expected)
            raise ValueError(f"run {', '.join(wrong)}: not a run of this record (runs: {ids})")
        return self

    @property
    def coverage_scope(self) -> CoverageScope:
        """Whom its requirement coverage is written for (a record without one: the platform,
        as a record before the coverage was)."""
        return self.coverage.scope if self.coverage else "platform"

    def to_json(self) -> str:
        """Serialise with the contract's field names (``schema``, ``4.0.1``, ...)."""
        return self.model_dump_json(by_alias=True, indent=2) + "\n"
