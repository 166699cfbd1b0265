"""The TAP control catalogue and the custom checkov checks that implement it."""

from __future__ import annotations

from pathlib import Path

from policies.catalog import Catalog, Control, default_catalog, load_catalog
from policies.regions import ALLOWED_REGIONS_ENV, allowed_regions

#: checkov's external checks directory (``--external-checks-dir``).
CHECKS_DIR = Path(__file__).resolve().parent / "checks"

__all__ = [
    "ALLOWED_REGIONS_ENV",
    "CHECKS_DIR",
    "Catalog",
    "Control",
    "allowed_regions",
    "default_catalog",
    "load_catalog",
]
