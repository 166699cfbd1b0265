"""The TAP control catalogue and the custom checks that implement it."""

from __future__ import annotations

from pathlib import Path

from policies.catalog import Catalog, Control, default_catalog, load_catalog
from policies.context import DEFAULT_ALLOWED_REGIONS, Context

#: checkov's external checks directory (``--external-checks-dir``).
CHECKS_DIR = Path(__file__).resolve().parent / "checks"

__all__ = [
    "CHECKS_DIR",
    "DEFAULT_ALLOWED_REGIONS",
    "Catalog",
    "Context",
    "Control",
    "default_catalog",
    "load_catalog",
]
