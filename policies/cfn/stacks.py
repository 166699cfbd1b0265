"""Across the stacks of one deployment: a value one template writes, as another reads it.

A template names a resource of another stack by ``Fn::ImportValue`` of an export the other
declares (``Outputs.<name>.Export.Name``; CDK's cross-stack references are written so), or by
a literal physical name (an S3 bucket name is globally unique). What it names with its own
references or deploy-time input is not another stack's resource the text can prove.
"""

from __future__ import annotations

from typing import Any

from policies.cfn.intrinsics import Resolver, parts_of, tokens_in
from policies.cfn.matching import same
from policies.cfn.template import Template
from policies.outcome import Outcome


def exports(template: Template) -> dict[str, Any]:
    """Each export the template declares, by its literal name: the value it exports (as
    written). An export whose name the template does not fix is left out."""
    resolver = Resolver(template)
    outputs = template.body.get("Outputs")
    found: dict[str, Any] = {}
    for output in outputs.values() if isinstance(outputs, dict) else ():
        export = output.get("Export") if isinstance(output, dict) else None
        name = resolver.resolve(export.get("Name")) if isinstance(export, dict) else None
        if isinstance(name, str) and "Value" in output:
            found[name] = output["Value"]
    return found


def as_home_value(there: Resolver, value: Any, home: Template) -> Any | None:
    """``value`` of a template (read with ``there``) as the ``home`` template would write it:
    the exported value of home's export it imports, or the literal string it is. None when
    the text does not prove it is a value of home (its own references, deploy-time input,
    an import of another template's export)."""
    if isinstance(value, dict) and set(value) == {"Fn::ImportValue"}:
        name = there.resolve(value["Fn::ImportValue"])
        parts = parts_of(name)
        if parts is None:
            return None
        home_exports = home.derived(exports)
        for export, exported in home_exports.items():
            if same(parts, (export,)) is Outcome.PASS:
                return exported
        return None
    resolved = there.resolve(value)
    return resolved if isinstance(resolved, str) and not tokens_in(resolved) else None
