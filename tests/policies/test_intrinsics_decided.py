"""Intrinsics the template decides: Fn::Split around a reference whose characters AWS
documents, Fn::FindInMap over the entries a deployment can use (each a case of its own)."""

from __future__ import annotations

from typing import Any

from policies.cfn.conditions import every_case
from policies.cfn.intrinsics import Resolver, Token, is_unresolved
from policies.cfn.template import Template

BODY: dict[str, Any] = {
    "Transform": "AWS::LanguageExtensions",
    "Mappings": {"M": {"us-east-1": {"V": "one"}, "eu-west-1": {"V": "two"}}},
    "Resources": {
        "Key": {"Type": "AWS::KMS::Key"},
        "Bucket": {"Type": "AWS::S3::Bucket"},
        "Topic": {"Type": "AWS::SNS::Topic"},
    },
}
RESOLVER = Resolver(Template.from_dict(BODY))


def test_a_key_id_is_selected_from_the_key_arn() -> None:
    value = {"Fn::Select": [1, {"Fn::Split": ["/", {"Fn::GetAtt": ["Key", "Arn"]}]}]}
    assert RESOLVER.resolve(value) == Token("ref", "Key")


def test_a_bucket_name_is_selected_from_the_bucket_arn() -> None:
    value = {"Fn::Select": [5, {"Fn::Split": [":", {"Fn::GetAtt": ["Bucket", "Arn"]}]}]}
    assert RESOLVER.resolve(value) == Token("ref", "Bucket")


def test_a_split_on_a_character_the_reference_may_hold_is_not_decided() -> None:
    # a bucket name may hold dots; a topic's Ref (its ARN) is not documented here
    assert is_unresolved(RESOLVER.resolve({"Fn::Split": [".", {"Ref": "Bucket"}]}))
    assert is_unresolved(RESOLVER.resolve({"Fn::Split": ["/", {"Ref": "Topic"}]}))


def _lookups(value: Any) -> set[Any]:
    template = Template.from_dict(BODY)
    outcomes = every_case(template, lambda r: r.resolve(value), lambda v: not is_unresolved(v))
    return {str(v) for _, v in outcomes.cases}


def test_a_map_key_the_template_does_not_fix_is_each_entry() -> None:
    lookup = {"Fn::FindInMap": ["M", {"Ref": "AWS::Region"}, "V"]}
    assert is_unresolved(RESOLVER.resolve(lookup))
    assert _lookups(lookup) == {"one", "two"}


def test_a_default_value_stands_for_every_missing_key() -> None:
    lookup = {"Fn::FindInMap": ["M", {"Ref": "AWS::Region"}, "V", {"DefaultValue": "three"}]}
    assert _lookups(lookup) == {"one", "two", "three"}


def test_an_output_of_another_stack_is_named_and_not_decided() -> None:
    value = {"Fn::GetStackOutput": {"StackName": "Keys", "OutputName": "KeyArn"}}
    resolved = RESOLVER.resolve(value)
    assert is_unresolved(resolved)
    assert "Fn::GetStackOutput (an output of another stack)" in str(resolved)
