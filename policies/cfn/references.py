"""What CloudFormation rejects in a parsed template: references to names it does not declare,
and null values.

A ``Ref``, ``Fn::GetAtt``, ``Fn::Sub`` variable, ``Fn::If`` or resource ``Condition`` naming
nothing the template declares, or a null value, makes CloudFormation refuse the template.
As cfn-lint does, the engine reports each one (:func:`problems`, a failure of the gate) and
still judges what the rest of the text decides: what depends on the broken part resolves to
nothing the checks can decide (:mod:`policies.cfn.intrinsics`), so it is unknown.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from policies.cfn.intrinsics import SUB_VARIABLE

#: Names the SAM transform creates besides the resources it expands (Ref-able before it runs).
_SAM_IMPLICIT = frozenset({"ServerlessRestApi", "ServerlessHttpApi"})
_SAM_PREFIX = "AWS::Serverless"


@dataclass(frozen=True)
class Problem:
    """One thing CloudFormation rejects: where (``Resources.Bucket.Properties.X``), what, and
    the resource it is in (None outside Resources)."""

    kind: str
    where: str
    text: str

    @property
    def logical_id(self) -> str | None:
        section, _, rest = self.where.partition(".")
        return rest.split(".", 1)[0] or None if section == "Resources" else None

    def __str__(self) -> str:
        return self.text


def problems(body: dict[str, Any]) -> list[Problem]:
    """Every null value and every reference to an undeclared name, in template order."""
    return [*_nulls(body), *_undeclared(body)]


def template_problem(body: dict[str, Any]) -> str | None:
    """The first of :func:`problems`, in one line; None when there is none."""
    found = problems(body)
    return found[0].text if found else None


def null_value(body: Any, where: str = "") -> str | None:
    """The first null value (CloudFormation: "'null' values are not allowed in templates")."""
    return next((p.text for p in _nulls(body, where)), None)


def undeclared_reference(body: dict[str, Any]) -> str | None:
    """The first reference to an undeclared name, described in one line; None when every
    reference names a parameter, a resource, a condition or a pseudo parameter."""
    return next((p.text for p in _undeclared(body)), None)


def _nulls(body: Any, where: str = "") -> Iterator[Problem]:
    if body is None:
        text = f"{where or 'the template'}: a null value (CloudFormation allows none)"
        yield Problem("null-value", where, text)
        return
    items = (
        body.items()
        if isinstance(body, dict)
        else enumerate(body)
        if isinstance(body, list)
        else ()
    )
    for key, value in items:
        yield from _nulls(value, f"{where}.{key}" if where else str(key))


def _undeclared(body: dict[str, Any]) -> Iterator[Problem]:
    resources, parameters, conditions = (
        _section(body, name) for name in ("Resources", "Parameters", "Conditions")
    )
    sam = _SAM_PREFIX in str(body.get("Transform", ""))
    known = {str(name) for name in (*resources, *parameters)}

    def declared(name: str, attribute_allowed: bool) -> bool:
        if name.startswith("AWS::") or name in known:
            return True
        head = name.split(".", 1)[0]
        if attribute_allowed and head in known:
            return True
        # SAM creates <Function>Role, <Api>.Stage, ServerlessRestApi, ... from its resources
        return sam and (head in _SAM_IMPLICIT or any(head.startswith(r) for r in resources))

    for kind, name, where in _references(body):
        if kind == "condition":
            if name not in conditions:
                text = f"{where}: condition {name} is not declared in Conditions"
                yield Problem("undeclared-reference", where, text)
        elif not declared(name, attribute_allowed=kind != "ref"):
            what = "a resource" if kind == "getatt" else "a parameter, a resource"
            text = f"{where}: {name} is neither {what} nor a pseudo parameter"
            yield Problem("undeclared-reference", where, text)


def _section(body: dict[str, Any], name: str) -> dict[str, Any]:
    value = body.get(name)
    return value if isinstance(value, dict) else {}


def _references(body: dict[str, Any]) -> Iterator[tuple[str, str, str]]:
    """(kind, name, where) for every reference in the template's sections that resolve."""
    for section in ("Resources", "Outputs", "Conditions"):
        entries = body.get(section)
        if not isinstance(entries, dict):
            continue
        for key, value in entries.items():
            where = f"{section}.{key}"
            if section == "Resources" and isinstance(value, dict):
                condition = value.get("Condition")
                if isinstance(condition, str):
                    yield "condition", condition, where
                value = {k: v for k, v in value.items() if k not in ("Metadata", "Condition")}
            yield from _walk(value, where)


def _walk(value: Any, where: str) -> Iterator[tuple[str, str, str]]:
    if isinstance(value, list):
        for item in value:
            yield from _walk(item, where)
        return
    if not isinstance(value, dict):
        return
    if len(value) == 1:
        ((key, arg),) = value.items()
        if key == "Ref" and isinstance(arg, str):
            yield "ref", arg, where
            return
        if key == "Fn::GetAtt":
            name = arg.split(".", 1)[0] if isinstance(arg, str) else None
            if isinstance(arg, list) and arg and isinstance(arg[0], str):
                name = arg[0]
            if name is not None:
                yield "getatt", name, where
            return
        if key == "Fn::Sub":
            yield from _sub(arg, where)
            return
        if key == "Fn::If" and isinstance(arg, list) and arg and isinstance(arg[0], str):
            yield "condition", arg[0], where
            yield from _walk(arg[1:], where)
            return
        if key == "Condition" and isinstance(arg, str):
            yield "condition", arg, where
            return
    for item in value.values():
        yield from _walk(item, where)


def _sub(arg: Any, where: str) -> Iterator[tuple[str, str, str]]:
    source, variables = arg, {}
    if isinstance(arg, list) and len(arg) == 2 and isinstance(arg[1], dict):
        source, variables = arg[0], arg[1]
        yield from _walk(list(variables.values()), where)
    if not isinstance(source, str):
        yield from _walk(source, where)
        return
    for match in SUB_VARIABLE.finditer(source):
        name = match.group(1).strip()
        if name in variables:
            continue
        yield ("getatt" if "." in name and not name.startswith("AWS::") else "ref"), name, where
