"""Fn::ForEach (AWS::LanguageExtensions): the resources it declares are expanded and judged."""

from __future__ import annotations

from datetime import date

import pytest
from engine_testdata import TEMPLATES

from compliance import engine
from compliance.policy import Policy
from policies import CHECKS_DIR, default_catalog
from policies.cfn.template import TemplateError, load_template

FOREACH = TEMPLATES / "foreach-buckets.yaml"


def test_foreach_resources_are_expanded() -> None:
    template = load_template(FOREACH)
    assert sorted(template.resources) == ["Bucketlogs", "Bucketrawdata", "Plain"]
    props = template.resources["Bucketrawdata"]["Properties"]
    assert props["BucketName"] == {"Fn::Sub": "tap-raw-data"}
    assert props["PublicAccessBlockConfiguration"]["RestrictPublicBuckets"] == "raw-data"
    assert template.expanded


def test_foreach_resources_are_judged_against_the_original_file() -> None:
    policy = Policy(default_catalog(), [], "high", date(2026, 6, 1), CHECKS_DIR)
    record = engine.scan([FOREACH], policy=policy, allowed_regions=None)
    pab = {
        f.resource.logical_id: f.status
        for f in record.findings
        if f.control_id == "TAP-PUB-01" and f.source == "checkov" and f.rule_id.startswith("CKV")
    }
    assert pab == {"Bucketlogs": "fail", "Bucketrawdata": "fail"}
    assert {f.target for f in record.findings} == {record.targets[0].name}
    assert record.targets[0].template.endswith("foreach-buckets.yaml")


def test_foreach_over_a_parameter_is_an_input_error() -> None:
    with pytest.raises(TemplateError, match=r"Fn::ForEach::Buckets.*parameter"):
        load_template(TEMPLATES / "foreach-parameter.yaml")
