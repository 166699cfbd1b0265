"""Template parameters a user settles (``scan --parameter``, ``--parameter-file``): the template
as CloudFormation reads it with those values.

A parameter's value is known only at deploy time, so the checks report what depends on it as
unknown. A user who knows the value passes it, and the template is read as CloudFormation
would read it with that value: every ``Ref`` to the parameter and every ``${Name}`` in
``Fn::Sub`` becomes the value (a list for ``List<...>`` and ``CommaDelimitedList`` types).
A parameter without a given value takes any value a deployment may give it, its ``Default``
included (a deployment may override it): one of its ``AllowedValues`` where it has them, each
judged (:mod:`policies.cfn.conditions`), else unknown. ``AWS::SSM::Parameter::Value<...>``
parameters stay unknown: their value is the name of an SSM parameter, not the value it holds.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from policies.cfn.domains import matches, scalar
from policies.cfn.intrinsics import SUB_VARIABLE
from policies.cfn.template import TemplateError

_SSM = "AWS::SSM::Parameter::Value<"


def unused(values: Mapping[str, str], bodies: Iterable[dict[str, Any]]) -> list[str]:
    """The given parameters no template declares (CloudFormation rejects those)."""
    declared = {str(name) for body in bodies for name in _parameters(body)}
    return sorted(set(values) - declared)


def apply_parameters(
    body: dict[str, Any], values: Mapping[str, str], source: Path
) -> tuple[dict[str, Any], dict[str, str]]:
    """``body`` read with the given values of its parameters, and the values it used; a value
    the parameter's AllowedValues or AllowedPattern rejects is a :class:`TemplateError`, as it
    is for CloudFormation. ``body`` itself when none of its parameters is given."""
    declared = _parameters(body)
    used: dict[str, Any] = {}
    for name, spec in declared.items():
        if name not in values or not isinstance(spec, dict):
            continue
        kind = str(spec.get("Type", "String"))
        if kind.startswith(_SSM):
            continue
        value = values[name]
        _validate(source, name, spec, value)
        is_list = kind.startswith("List<") or kind == "CommaDelimitedList"
        used[name] = [v.strip() for v in value.split(",")] if is_list else value
    if not used:
        return body, {}
    replaced = {
        k: (v if k in ("Parameters", "Metadata") else _replace(v, used)) for k, v in body.items()
    }
    return replaced, {name: values[name] for name in used}


def _parameters(body: dict[str, Any]) -> dict[str, Any]:
    section = body.get("Parameters")
    return section if isinstance(section, dict) else {}


def _validate(source: Path, name: str, spec: dict[str, Any], value: str) -> None:
    allowed = spec.get("AllowedValues")
    if isinstance(allowed, list) and value not in [scalar(v) for v in allowed]:
        raise TemplateError(source, f"parameter {name}: {value!r} is not one of its AllowedValues")
    if not matches(spec, value):
        raise TemplateError(
            source, f"parameter {name}: {value!r} does not match its AllowedPattern"
        )


def _replace(value: Any, used: dict[str, Any]) -> Any:
    if isinstance(value, list):
        return [_replace(v, used) for v in value]
    if not isinstance(value, dict):
        return value
    if len(value) == 1:
        ((key, arg),) = value.items()
        if key == "Ref" and isinstance(arg, str) and arg in used:
            return used[arg]
        if key == "Fn::Sub":
            return {"Fn::Sub": _sub(arg, used)}
    return {k: _replace(v, used) for k, v in value.items()}


def _sub(arg: Any, used: dict[str, Any]) -> Any:
    if isinstance(arg, list) and len(arg) == 2 and isinstance(arg[1], dict):
        source, variables = arg[0], _replace(arg[1], used)
        shadowed = set(variables)
    else:
        source, variables, shadowed = arg, None, set()
    if isinstance(source, str):

        def value(match: re.Match[str]) -> str:
            name = match.group(1).strip()
            if name in shadowed or name not in used or not isinstance(used[name], str):
                return match.group(0)
            return str(used[name]).replace("${", "${!")

        source = SUB_VARIABLE.sub(value, source)
    return source if variables is None else [source, variables]
