"""Each control's pass and fail fixtures give exactly the expected verdict per resource."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from policies import default_catalog
from tests.policies.policy_testdata import FIXTURES, Results

#: Controls proved by our own checks (the others' fixtures: test_policy_tool_fixtures.py).
CONTROLS = sorted(
    p.name
    for p in FIXTURES.iterdir()
    if (p / "expected.yaml").is_file() and default_catalog().control(p.name).implemented_by.checkov
)


def _expected(control: str) -> dict[str, dict[str, dict[str, list[str]]]]:
    """Our checks' expectations (the cdk-nag rules beside them: test_policy_tool_fixtures.py)."""
    with (FIXTURES / control / "expected.yaml").open(encoding="utf-8") as handle:
        data: dict[str, dict[str, dict[str, list[str]]]] = yaml.safe_load(handle)
    return {rule: files for rule, files in data.items() if rule.startswith("CKV")}


@pytest.mark.parametrize("control", CONTROLS)
def test_fixture_verdicts_are_exact(control: str, fixture_results: Results) -> None:
    expected = _expected(control)
    assert set(expected) == set(default_catalog().control(control).implemented_by.checkov)
    for check_id, files in expected.items():
        for name, by_status in files.items():
            path = (FIXTURES / control / name).resolve()
            want = {lid: status for status, ids in by_status.items() for lid in ids}
            got = {
                lid: status
                for (cid, file, lid), status in fixture_results.items()
                if cid == check_id and file == path
            }
            assert got == want, f"{check_id} on {control}/{name}"


@pytest.mark.parametrize("control", CONTROLS)
def test_every_control_has_pass_and_fail_fixtures(control: str) -> None:
    statuses = {
        status
        for files in _expected(control).values()
        for by_status in files.values()
        for status, ids in by_status.items()
        if ids
    }
    assert {"pass", "fail"} <= statuses


def test_every_custom_check_has_fixtures() -> None:
    covered = {check for control in CONTROLS for check in _expected(control)}
    ours = {r for c in default_catalog().controls for r in c.implemented_by.checkov}
    assert covered == ours


def test_unknown_never_reaches_checkov_as_a_pass(fixture_results: Results) -> None:
    assert "unknown" in fixture_results.values()


def test_fixture_files_exist() -> None:
    for control in CONTROLS:
        for files in _expected(control).values():
            for name in files:
                assert Path(FIXTURES / control / name).is_file(), f"{control}/{name}"
