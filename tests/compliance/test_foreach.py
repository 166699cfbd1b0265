"""Fn::ForEach (AWS::LanguageExtensions): the resources it declares are judged (their expansion:
tests/policies/test_foreach_expansion.py)."""

from __future__ import annotations

from datetime import date

from compliance import engine
from compliance.policy import Policy
from policies import CHECKS_DIR, default_catalog
from tests.policies.policy_testdata import TEMPLATES


def test_foreach_resources_are_judged_against_the_original_file() -> None:
    policy = Policy(default_catalog(), [], "high", date(2026, 6, 1), CHECKS_DIR)
    record = engine.scan([TEMPLATES / "foreach-buckets.yaml"], policy=policy, allowed_regions=None)
    pab = {
        f.resource.logical_id: f.status
        for f in record.findings
        if f.control_id == "TAP-PUB-01" and f.source == "checkov" and f.rule_id.startswith("CKV")
    }
    assert pab == {"Bucketlogs": "fail", "Bucketrawdata": "fail"}
    assert {f.target for f in record.findings} == {record.targets[0].name}
    assert record.targets[0].template.endswith("foreach-buckets.yaml")
