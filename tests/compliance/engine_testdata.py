"""Paths and dates the engine's tests share (imported by the tests and conftest)."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
DATA = HERE / "data"
SARIF_SCHEMA = ROOT / "tests" / "fixtures" / "sarif" / "sarif-schema-2.1.0.json"
TODAY = date(2026, 6, 1)


def with_expiry(waivers_yaml: str, expires: str) -> str:
    """A waiver file's text with every waiver expiring on ``expires``."""
    return re.sub(r"(?m)^(\s*expires:\s*)\S+", rf"\g<1>{expires}", waivers_yaml)


def with_approval(waivers_yaml: str, approved: str) -> str:
    """A waiver file's text with every waiver approved on ``approved``."""
    return re.sub(r"(?m)^(\s*approved:\s*)\S+", rf"\g<1>{approved}", waivers_yaml)


def unexpiring(waivers_yaml: str) -> str:
    """The waivers expiring far in the future: tests that must not depend on today's date."""
    return with_expiry(with_approval(waivers_yaml, "2999-01-01"), "2999-12-31")
