"""The regions TAP may operate in (configuration for TAP-IAM-01)."""

from __future__ import annotations

import os

ALLOWED_REGIONS_ENV = "TAP_ALLOWED_REGIONS"
DEFAULT_ALLOWED_REGIONS = ("us-east-1",)


def allowed_regions() -> tuple[str, ...]:
    """Regions from ``TAP_ALLOWED_REGIONS`` (comma-separated), default us-east-1."""
    raw = os.environ.get(ALLOWED_REGIONS_ENV, "")
    regions = tuple(r.strip().lower() for r in raw.split(",") if r.strip())
    return regions or DEFAULT_ALLOWED_REGIONS
