"""Templates: JSON and YAML with short-form intrinsics; bad files are one-line input errors."""

from __future__ import annotations

import pytest
from engine_testdata import SMALL_PLATFORM, TEMPLATES

from compliance.errors import InputError
from compliance.templates import load_template


def test_yaml_short_form_intrinsics_become_long_form() -> None:
    template = load_template(SMALL_PLATFORM)
    bucket = template.resources()["DataBucket"]["Properties"]
    assert bucket["BucketName"] == {"Fn::Join": ["-", ["tap-data", {"Ref": "Suffix"}]]}
    encryption = bucket["BucketEncryption"]["ServerSideEncryptionConfiguration"][0]
    assert encryption["ServerSideEncryptionByDefault"]["KMSMasterKeyID"] == {
        "Fn::GetAtt": ["DataKey", "Arn"]
    }
    key_policy = template.resources()["DataKey"]["Properties"]["KeyPolicy"]
    principal = key_policy["Statement"][0]["Principal"]["AWS"]
    assert principal == {"Fn::Sub": "arn:${AWS::Partition}:iam::${AWS::AccountId}:root"}


def test_template_facts() -> None:
    template = load_template(SMALL_PLATFORM)
    assert template.resource_type("HelperRole") == "AWS::IAM::Role"
    assert (
        template.line_of("HelperRole")
        == SMALL_PLATFORM.read_text().splitlines().index("  HelperRole:") + 1
    )
    assert len(template.sha256) == 64


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("broken-json.template.json", "broken-json.template.json:7: invalid JSON"),
        ("broken-yaml.yaml", "broken-yaml.yaml:6: invalid YAML"),
        ("not-a-template.yaml", "not-a-template.yaml: not a CloudFormation template"),
        ("missing.json", "missing.json: no such file"),
    ],
)
def test_bad_templates_are_one_line_input_errors(name: str, expected: str) -> None:
    with pytest.raises(InputError) as caught:
        load_template(TEMPLATES / name)
    assert expected in str(caught.value)
    assert "\n" not in str(caught.value)
