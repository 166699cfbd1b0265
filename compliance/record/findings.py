"""The findings record (``tap-compliance/findings@1``): the one contract every output reads.

docs/architecture.md describes where the record comes from; this module gives its fields
types. Reports, SARIF, JUnit and the gate all read a :class:`FindingsRecord`, never the
tools' raw output.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime
from typing import Final, Literal

from pydantic import Field

from compliance.record.deployment import DeploymentRecord
from compliance.record.model import RecordModel
from policies.catalog import PciDss as PciDss  # the catalogue's, one model for both
from policies.catalog import Severity as Severity

SCHEMA: Final = "tap-compliance/findings@1"

Status = Literal["fail", "pass", "waived"]
#: checkov and cdk-nag judge the template; ``aws-config`` (AWS Config rule evaluations) and
#: ``aws-api`` (a value read from the account, e.g. kms:DescribeKey) judge what runs.
#: ``template``: what CloudFormation itself rejects in the template (an undeclared name, a
#: null value), reported as cfn-lint does, beside the verdicts the rest of the text decides.
Source = Literal["checkov", "cdk-nag", "aws-config", "aws-api", "template"]
RUNTIME_SOURCES: tuple[Source, ...] = ("aws-config", "aws-api")

#: Highest first; the gate compares positions in this tuple.
SEVERITIES: tuple[Severity, ...] = ("critical", "high", "medium", "low", "info")
#: Worst first: the order of every count, table and chart, and of :func:`worst_status`.
STATUSES: tuple[Status, ...] = ("fail", "waived", "pass")


def severity_rank(severity: Severity) -> int:
    """0 for critical … 4 for info: lower is more severe."""
    return SEVERITIES.index(severity)


def worst_status(statuses: Iterable[Status]) -> Status:
    """The worst of (at least one) statuses: fail, then waived, then pass."""
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


class RuntimeEvidence(RecordModel):
    """Where a runtime finding comes from: the API that answered and what it said."""

    answered_by: str
    config_rule: str | None = None
    compliance: str | None = None
    resource_id: str | None = None
    recorded_at: datetime | None = None
    key_arn: str | None = None
    key_manager: str | None = None


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
    source_location: Location | None = None
    #: Stable across line moves: see ``compliance.record.fingerprints``.
    fingerprint: str | None = None
    #: The baseline (``--baseline``) already had it failing: a failure, but not blocking.
    existing: bool = False
    #: Runtime findings only (``aws-config``, ``aws-api``): the evidence read from the account.
    runtime: RuntimeEvidence | None = None
    #: In-template suppressions naming this rule or control on this resource.
    suppressions: list[Suppression] = Field(default_factory=list)


def effective_status(finding: Finding) -> Status:
    """The status the report counts: a waiver that expired (or is missing) does not waive."""
    if finding.status == "waived" and (finding.waiver is None or finding.waiver.expired):
        return "fail"
    return finding.status


TargetStatus = Literal["judged", "skipped", "error"]


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
    state: Literal["active", "expired", "stale"]
    matched: int = 0
    compensating_control: CompensatingControl | None = None


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


class Summary(RecordModel):
    """Counts per status and, for failures, per severity."""

    by_status: dict[Status, int]
    by_severity: dict[Severity, dict[Status, int]]
    unmapped: int = 0
    unknown: int = 0
    #: Targets per status: judged, skipped (not a template), error (not judged).
    targets: dict[TargetStatus, int] = Field(default_factory=dict)
    gate: Gate


class Baseline(RecordModel):
    """The record a run was gated against (``--baseline``): its failures do not block."""

    file: str
    git_commit: str | None = None
    generated_at: datetime
    #: How many failures the baseline holds.
    failures: int


RuntimeStatus = Literal["COMPLIANT", "NON_COMPLIANT", "NOT_APPLICABLE", "NOT_TESTED"]


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


class FindingsRecord(RecordModel):
    """The whole record written to ``findings.json``."""

    schema_: Literal["tap-compliance/findings@1"] = Field(default=SCHEMA, alias="schema")
    generated_at: datetime
    git_commit: str | None = None
    tool_versions: dict[str, str] = Field(default_factory=dict)
    targets: list[Target] = Field(default_factory=list)
    #: The waiver file the run applied; None when it found none (nothing was waived).
    waiver_file: str | None = None
    #: The cdk-nag packs that ran during synthesis (class names); empty when nothing was
    #: synthesized (``scan``).
    nag_packs: list[str] = Field(default_factory=list)
    summary: Summary
    findings: list[Finding] = Field(default_factory=list)
    waivers: list[WaiverState] = Field(default_factory=list)
    baseline: Baseline | None = None
    #: Set by ``tap-compliance deploy``: what was deployed (``deployment.json``).
    deployment: DeploymentRecord | None = None
    #: Set by ``tap-compliance verify``: AWS Config's verdicts on the deployed stack.
    runtime: RuntimeCheck | None = None

    def to_json(self) -> str:
        """Serialise with the contract's field names (``schema``, ``4.0.1``, ...)."""
        return self.model_dump_json(by_alias=True, indent=2) + "\n"
