"""The deployment record (``tap-compliance/deployment@1``), written beside the findings record."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Final, Literal

from pydantic import Field

from compliance.datafile import json_root, parse_json, validated
from compliance.errors import InputError, read_text
from compliance.record.model import RecordModel

SCHEMA: Final = "tap-compliance/deployment@1"
FILE_NAME: Final = "deployment.json"
#: The previous run's record, kept while a new run has not written its own.
PREVIOUS_FILE_NAME: Final = "deployment.previous.json"

#: How the run ended. ``in-progress``: the run stopped (a signal, its deadline) while
#: CloudFormation was still changing the stack; ``unknown``: AWS could not be read to tell
#: (the endpoint lost). Both carry the last stack status seen and ``next_step``.
#: ``interrupted``: SIGINT or SIGTERM before anything was executed (nothing deployed).
Outcome = Literal[
    "created",
    "updated",
    "no-changes",
    "dry-run",
    "refused",
    "failed",
    "rolled-back",
    "in-progress",
    "unknown",
    "interrupted",
]


class GateResult(RecordModel):
    """The gate decision the deployment relied on (from the findings record)."""

    result: Literal["passed", "failed"]
    exit_code: int
    fail_on: str
    record: str


class TemplateSent(RecordModel):
    """The template CloudFormation received: its hash is the gated one."""

    sha256: str = Field(pattern=r"^[0-9a-f]{64}$")
    bytes: int
    delivery: Literal["inline", "s3-url"]
    url: str | None = None


class AssetRecord(RecordModel):
    """One asset destination and the bytes it holds: uploaded now, put over an object of other
    (or unproven) content, or already there with the gated SHA-256 (S3's checksum)."""

    id: str
    bucket: str
    key: str
    action: Literal["uploaded", "replaced", "exists"]
    sha256: str | None = None
    bytes: int | None = None


class ChangeRecord(RecordModel):
    """One resource change of the change set."""

    action: str
    logical_id: str
    type: str
    replacement: str | None = None
    data_store: bool = False


class FailureRecord(RecordModel):
    """A resource that failed, with CloudFormation's reason."""

    logical_id: str
    type: str
    status: str
    reason: str


class DeploymentRecord(RecordModel):
    """What ``tap-compliance deploy`` did, for the evidence folder."""

    schema_: Literal["tap-compliance/deployment@1"] = Field(default=SCHEMA, alias="schema")
    env: str
    stack_name: str
    account: str
    region: str
    endpoint_url: str | None = None
    method: Literal["change-set", "direct"]
    stack_id: str | None = None
    change_set_id: str | None = None
    template: TemplateSent
    gate: GateResult
    bootstrap_version: int | None = None
    assets: list[AssetRecord] = Field(default_factory=list)
    changes: list[ChangeRecord] = Field(default_factory=list)
    started_at: datetime
    ended_at: datetime
    outcome: Outcome
    stack_status: str | None = None
    failures: list[FailureRecord] = Field(default_factory=list)
    outputs: dict[str, str] = Field(default_factory=dict)
    message: str | None = None
    #: What to run next when the outcome is not final (``in-progress``, ``unknown``).
    next_step: str | None = None

    def to_json(self) -> str:
        """Serialise with the contract's field names."""
        return self.model_dump_json(by_alias=True, indent=2) + "\n"


def load_deployment(path: Path) -> DeploymentRecord:
    """Read and validate a ``deployment.json``; one-line :class:`InputError` otherwise."""
    text = read_text(path)
    raw = parse_json(text, path)
    if not isinstance(raw, dict) or raw.get("schema") != SCHEMA:
        raise InputError(path, f"not a {SCHEMA} record")
    prefix = f"not a {SCHEMA} record: "
    read: DeploymentRecord = validated(
        path, DeploymentRecord, raw, lambda: json_root(text), prefix=prefix
    )
    return read


def deployment_beside(record_path: Path) -> DeploymentRecord | None:
    """The deployment record in the findings record's folder, if there is one."""
    path = record_path.parent / FILE_NAME
    return load_deployment(path) if path.is_file() else None
