"""Every verdict the checks reach in this process, with its reason.

checkov's report keeps passes and failures but silently drops UNKNOWN results; the engine
reads this log to report unresolvable resources (and why) instead of losing them.
"""

from __future__ import annotations

from dataclasses import dataclass

from policies.outcome import Outcome


@dataclass(frozen=True)
class Recorded:
    """One check's verdict on one resource of one template file."""

    check_id: str
    template: str
    logical_id: str
    resource_type: str
    outcome: Outcome
    reason: str


_LOG: dict[tuple[str, str, str], Recorded] = {}


def record(entry: Recorded) -> None:
    """Keep the latest verdict per (check, template, resource)."""
    _LOG[(entry.check_id, entry.template, entry.logical_id)] = entry


def recorded() -> list[Recorded]:
    """All verdicts so far, in the order they were reached."""
    return list(_LOG.values())


def lookup(check_id: str, template: str, logical_id: str) -> Recorded | None:
    """The verdict of one check on one resource (template as an absolute path)."""
    return _LOG.get((check_id, template, logical_id))


def clear() -> None:
    """Forget every verdict (between independent scans)."""
    _LOG.clear()
