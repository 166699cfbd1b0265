"""Paths and dates the engine's tests share (imported by the tests and conftest)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
DATA = HERE / "data"
TEMPLATES = ROOT / "tests" / "fixtures" / "templates"
SMALL_PLATFORM = TEMPLATES / "small-platform.yaml"
SARIF_SCHEMA = ROOT / "tests" / "fixtures" / "sarif" / "sarif-schema-2.1.0.json"
TODAY = date(2026, 6, 1)
