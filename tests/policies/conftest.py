"""Policy fixtures judged once per session by our checks' pure judgement."""

from __future__ import annotations

import pytest

from tests.policies.policy_testdata import Results, fixture_templates, run_our_checks


@pytest.fixture(scope="session")
def fixture_results() -> Results:
    """Every policy fixture template, judged once with the default allowed regions."""
    return run_our_checks(fixture_templates())
