"""Fixtures of the engine's tests: a small catalogue and check, templates, one real check run."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from compliance import engine
from compliance.policy import Policy
from compliance.record.findings import FindingsRecord
from policies.catalog import Catalog, load_catalog
from tests.compliance.app_copy import copy_app, run_gate
from tests.compliance.engine_testdata import DATA, TODAY
from tests.policies.policy_testdata import SMALL_PLATFORM


@pytest.fixture(scope="session")
def test_catalog() -> Catalog:
    """Four controls over real checkov built-ins, cdk-nag rules and the test check."""
    return load_catalog(DATA / "catalog.yaml")


@pytest.fixture(scope="session")
def test_policy(test_catalog: Catalog) -> Policy:
    """The test catalogue, no waivers, the default threshold, a fixed date."""
    return Policy(test_catalog, [], "high", TODAY, DATA / "checks")


@pytest.fixture(scope="session")
def small_record(test_policy: Policy) -> FindingsRecord:
    """The small YAML platform scanned once with the test catalogue and no waivers."""
    return engine.scan([SMALL_PLATFORM], policy=test_policy, allowed_regions=["us-east-1"])


@pytest.fixture(scope="session")
def platform_gate(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, Any]]:
    """The gate on the three environments of a copy of the app, without waivers, failing on
    medium and above: (copy, record). Without its waivers main fails there (its medium
    findings); at high it passes, TAP-DAT-01 being not applicable by design in dev and staging.

    The base of the pull-request tests; its SARIF and its source locations are tested too.
    """
    folder = copy_app(tmp_path_factory.mktemp("base"))
    _, record, _ = run_gate(folder, "--env", "all", "--fail-on", "medium")
    return folder, record
