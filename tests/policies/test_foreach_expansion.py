"""Fn::ForEach (AWS::LanguageExtensions): the template model expands the resources it declares."""

from __future__ import annotations

import pytest

from policies.cfn.template import TemplateError, load_template
from tests.policies.policy_testdata import TEMPLATES


def test_foreach_resources_are_expanded() -> None:
    template = load_template(TEMPLATES / "foreach-buckets.yaml")
    assert sorted(template.resources) == ["Bucketlogs", "Bucketrawdata", "Plain"]
    props = template.resources["Bucketrawdata"]["Properties"]
    assert props["BucketName"] == {"Fn::Sub": "tap-raw-data"}
    assert props["PublicAccessBlockConfiguration"]["RestrictPublicBuckets"] == "raw-data"
    assert template.expanded


def test_foreach_over_a_parameter_is_an_input_error() -> None:
    with pytest.raises(TemplateError, match=r"Fn::ForEach::Buckets.*parameter"):
        load_template(TEMPLATES / "foreach-parameter.yaml")
