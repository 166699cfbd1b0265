"""What a reader gives back: a resource's properties in the template's shape, and the
resources beside it that carry its settings (a bucket's policy, a role's managed policies)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Live:
    """One resource's live properties and the resources written beside it."""

    properties: dict[str, Any]
    siblings: dict[str, dict[str, Any]] = field(default_factory=dict)
