"""One record over many runs: the records of CI shards (environments, apps, accounts,
commits) merged into one, each finding, target, verdict and waiver naming its run.

The merged gate fails when any run's gate failed: each run decided on its own targets with
its own threshold and waivers, and nothing a run did not prove is claimed for it. Its
threshold is the least strict of the runs' (the merged result claims no more than every run
proved); each run keeps its own in ``runs``. A target is one deployed stack: its name, stack,
environment, account and region; two records holding the same target are refused, as are
records of different schema versions (``compliance.record.load.load_records``).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TypeVar

from compliance.gate.threshold import summarise
from compliance.record.coverage import requirement_coverage
from compliance.record.findings import (
    ControlVerdict,
    Finding,
    FindingsRecord,
    Gate,
    GitState,
    MissingLookup,
    Run,
    Summary,
    Target,
    WaiverState,
    severity_rank,
)
from compliance.record.requirements import CoverageScope
from policies.catalog import default_catalog


class MergeError(ValueError):
    """Records that must not be merged; the message is one line naming the files."""


@dataclass(frozen=True)
class Shard:
    """A record to merge and the file it was read from, as the user named it."""

    file: str
    record: FindingsRecord


#: The parts of a record that name their run.
Attributed = TypeVar("Attributed", Finding, Target, MissingLookup, ControlVerdict, WaiverState)


def target_key(target: Target) -> tuple[str | None, ...]:
    """What makes two targets the same deployed stack."""
    return (target.name, target.stack, target.env, target.account, target.region)


def merge(shards: Sequence[Shard]) -> FindingsRecord:
    """The records of ``shards`` as one record, in their order; a :class:`MergeError` when
    two of them hold the same target."""
    _refuse_shared_targets(shards)
    runs: list[Run] = []
    parts: list[FindingsRecord] = []
    for shard in shards:
        # A merged record's runs are taken over; a single run's parts name no run yet (None).
        renamed: dict[str | None, str] = {}
        for run in shard.record.runs or [_run_of(shard)]:
            merged = run.model_copy(update={"id": f"run-{len(runs) + 1}"})
            renamed[run.id if shard.record.runs else None] = merged.id
            runs.append(merged)
        parts.append(_attributed(shard.record, renamed))
    findings = [f for part in parts for f in part.findings]
    targets = [t for part in parts for t in part.targets]
    counts = summarise(findings, [], runs[0].summary.gate.fail_on, targets)
    return FindingsRecord(
        generated_at=max((run.generated_at for run in runs), key=_instant),
        git_commit=_agreed(run.git_commit for run in runs),
        git=_agreed_git(runs),
        tool_versions=_agreed_versions(runs),
        targets=targets,
        waiver_file=_agreed(run.waiver_file for run in runs),
        nag_packs=list(dict.fromkeys(p for run in runs for p in run.nag_packs)),
        missing_lookups=[m for part in parts for m in part.missing_lookups],
        summary=_summary(counts, [run.summary for run in runs]),
        findings=findings,
        verdicts=[v for part in parts for v in part.verdicts],
        waivers=[w for part in parts for w in part.waivers],
        runs=runs,
        # the requirement coverage of every run's findings and targets together, scoped for
        # templates of any project when any run's was (nothing claimed that a run did not)
        coverage=requirement_coverage(
            findings, targets, default_catalog(), scope=_scope(s.record for s in shards)
        ),
    )


def _scope(records: Iterable[FindingsRecord]) -> CoverageScope:
    """``templates`` when any record's coverage was scoped for templates of any project."""
    scopes = {record.coverage_scope for record in records}
    return "templates" if "templates" in scopes else "platform"


def _refuse_shared_targets(shards: Sequence[Shard]) -> None:
    seen: dict[tuple[str | None, ...], str] = {}
    for shard in shards:
        mine = {target_key(t): t for t in shard.record.targets}
        for key, target in mine.items():
            if key in seen:
                where = ", ".join(f"{k} {v}" for k, v in zip(_KEY_NAMES, key[1:], strict=True) if v)
                raise MergeError(
                    f"{seen[key]} and {shard.file} both hold the target {target.name}"
                    f"{f' ({where})' if where else ''}: the same target twice is not merged; "
                    "give one record per target"
                )
        seen.update(dict.fromkeys(mine, shard.file))


_KEY_NAMES = ("stack", "env", "account", "region")


def _run_of(shard: Shard) -> Run:
    record = shard.record
    return Run(
        id="run",
        file=shard.file,
        generated_at=record.generated_at,
        git_commit=record.git_commit,
        git=record.git,
        environments=sorted({t.env for t in record.targets if t.env}),
        tool_versions=record.tool_versions,
        waiver_file=record.waiver_file,
        nag_packs=record.nag_packs,
        summary=record.summary,
        baseline=record.baseline,
        deployment=record.deployment,
        runtime=record.runtime,
        reused_judgement=record.reused_judgement,
    )


def _attributed(record: FindingsRecord, renamed: dict[str | None, str]) -> FindingsRecord:
    """``record``'s parts naming their run by its id in the merged record."""

    def named(items: Iterable[Attributed]) -> list[Attributed]:
        return [i.model_copy(update={"run": renamed[i.run]}) for i in items]

    return record.model_copy(
        update={
            "findings": named(record.findings),
            "targets": named(record.targets),
            "missing_lookups": named(record.missing_lookups),
            "verdicts": named(record.verdicts),
            "waivers": named(record.waivers),
        }
    )


def _summary(counts: Summary, runs: list[Summary]) -> Summary:
    """The counts of every finding and target, the runs' disagreements, and the gate: failed
    when any run's failed, at the least strict of their thresholds."""
    gates = [s.gate for s in runs]
    failed = any(g.result == "failed" for g in gates)
    return counts.model_copy(
        update={
            "disagreements": sum(s.disagreements for s in runs),
            "gate": Gate(
                result="failed" if failed else "passed",
                exit_code=1 if failed else 0,
                # The highest threshold blocks the fewest severities: the least strict.
                fail_on=min((g.fail_on for g in gates), key=severity_rank),
                blocking=sum(g.blocking for g in gates),
                expired_waivers=sum(g.expired_waivers for g in gates),
                existing=sum(g.existing for g in gates),
                unjudged=sum(g.unjudged for g in gates),
            ),
        }
    )


def _instant(moment: datetime) -> datetime:
    """A time comparable with any other (a time without a zone is UTC, as the engine writes)."""
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment


def _agreed(values: Iterable[str | None]) -> str | None:
    """The one value every run has; None when they differ (each run keeps its own)."""
    distinct = set(values)
    return distinct.pop() if len(distinct) == 1 else None


def _agreed_git(runs: list[Run]) -> GitState | None:
    """The checkout state every run records alike; None when they differ (each run keeps
    its own, and the report's runs table shows it)."""
    states = [run.git for run in runs]
    return states[0] if all(state == states[0] for state in states) else None


def _agreed_versions(runs: list[Run]) -> dict[str, str]:
    """The tool versions every run records alike (each run keeps its own)."""
    tools = dict.fromkeys(tool for run in runs for tool in run.tool_versions)
    agreed = {tool: _agreed(run.tool_versions.get(tool) for run in runs) for tool in tools}
    return {tool: version for tool, version in agreed.items() if version is not None}
