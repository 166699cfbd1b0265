"""Wait for a stack operation, streaming its events; bounded, with a live display on a terminal."""

from __future__ import annotations

import time
from collections.abc import Callable
from contextlib import nullcontext
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from rich.console import Console
from rich.markup import escape

from compliance.aws.errors import AWS_ERRORS, AwsFailure, describe_error

SUCCESS = frozenset({"CREATE_COMPLETE", "UPDATE_COMPLETE", "IMPORT_COMPLETE"})


@dataclass(frozen=True)
class Failure:
    """A resource that failed, and CloudFormation's reason."""

    logical_id: str
    type: str
    status: str
    reason: str


@dataclass
class Outcome:
    """How the stack operation ended."""

    status: str
    succeeded: bool
    failures: list[Failure] = field(default_factory=list)


class StillInProgress(AwsFailure):
    """The wait ended while the operation goes on (exit 1); ``status`` as last seen."""

    def __init__(self, message: str, status: str) -> None:
        super().__init__(message, 1)
        self.status = status


def is_final(status: str) -> bool:
    """No operation is running on a stack in this state."""
    return not status.endswith("_IN_PROGRESS")


def wait_for_stack(
    cfn: Any,
    stack_id: str,
    *,
    since: datetime,
    console: Console,
    timeout: float,
    poll: float,
    sleep: Callable[[float], None] = time.sleep,
    on_status: Callable[[str], None] = lambda _: None,
    clock: Callable[[], float] = time.monotonic,
) -> Outcome:
    """Poll the stack until its operation ends, printing each new event once; ``on_status``
    hears each status read.

    Gives up (:class:`StillInProgress`) when less than two polls are left of ``timeout``
    seconds of wall time (``clock``): a stuck stack is reported, never waited on for ever, and
    the run's deadline is not reached in the middle of a call.
    """
    seen: set[str] = set()
    failures: list[Failure] = []
    started = clock()
    live = console.status("waiting for CloudFormation") if console.is_terminal else nullcontext()
    with live as spinner:
        while True:
            status = _status(cfn, stack_id)
            on_status(status)
            for event in _new_events(cfn, stack_id, since, seen):
                _print_event(console, event)
                if str(event.get("ResourceStatus", "")).endswith("_FAILED"):
                    failures.append(
                        Failure(
                            event.get("LogicalResourceId", "?"),
                            event.get("ResourceType", "?"),
                            event["ResourceStatus"],
                            event.get("ResourceStatusReason") or "no reason given",
                        )
                    )
            waited = clock() - started
            if spinner is not None:
                spinner.update(f"{escape(stack_id.split('/')[-2])}: {status} ({waited:.0f} s)")
            if is_final(status):
                return Outcome(status, status in SUCCESS, failures)
            if waited + 2 * poll > timeout:
                raise StillInProgress(
                    f"stack still {status} after waiting {waited:.0f} s, its time is up; not "
                    "waiting longer (the operation goes on in CloudFormation)",
                    status,
                )
            sleep(poll)


def _status(cfn: Any, stack_id: str) -> str:
    try:
        return str(cfn.describe_stacks(StackName=stack_id)["Stacks"][0]["StackStatus"])
    except AWS_ERRORS as error:
        raise AwsFailure(f"watching the stack: {describe_error(error)}") from None


def _new_events(cfn: Any, stack_id: str, since: datetime, seen: set[str]) -> list[dict[str, Any]]:
    """Events of this operation not printed yet, oldest first (the API lists newest first)."""
    fresh: list[dict[str, Any]] = []
    try:
        for page in cfn.get_paginator("describe_stack_events").paginate(StackName=stack_id):
            older = False
            for event in page["StackEvents"]:
                if event["Timestamp"] < since:
                    older = True
                    break
                if event["EventId"] not in seen:
                    seen.add(event["EventId"])
                    fresh.append(event)
            if older:
                break
    except AWS_ERRORS as error:
        raise AwsFailure(f"reading the stack events: {describe_error(error)}") from None
    return list(reversed(fresh))


def _print_event(console: Console, event: dict[str, Any]) -> None:
    status = str(event.get("ResourceStatus", ""))
    style = "red" if "FAILED" in status or "ROLLBACK" in status else "green"
    if status.endswith("_IN_PROGRESS"):
        style = "yellow"
    reason = event.get("ResourceStatusReason")
    when = event["Timestamp"].strftime("%H:%M:%S")
    console.print(
        f"{when}  [{style}]{escape(status)}[/]  {escape(str(event.get('ResourceType', '')))}  "
        f"{escape(str(event.get('LogicalResourceId', '')))}"
        + (f"  {escape(str(reason))}" if reason else ""),
        highlight=False,
        soft_wrap=True,
    )
