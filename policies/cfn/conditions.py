"""A template with the conditions its own text decides applied, as CloudFormation would.

``Fn::Equals`` of literals and ``Fn::Not`` / ``And`` / ``Or`` of those are decided without any
deploy-time input: a resource under an always-false condition is not created, and
``Fn::If`` on a decided condition is its chosen branch (``AWS::NoValue`` removes the property
or list item). checkov's built-in checks read the template as written; they are given this
body instead, so that they judge what would be deployed. Conditions that depend on
parameters stay as written. Both are computed once per template (:meth:`Template.derived`).
"""

from __future__ import annotations

from typing import Any

from policies.cfn.intrinsics import Resolver
from policies.cfn.template import Template

_NO_VALUE = {"Ref": "AWS::NoValue"}
_REMOVED = object()


def decided(template: Template) -> dict[str, bool]:
    """The template's named conditions that its text alone decides, with their truth."""
    return template.derived(_decided)


def deployed_body(template: Template) -> dict[str, Any]:
    """The body without the resources its decided conditions do not create and with each
    ``Fn::If`` on a decided condition replaced by its branch; the body itself when nothing
    is decided."""
    return template.derived(_deployed_body)


def _decided(template: Template) -> dict[str, bool]:
    resolver = Resolver(template)
    truths = {name: resolver.condition(name) for name in template.conditions}
    return {name: truth for name, truth in truths.items() if truth is not None}


def _deployed_body(template: Template) -> dict[str, Any]:
    truths, body = decided(template), template.body
    resources = body.get("Resources")
    if not truths or not isinstance(resources, dict):
        return body
    kept: dict[str, Any] = {}
    for logical_id, resource in resources.items():
        condition = resource.get("Condition") if isinstance(resource, dict) else None
        if isinstance(condition, str) and truths.get(condition) is False:
            continue
        kept[logical_id] = _apply(resource, truths)
    return {**body, "Resources": kept}


def _apply(value: Any, truths: dict[str, bool]) -> Any:
    if isinstance(value, list):
        items = [_apply(item, truths) for item in value]
        return [item for item in items if item is not _REMOVED]
    if not isinstance(value, dict):
        return value
    if len(value) == 1 and "Fn::If" in value:
        arg = value["Fn::If"]
        if isinstance(arg, list) and len(arg) == 3 and truths.get(arg[0]) is not None:
            chosen = arg[1] if truths[arg[0]] else arg[2]
            return _REMOVED if chosen == _NO_VALUE else _apply(chosen, truths)
    applied = {key: _apply(item, truths) for key, item in value.items()}
    return {key: item for key, item in applied.items() if item is not _REMOVED}
