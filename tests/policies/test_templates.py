"""Templates: JSON and YAML with short-form intrinsics; bad files are one-line input errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from policies.cfn.template import TemplateError, load_template
from tests.policies.policy_testdata import SMALL_PLATFORM, TEMPLATES


def test_yaml_short_form_intrinsics_become_long_form() -> None:
    template = load_template(SMALL_PLATFORM)
    bucket = template.resources["DataBucket"]["Properties"]
    assert bucket["BucketName"] == {"Fn::Join": ["-", ["tap-data", {"Ref": "Suffix"}]]}
    encryption = bucket["BucketEncryption"]["ServerSideEncryptionConfiguration"][0]
    assert encryption["ServerSideEncryptionByDefault"]["KMSMasterKeyID"] == {
        "Fn::GetAtt": ["DataKey", "Arn"]
    }
    key_policy = template.resources["DataKey"]["Properties"]["KeyPolicy"]
    principal = key_policy["Statement"][0]["Principal"]["AWS"]
    assert principal == {"Fn::Sub": "arn:${AWS::Partition}:iam::${AWS::AccountId}:root"}


def test_template_facts() -> None:
    template = load_template(SMALL_PLATFORM)
    assert template.type_of("HelperRole") == "AWS::IAM::Role"
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
    with pytest.raises(TemplateError) as caught:
        load_template(TEMPLATES / name)
    assert expected in str(caught.value)
    assert "\n" not in str(caught.value)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Resources:\n  A:\n    Type: !Custom x\n", "t.yaml:3: invalid YAML: unknown tag !Custom"),
        (
            "Resources:\n  A: {Type: AWS::S3::Bucket}\n  A: {Type: AWS::SQS::Queue}\n",
            "t.yaml:3: invalid YAML: duplicate key A",
        ),
        ("", "t.yaml: not a CloudFormation template"),
        ("Resources:\n  1: {Type: AWS::S3::Bucket}\n", "resource 1: a logical id is alphanumeric"),
        ("Resources:\n  A.B: {Type: AWS::S3::Bucket}\n", "'A.B': a logical id is alphanumeric"),
        ("Resources: {A: {Type: X, Properties: [1]}}\n", "A: Properties is not a mapping"),
        ("Resources: {A: {Type: X, Metadata: [1]}}\n", "A: Metadata is not a mapping"),
        ('{"Resources": {"A": {"Type": "X"}, "A": {"Type": "Y"}}}', "duplicate key A"),
    ],
)
def test_templates_cloudformation_would_refuse(tmp_path: Path, text: str, expected: str) -> None:
    path = tmp_path / "t.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(TemplateError) as caught:
        load_template(path)
    assert expected in str(caught.value)


def test_known_short_forms_still_load(tmp_path: Path) -> None:
    path = tmp_path / "t.yaml"
    path.write_text("Resources:\n  A:\n    Type: X\n    Properties: {B: !GetAZs '', C: !Cidr [a]}")
    assert load_template(path).resources["A"]["Properties"]["B"] == {"Fn::GetAZs": ""}
