"""Judge parsed templates: our checks called directly, checkov's chosen built-ins beside them.

Both run on the one :class:`~policies.cfn.template.Template` the engine parsed: our checks
through their pure :meth:`~policies.checkbase.TapCheck.judge`, checkov's built-in checks
through checkov's public ``BaseCheck.run`` on each resource. Nothing is parsed again, and
every verdict (UNKNOWN included) comes back as a return value.
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any, Literal

from compliance.errors import InputError
from compliance.quiet import muted_root_logger, silence
from policies.cfn.conditions import Case, depends_on_case, every_case, view
from policies.cfn.template import Template
from policies.context import Context
from policies.outcome import Outcome

Status = Literal["pass", "fail", "unknown"]

_OUTCOMES: dict[Outcome, Status | None] = {
    Outcome.PASS: "pass",
    Outcome.FAIL: "fail",
    Outcome.UNKNOWN: "unknown",
    Outcome.NOT_APPLICABLE: None,  # out of the control's scope: no finding
}
_CHECKOV_RESULTS: dict[str, Status] = {"PASSED": "pass", "FAILED": "fail", "UNKNOWN": "unknown"}


@dataclass(frozen=True)
class CheckResult:
    """One check on one resource."""

    check_id: str
    title: str
    outcome: Status
    template: Path
    logical_id: str
    resource_type: str
    start_line: int | None
    end_line: int | None
    severity: str | None
    #: Why our own check decided so (checkov's built-ins give no reason).
    reason: str | None = None


@cache
def custom_checks(folder: Path) -> tuple[Any, ...]:
    """The ``check`` of every check file in ``folder``, loaded as checkov loads them (the
    folder on ``sys.path``, one module per file), so each is one object for both. Our
    :class:`TapCheck` s are judged directly; any other checkov check there through its run."""
    found = []
    if str(folder) not in sys.path:
        sys.path.insert(0, str(folder))
    for path in sorted(folder.glob("[A-Za-z]*.py")):
        module = importlib.import_module(path.stem)
        check = getattr(module, "check", None)
        if check is not None and hasattr(check, "supported_resources"):
            found.append(check)
    return tuple(found)


@cache
def builtin_checks(check_ids: tuple[str, ...]) -> tuple[Any, ...]:
    """checkov's built-in CloudFormation checks with these ids (an unknown id is an error).

    Importing checkov's CloudFormation package registers all of its built-ins (its
    ``__init__`` imports every check module): the catalogue's are picked from the registry."""
    silence()
    wanted = set(check_ids)
    with muted_root_logger():
        from checkov.cloudformation.checks.resource.registry import cfn_registry

    found = {c.id: c for _, c in cfn_registry.all_checks() if c.id in wanted}
    if missing := sorted(wanted - set(found)):
        raise InputError(f"checkov has no built-in CloudFormation check {', '.join(missing)}")
    return tuple(found[i] for i in check_ids)


def judge(
    template: Template,
    *,
    shown: str,
    checks: Sequence[Any],
    builtins: Sequence[Any],
    context: Context,
    builtin_resources: Mapping[str, Any] | None = None,
    broken: Mapping[str, str] | None = None,
    prepare: Callable[[dict[str, Any]], dict[str, Any]] = lambda body: body,
) -> list[CheckResult]:
    """Every check on every resource of the types it supports; ``shown`` names the file.

    checkov's checks (``builtins`` and any plain checkov check among ``checks``) see
    ``builtin_resources`` (default: the template's), e.g. the body as it would be deployed.
    On a resource ``broken`` names (logical id -> what CloudFormation rejects in it) they are
    unknown: they would read the broken value as if it were one (our checks resolve it to
    nothing they can decide on, and judge what does not depend on it). A resource that
    ``builtin_resources`` still leaves to deploy-time conditions (its Condition, an
    ``Fn::If``) they judge in each case as it deploys it (the case's body, through
    ``prepare``), as our checks are (:func:`_builtin_in_cases`).
    """
    from policies.checkbase import TapCheck  # checkov loads while the synthesis runs

    seen = template.resources if builtin_resources is None else builtin_resources
    ours = [c for c in checks if isinstance(c, TapCheck)]
    theirs = [*(c for c in checks if not isinstance(c, TapCheck)), *builtins]
    results = []
    # checkov logs to the root logger: muted once (each level change walks every logger)
    with muted_root_logger():
        for logical_id, resource in template.resources.items():
            kind = str(resource.get("Type"))
            for check in _supporting(ours, kind):
                verdict = check.judge(template, logical_id, context)
                status = _OUTCOMES[verdict.outcome]
                if status is not None:
                    results.append(
                        _result(template, check, logical_id, kind, status, verdict.reason)
                    )
            if logical_id not in seen:
                continue
            problem = (broken or {}).get(logical_id)
            conditional = (
                builtin_resources is not None
                and bool(template.conditions)
                and depends_on_case(view(template), logical_id)
            )
            for builtin in _supporting(theirs, kind):
                reason: str | None
                if problem is not None:
                    status, reason = "unknown", f"not judged: {problem}"
                elif conditional:
                    status, reason = _builtin_in_cases(
                        builtin, shown, template, logical_id, prepare
                    )
                else:
                    status, reason = _run_builtin(
                        builtin, shown, logical_id, kind, seen[logical_id]
                    )
                if status is not None:
                    results.append(_result(template, builtin, logical_id, kind, status, reason))
    return results


