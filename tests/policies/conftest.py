"""Policy fixtures judged once per session by checkov's own runner with our checks loaded."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest
from policy_testdata import FIXTURES, Results, run_our_checks

from policies import ALLOWED_REGIONS_ENV


@pytest.fixture(scope="session")
def default_regions() -> Iterator[None]:
    """Judge with the default allowed regions (us-east-1) whatever the caller's shell says."""
    saved = os.environ.pop(ALLOWED_REGIONS_ENV, None)
    yield
    if saved is not None:
        os.environ[ALLOWED_REGIONS_ENV] = saved


@pytest.fixture(scope="session")
def fixture_results(default_regions: None) -> Results:
    """Every policy fixture template, judged once."""
    templates = sorted(p for p in FIXTURES.rglob("*") if p.suffix in (".yaml", ".json"))
    return run_our_checks([p for p in templates if p.name != "expected.yaml"])
