"""Load a CloudFormation template (JSON or YAML, short-form intrinsics) once per file."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from checkov.cloudformation.parser import parse

_CACHE: dict[tuple[str, int, int], Template] = {}


class TemplateError(ValueError):
    """The file is not a CloudFormation template this library can read."""


@dataclass(frozen=True)
class Template:
    """A template as plain data, with the sections the analysis reads."""

    path: str
    body: dict[str, Any]
    resources: dict[str, dict[str, Any]] = field(init=False)
    parameters: dict[str, Any] = field(init=False)
    conditions: dict[str, Any] = field(init=False)
    mappings: dict[str, Any] = field(init=False)

    def __post_init__(self) -> None:
        for section in ("Resources", "Parameters", "Conditions", "Mappings"):
            value = self.body.get(section) or {}
            if not isinstance(value, dict):
                raise TemplateError(f"{self.path}: {section} is not a mapping")
            object.__setattr__(self, section.lower(), value)

    @staticmethod
    def from_dict(body: dict[str, Any], path: str = "<memory>") -> Template:
        """A template from already-parsed data (keys starting with ``__`` are dropped)."""
        plain = _plain(body)
        if not isinstance(plain, dict):
            raise TemplateError(f"{path}: a template must be a mapping")
        return Template(path=path, body=plain)

    def resource(self, logical_id: str) -> dict[str, Any] | None:
        """The resource with this logical id, if it is a mapping."""
        value = self.resources.get(logical_id)
        return value if isinstance(value, dict) else None

    def type_of(self, logical_id: str) -> str | None:
        """The resource type of a logical id, or None when it is not a resource."""
        resource = self.resource(logical_id)
        kind = resource.get("Type") if resource else None
        return kind if isinstance(kind, str) else None

    def properties(self, logical_id: str) -> dict[str, Any]:
        """The resource's Properties (empty when absent); a SAM resource's include what it
        inherits from the template's Globals, as the SAM transform merges them."""
        resource = self.resource(logical_id) or {}
        props = resource.get("Properties")
        props = props if isinstance(props, dict) else {}
        section = SAM_GLOBALS.get(str(resource.get("Type")))
        globals_ = self.body.get("Globals")
        inherited = globals_.get(section) if section and isinstance(globals_, dict) else None
        if isinstance(inherited, dict) and inherited:
            merged = _sam_merge(inherited, props)
            return merged if isinstance(merged, dict) else props
        return props

    def of_type(self, *types: str) -> list[str]:
        """Logical ids of the resources of the given types, in template order."""
        return [lid for lid in self.resources if self.type_of(lid) in types]


#: SAM resource types and the Globals section each inherits from.
SAM_GLOBALS = {
    f"AWS::Serverless::{kind}": kind
    for kind in ("Function", "Api", "HttpApi", "SimpleTable", "StateMachine", "LayerVersion")
}


def _sam_merge(inherited: Any, own: Any) -> Any:
    """SAM's Globals rules: maps merge key by key (the resource's value wins), lists
    concatenate, anything else the resource sets replaces the global value. An intrinsic
    function on either side is not merged: the resource's value stands."""
    if isinstance(inherited, dict) and isinstance(own, dict):
        if _intrinsic(inherited) or _intrinsic(own):
            return own
        merged = dict(inherited)
        for key, value in own.items():
            merged[key] = _sam_merge(inherited[key], value) if key in inherited else value
        return merged
    if isinstance(inherited, list) and isinstance(own, list):
        return [*inherited, *own]
    return own


def _intrinsic(value: dict[str, Any]) -> bool:
    if len(value) == 1 and next(iter(value)) in ("Ref", "Condition"):
        return True
    return any(str(key).startswith("Fn::") for key in value)


def load_template(path: str | os.PathLike[str]) -> Template:
    """Parse a template file with checkov's CloudFormation parser (cached per file version)."""
    resolved = Path(path).resolve()
    try:
        stat = resolved.stat()
    except OSError as error:
        raise TemplateError(f"{path}: cannot read ({error.strerror})") from error
    key = (str(resolved), stat.st_mtime_ns, stat.st_size)
    if key not in _CACHE:
        body, _ = parse(str(resolved))
        if not isinstance(body, dict):
            raise TemplateError(f"{path}: not a CloudFormation template (unparsable or empty)")
        _CACHE[key] = Template.from_dict(body, str(resolved))
    return _CACHE[key]


def _plain(value: Any) -> Any:
    """Plain dict/list/str copies of checkov's parser nodes, without its ``__`` keys."""
    if isinstance(value, dict):
        return {
            str(k): _plain(v)
            for k, v in value.items()
            if not (isinstance(k, str) and k.startswith("__"))
        }
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, bool | int | float) or value is None:
        return value
    return str(value)
