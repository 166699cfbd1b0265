"""The seed stays the "before": the gate, both tools, every severity, fails on the platform as
the seed writes it, with exactly the known failures (tests/fixtures/seed/known-failures.yaml)."""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

import pytest
import yaml

from compliance.record.findings import FindingsRecord
from tests.compliance.engine_testdata import ROOT

KNOWN = ROOT / "tests" / "fixtures" / "seed" / "known-failures.yaml"
pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def seed_record(seed_gate: tuple[int, Path]) -> FindingsRecord:
    return FindingsRecord.model_validate_json((seed_gate[1] / "findings.json").read_text())


def test_the_gate_fails_on_the_seed_with_the_known_failures(
    seed_gate: tuple[int, Path], seed_record: FindingsRecord
) -> None:
    assert seed_gate[0] == 1
    failures: dict[str, list[str]] = defaultdict(list)
    for finding in seed_record.findings:
        if finding.status == "fail":
            failures[finding.rule_id].append(finding.resource.logical_id)
    known = yaml.safe_load(KNOWN.read_text())
    assert {rule: sorted(ids) for rule, ids in failures.items()} == known
    assert not [f for f in seed_record.findings if f.status == "waived"]


def test_both_tools_and_every_severity_catch_the_seed(seed_record: FindingsRecord) -> None:
    failing = [f for f in seed_record.findings if f.status == "fail"]
    assert {f.source for f in failing} == {"checkov", "cdk-nag"}
    assert {f.severity for f in failing} == {"high", "medium", "low"}
    high = {(f.control_id, f.resource.logical_id) for f in failing if f.severity == "high"}
    assert ("TAP-NET-01", "ApiTradingApiDeploymentStagedev014E82F4") in high
    assert sum(control == "TAP-IAM-01" for control, _ in high) == 4
