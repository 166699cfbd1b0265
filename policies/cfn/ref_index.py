"""Which resources of a template a policy resource names by a plain Ref, indexed once.

A bucket policy's ``Bucket`` or an IAM policy's ``Roles`` is most often a plain ``Ref`` to a
resource of the template: it names that resource and no other, and deciding so asks no
condition. Indexing those once per template lets a check find the policies of one resource
without resolving every policy of the template for every resource (quadratic in a large
template). The policies named otherwise must still be resolved resource by resource.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from policies.cfn.template import Template


@dataclass(frozen=True)
class RefIndex:
    """Policies by the resources their plain Refs name, and the policies named otherwise."""

    #: Policy → the resources its plain Refs name (only policies named by plain Refs alone).
    named: dict[str, tuple[str, ...]]
    by_target: dict[str, list[str]]
    #: Policies whose target is not a list of plain Refs: resolve them for every resource.
    other: list[str]
    #: Template order of the policies.
    order: dict[str, int]

    def candidates(self, target: str) -> list[str]:
        """The policies that may name ``target``, in template order."""
        found = [*self.by_target.get(target, ()), *self.other]
        return sorted(found, key=self.order.__getitem__)


def ref_index(
    template: Template,
    policy_types: tuple[str, ...],
    target_type: str,
    targets_of: Callable[[dict[str, Any]], Any],
) -> RefIndex:
    """Index the ``policy_types`` resources by the ``target_type`` resources that the list
    ``targets_of(properties)`` names by plain Refs (anything but a list: not indexed)."""
    policies = template.of_type(*policy_types)
    named: dict[str, tuple[str, ...]] = {}
    for policy_id in policies:
        entries = targets_of(template.properties(policy_id))
        if not isinstance(entries, list):
            continue
        targets = [_plain_ref(template, entry, target_type) for entry in entries]
        plain = tuple(target for target in targets if target is not None)
        if len(plain) == len(targets):
            named[policy_id] = plain
    by_target: dict[str, list[str]] = {}
    for policy_id, names in named.items():
        for target in dict.fromkeys(names):
            by_target.setdefault(target, []).append(policy_id)
    other = [p for p in policies if p not in named]
    return RefIndex(named, by_target, other, {p: i for i, p in enumerate(policies)})


def _plain_ref(template: Template, value: Any, target_type: str) -> str | None:
    """The resource a ``{"Ref": id}`` names when it is a ``target_type`` of the template (a
    parameter of the same name would win: then it is not one)."""
    ref = value.get("Ref") if isinstance(value, dict) and len(value) == 1 else None
    if not isinstance(ref, str) or ref in template.parameters:
        return None
    return ref if template.type_of(ref) == target_type else None
