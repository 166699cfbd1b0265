"""The three-valued outcome of a judgement, and the verdict a check reaches on one resource."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import Enum


class Outcome(Enum):
    """PASS and FAIL are proved from the template; UNKNOWN means it cannot tell."""

    FAIL = 0
    UNKNOWN = 1
    PASS = 2
    NOT_APPLICABLE = 3

    def __and__(self, other: Outcome) -> Outcome:
        return all_of([self, other])

    def __or__(self, other: Outcome) -> Outcome:
        return any_of([self, other])


def all_of(outcomes: Iterable[Outcome]) -> Outcome:
    """The worst outcome (FAIL < UNKNOWN < PASS); PASS when there is none."""
    relevant = [o for o in outcomes if o is not Outcome.NOT_APPLICABLE]
    return min(relevant, key=lambda o: o.value, default=Outcome.PASS)


def any_of(outcomes: Iterable[Outcome]) -> Outcome:
    """The best outcome (PASS > UNKNOWN > FAIL); FAIL when there is none."""
    relevant = [o for o in outcomes if o is not Outcome.NOT_APPLICABLE]
    return max(relevant, key=lambda o: o.value, default=Outcome.FAIL)


@dataclass(frozen=True)
class Verdict:
    """A check's outcome on one resource, with the reason an auditor can read."""

    outcome: Outcome
    reason: str

    @staticmethod
    def passed(reason: str) -> Verdict:
        return Verdict(Outcome.PASS, reason)

    @staticmethod
    def failed(reason: str) -> Verdict:
        return Verdict(Outcome.FAIL, reason)

    @staticmethod
    def unknown(reason: str) -> Verdict:
        return Verdict(Outcome.UNKNOWN, reason)

    @staticmethod
    def not_applicable(reason: str) -> Verdict:
        return Verdict(Outcome.NOT_APPLICABLE, reason)


def combine_all(verdicts: Iterable[Verdict], passed: str) -> Verdict:
    """The first worst verdict, or a pass with the given reason when all pass."""
    items = [v for v in verdicts if v.outcome is not Outcome.NOT_APPLICABLE]
    worst = all_of(v.outcome for v in items)
    if worst is Outcome.PASS:
        return Verdict.passed(passed)
    return next(v for v in items if v.outcome is worst)
