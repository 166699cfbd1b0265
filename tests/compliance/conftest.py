"""Fixtures of the engine's tests: a small catalogue and check, templates, one real check run."""

from __future__ import annotations

import pytest
from engine_testdata import DATA, SMALL_PLATFORM, TODAY

from compliance import engine
from compliance.record import FindingsRecord
from policies.catalog import Catalog, load_catalog


@pytest.fixture(scope="session")
def test_catalog() -> Catalog:
    """Four controls over real checkov built-ins, cdk-nag rules and the test check."""
    return load_catalog(DATA / "catalog.yaml")


@pytest.fixture(scope="session")
def test_policy(test_catalog: Catalog) -> engine.Policy:
    """The test catalogue, no waivers, the default threshold, a fixed date."""
    return engine.Policy(test_catalog, [], "high", TODAY, DATA / "checks")


@pytest.fixture(scope="session")
def small_record(test_policy: engine.Policy) -> FindingsRecord:
    """The small YAML platform scanned once with the test catalogue and no waivers."""
    return engine.scan([SMALL_PLATFORM], policy=test_policy, allowed_regions=["us-east-1"])
