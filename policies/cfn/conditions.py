"""The template as CloudFormation would deploy it: conditions and parameter values decided
jointly, one view for every consumer.

A deploy-time case (:class:`Case`) gives parameters values from their domains
(:mod:`policies.cfn.domains`: ``AllowedValues``, or the literals conditions compare them
with and OTHER) and, where the template leaves a choice no domain bounds (a condition on a
pseudo parameter, a map key), assumes one. In a case the conditions it decides are applied:
a resource under a false condition is not created, and ``Fn::If`` on a decided condition is
its chosen branch (``AWS::NoValue`` removes the property or list item) (AWS: "Conditions"
and "Condition functions" in the CloudFormation User Guide; "AWS::NoValue" in the pseudo
parameters reference). :func:`view` gives a resolver over the template of one case, built
once per case and template (:meth:`Template.derived`); :func:`view` of no case is the
template every consumer judges (our checks, checkov's built-ins through
:func:`deployed_body`): there a condition decided in every allowed case is decided.

:func:`every_case` enumerates the cases an evaluation depends on, lazily (a case is split
only on a name the evaluation asked about) and bounded (:data:`MAX_CASES`).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any, Generic, TypeVar

from policies.cfn.domains import OTHER, Value
from policies.cfn.intrinsics import MAP_CHOICE, Resolver, invalid
from policies.cfn.template import Template

_T = TypeVar("_T")
#: evaluations of one question at most when deploy-time cases are enumerated
MAX_CASES = 64
_NO_VALUE = {"Ref": "AWS::NoValue"}
_REMOVED = object()
_NULL = invalid("a null value (CloudFormation allows none)")


@dataclass(frozen=True)
class Case:
    """One deploy-time case: parameter (and map key) values and assumed condition truths."""

    values: tuple[tuple[str, Value], ...] = ()
    truths: tuple[tuple[str, bool], ...] = ()

    @property
    def exact(self) -> bool:
        """Every deployment with these values is a case (nothing assumed independently)."""
        return not self.truths and not any(n.startswith(MAP_CHOICE) for n, _ in self.values)

    def describe(self) -> str:
        values = [
            f"{name}={'another value' if v is OTHER else json.dumps(v)}" for name, v in self.values
        ]
        truths = [f"{name} {str(truth).lower()}" for name, truth in self.truths]
        return ", ".join([*values, *truths])


def decided(template: Template) -> dict[str, bool]:
    """The named conditions with the same truth in every allowed case, with that truth."""
    return template.derived(_decided)


def deployed_body(template: Template) -> dict[str, Any]:
    """The body as every allowed case deploys it: without the resources decided conditions
    do not create, each ``Fn::If`` on a decided condition replaced by its branch, a null
    value by an unresolved stand-in; the body itself when nothing changes."""
    return view(template).template.body


def view(template: Template, case: Case = Case()) -> Resolver:
    """A fresh resolver over the template as deployed in ``case``."""
    memo: dict[Case, tuple[Template, dict[str, bool]]] = template.derived(_views)
    if case not in memo:
        truths = dict(decided(template))
        here = Resolver(template, dict(case.truths), dict(case.values))
        for name in template.conditions:
            truth = here.condition(name)
            if truth is not None:
                truths[name] = truth
        body = _deployed(template.body, truths)
        memo[case] = (template if body is template.body else replace(template, body=body), truths)
    world, truths = memo[case]
    return Resolver(world, truths, dict(case.values))


@dataclass(frozen=True)
class Outcomes(Generic[_T]):
    """What an evaluation gave in each case it was split into (``bounded``: the cases
    were more than :data:`MAX_CASES`, and the list is incomplete)."""

    cases: list[tuple[Case, _T]]
    bounded: bool = False


def every_case(
    template: Template,
    evaluate: Callable[[Resolver], _T],
    settled: Callable[[_T], bool],
    stop: Callable[[Case, _T], bool] = lambda case, result: False,
    make: Callable[[Template, Case], Resolver] | None = None,
) -> Outcomes[_T]:
    """``evaluate`` in every case it depends on: a case whose result is not ``settled`` is
    split on the first name the evaluation asked about (a parameter's or map key's values,
    then a condition's two truths). Stops
    early where ``stop`` says so (that case is the last one listed). ``make`` gives the
    resolver of a case (default: :func:`view`)."""
    pending, evaluations = [Case()], 0
    done: list[tuple[Case, _T]] = []
    while pending:
        case = pending.pop()
        evaluations += 1
        if evaluations > MAX_CASES:
            return Outcomes(done, bounded=True)
        resolver = (make or view)(template, case)
        result = evaluate(resolver)
        if not settled(result):
            split = _split(case, resolver)
            if split:
                pending += reversed(split)
                continue
        done.append((case, result))
        if stop(case, result):
            break
    return Outcomes(done)


def depends_on_case(resolver: Resolver, logical_id: str) -> bool:
    """Whether the resource as this case deploys it still depends on the case: its
    Condition or an ``Fn::If`` on a condition the case does not decide (each is asked, so the
    resolver notes what to split the case on)."""
    open_ = resolver.exists(logical_id) is None
    return _open_if(resolver, resolver.template.resources.get(logical_id)) or open_


def _open_if(resolver: Resolver, value: Any) -> bool:
    if isinstance(value, list):
        return any([_open_if(resolver, item) for item in value])
    if not isinstance(value, dict):
        return False
    arg = value.get("Fn::If") if len(value) == 1 else None
    here = isinstance(arg, list) and len(arg) == 3 and resolver.condition(arg[0]) is None
    return any([_open_if(resolver, item) for item in value.values()]) or here


def _split(case: Case, resolver: Resolver) -> list[Case]:
    for name, domain in resolver.asked.items():
        return [replace(case, values=(*case.values, (name, value))) for value in domain]
    assumed = dict(case.truths)
    for name in resolver.undecided:
        if name not in assumed:
            return [replace(case, truths=(*case.truths, (name, t))) for t in (True, False)]
    return []


def _as_written(template: Template, case: Case) -> Resolver:
    return Resolver(template, dict(case.truths), dict(case.values))


def _views(_template: Template) -> dict[Case, tuple[Template, dict[str, bool]]]:
    return {}


def _decided(template: Template) -> dict[str, bool]:
    found: dict[str, bool] = {}
    for name in template.conditions:

        def truth_of(resolver: Resolver, name: str = name) -> bool | None:
            return resolver.condition(name)

        outcomes = every_case(template, truth_of, lambda t: t is not None, make=_as_written)
        truths = {truth for case, truth in outcomes.cases if case.exact}
        complete = all(case.exact for case, _ in outcomes.cases)
        if not outcomes.bounded and complete and len(truths) == 1 and None not in truths:
            found[name] = bool(truths.pop())
    return found


def _deployed(body: dict[str, Any], truths: dict[str, bool]) -> dict[str, Any]:
    resources = body.get("Resources")
    if not isinstance(resources, dict) or not (truths or _has_null(resources)):
        return body
    kept: dict[str, Any] = {}
    for logical_id, resource in resources.items():
        condition = resource.get("Condition") if isinstance(resource, dict) else None
        if isinstance(condition, str) and truths.get(condition) is False:
            continue
        kept[logical_id] = _apply(resource, truths)
    return {**body, "Resources": kept}


def _has_null(value: Any) -> bool:
    if value is None:
        return True
    if isinstance(value, dict):
        return any(_has_null(v) for v in value.values())
    if isinstance(value, list):
        return any(_has_null(v) for v in value)
    return False


def _apply(value: Any, truths: dict[str, bool]) -> Any:
    if value is None:
        return _NULL
    if isinstance(value, list):
        items = [_apply(item, truths) for item in value]
        return [item for item in items if item is not _REMOVED]
    if not isinstance(value, dict):
        return value
    if len(value) == 1 and "Fn::If" in value:
        arg = value["Fn::If"]
        if isinstance(arg, list) and len(arg) == 3:
            if truths.get(arg[0]) is None:  # a branch that removes itself stays AWS::NoValue
                branches = [_apply(branch, truths) for branch in arg[1:]]
                kept = [_NO_VALUE if b is _REMOVED else b for b in branches]
                return {"Fn::If": [arg[0], *kept]}
            chosen = _apply(arg[1] if truths[arg[0]] else arg[2], truths)
            return _REMOVED if chosen == _NO_VALUE else chosen
    applied = {key: _apply(item, truths) for key, item in value.items()}
    return {key: item for key, item in applied.items() if item is not _REMOVED}
