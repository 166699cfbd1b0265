"""What a record states of the run that writes it, read afresh each run: the time, the
commit, the checkout's uncommitted changes and the tool versions. A fresh judgement and one
reused from the store (``compliance/judgement_cache.py``) take it from here alike."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TypedDict

from compliance.project import git_commit, tool_versions, uncommitted_paths
from compliance.record.findings import GitState


class Provenance(TypedDict):
    """The fields of :class:`~compliance.record.findings.FindingsRecord` about the run."""

    generated_at: datetime
    git_commit: str | None
    git: GitState | None
    tool_versions: dict[str, str]


def this_run() -> Provenance:
    """This run's provenance, now (``git`` None outside a git checkout)."""
    changed = uncommitted_paths()
    return Provenance(
        generated_at=datetime.now(UTC),
        git_commit=git_commit(),
        git=GitState.of(changed) if changed is not None else None,
        tool_versions=tool_versions(),
    )
