"""The values a parameter can take at deploy time, where the template bounds them.

CloudFormation refuses a value outside a parameter's ``AllowedValues`` (and one its
``AllowedPattern`` does not match), so such a parameter takes one of finitely many values:
its domain. A parameter without ``AllowedValues`` that conditions compare with literals
(``Fn::Equals [!Ref Env, prod]``) matters to them only as one of those literals or
:data:`OTHER`, any value but those. List and SSM parameter types have no domain here.
(AWS: "Parameters" in the CloudFormation User Guide, AllowedValues and AllowedPattern;
``Fn::Equals`` in the intrinsic function reference.)
"""

from __future__ import annotations

import re
from typing import Any, Final

from policies.cfn.template import Template


class _Other:
    """A value of a parameter other than every literal the template compares it with."""

    def __repr__(self) -> str:
        return "OTHER"


OTHER: Final = _Other()
Value = str | _Other


def domains(template: Template) -> dict[str, tuple[Value, ...]]:
    """Each parameter's domain, for the parameters that have one (computed once)."""
    return template.derived(_domains)


def scalar(value: Any) -> str | None:
    """A literal as CloudFormation compares it (a string; YAML's booleans spelled as JSON)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str | int | float):
        return str(value)
    return None


def matches(spec: dict[str, Any], value: str) -> bool:
    """Whether the parameter's AllowedPattern lets the value through (a pattern Python
    cannot read lets everything through: CloudFormation decides at deploy time)."""
    pattern = spec.get("AllowedPattern")
    if not isinstance(pattern, str):
        return True
    try:
        return re.fullmatch(pattern, value) is not None
    except re.error:
        return True


def _domains(template: Template) -> dict[str, tuple[Value, ...]]:
    compared = _compared(template.conditions)
    found: dict[str, tuple[Value, ...]] = {}
    for name, spec in template.parameters.items():
        if not isinstance(spec, dict) or not _scalar_type(spec):
            continue
        allowed = spec.get("AllowedValues")
        if isinstance(allowed, list):
            values = [v for v in map(scalar, allowed) if v is not None]
            if len(values) == len(allowed) and values:
                fitting = [v for v in dict.fromkeys(values) if matches(spec, v)]
                found[name] = tuple(fitting or dict.fromkeys(values))
            continue
        literals = [v for v in dict.fromkeys(compared.get(name, [])) if matches(spec, v)]
        if literals:
            found[name] = (*literals, OTHER)
    return found


def _scalar_type(spec: dict[str, Any]) -> bool:
    kind = str(spec.get("Type", "String"))
    return kind in ("String", "Number") or kind.startswith("AWS::EC2::")


def _compared(value: Any, found: dict[str, list[str]] | None = None) -> dict[str, list[str]]:
    """Parameter name -> the literals an ``Fn::Equals`` compares its ``Ref`` with."""
    found = {} if found is None else found
    if isinstance(value, list):
        for item in value:
            _compared(item, found)
    elif isinstance(value, dict):
        arg = value.get("Fn::Equals") if len(value) == 1 else None
        if isinstance(arg, list) and len(arg) == 2:
            for ref, other in (arg, arg[::-1]):
                literal = scalar(other)
                if isinstance(ref, dict) and set(ref) == {"Ref"} and literal is not None:
                    found.setdefault(str(ref["Ref"]), []).append(literal)
        for item in value.values():
            _compared(item, found)
    return found