def _supporting(checks: Iterable[Any], kind: str) -> list[Any]:
    return [c for c in checks if kind in c.supported_resources]


def _builtin_in_cases(
    check: Any,
    shown: str,
    template: Template,
    logical_id: str,
    prepare: Callable[[dict[str, Any]], dict[str, Any]],
) -> tuple[Status | None, str | None]:
    """A checkov check on a resource in every deploy-time case it depends on: all pass,
    pass; a deployable case fails, fail; else unknown (:mod:`policies.cfn.conditions`)."""

    def in_case(resolver: Any) -> Status | Literal["absent", "open"] | None:
        resources = resolver.template.resources
        if logical_id not in resources or resolver.exists(logical_id) is False:
            return "absent"
        if depends_on_case(resolver, logical_id):
            return "open"
        conf = prepare({"Resources": {logical_id: resources[logical_id]}})["Resources"]
        kind = str(resources[logical_id].get("Type"))
        return _run_builtin(check, shown, logical_id, kind, conf[logical_id])[0]

    outcomes = every_case(
        template,
        in_case,
        lambda status: status != "open",
        stop=lambda case, status: case.exact and status == "fail",
    )
    statuses = {status for case, status in outcomes.cases if status not in ("absent", None)}
    failed = [case for case, status in outcomes.cases if status == "fail" and case.exact]
    if failed:
        return "fail", f"judged in each deploy-time case: fails when {failed[0].describe()}"
    if outcomes.bounded:
        return "unknown", "more than 64 deploy-time cases: not decided"
    if not statuses:
        return None, None
    if statuses == {"pass"}:
        return "pass", None
    return "unknown", _mixed(outcomes.cases)


def _mixed(cases: list[tuple[Case, Any]]) -> str:
    shown = "; ".join(f"{status} when {case.describe()}" for case, status in cases)
    return f"judged in each deploy-time case, not the same in all: {shown}"


def _run_builtin(
    check: Any, shown: str, logical_id: str, kind: str, conf: Any
) -> tuple[Status | None, str | None]:
    try:
        result = check.run(
            scanned_file=shown,
            entity_configuration=conf,
            entity_name=logical_id,
            entity_type=kind,
            skip_info={},
        )
    except Exception as error:  # the check crashed on a value it did not expect: not judged
        reason = f"checkov's {check.id} crashed on this resource ({type(error).__name__}: {error})"
        return "unknown", " ".join(reason.split())
    return _CHECKOV_RESULTS.get(str(result["result"].value)), None


def _result(
    template: Template,
    check: Any,
    logical_id: str,
    kind: str,
    status: Status,
    reason: str | None,
) -> CheckResult:
    span = template.span(logical_id)
    severity = getattr(check.severity, "name", None) if check.severity else None
    return CheckResult(
        check_id=check.id,
        title=check.name,
        outcome=status,
        template=template.path,
        logical_id=logical_id,
        resource_type=kind,
        start_line=span.start_line,
        end_line=span.end_line,
        severity=severity.lower() if severity else None,
        reason=reason,
    )
