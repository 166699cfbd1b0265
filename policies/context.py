"""What a check is told about the deployment it judges, passed explicitly to every check."""

from __future__ import annotations

from dataclasses import dataclass

#: The regions TAP may operate in when nobody says otherwise (plain checkov uses these).
DEFAULT_ALLOWED_REGIONS = ("us-east-1",)


@dataclass(frozen=True)
class Context:
    """The deployment a template belongs to: the regions its roles may act in (TAP-IAM-01)."""

    allowed_regions: tuple[str, ...] = DEFAULT_ALLOWED_REGIONS

    @staticmethod
    def for_regions(regions: tuple[str, ...] | list[str] | None) -> Context:
        """A context for these regions (normalised to lower case); the default when none."""
        cleaned = tuple(r.strip().lower() for r in regions or () if r.strip())
        return Context(cleaned or DEFAULT_ALLOWED_REGIONS)
