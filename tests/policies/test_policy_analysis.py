"""The pure analysis library: intrinsic resolution and three-valued wildcard matching."""

from __future__ import annotations

from policies.cfn.intrinsics import Resolver, Text, Token, text
from policies.cfn.matching import ANY, covers, same
from policies.cfn.template import Template
from policies.outcome import Outcome

TEMPLATE = Template.from_dict(
    {
        "Parameters": {"Name": {"Type": "String"}},
        "Conditions": {
            "Literal": {"Fn::Equals": ["a", "a"]},
            "FromParam": {"Fn::Equals": [{"Ref": "Name"}, "x"]},
        },
        "Mappings": {"M": {"k": {"v": "mapped"}}},
        "Resources": {"B": {"Type": "AWS::S3::Bucket"}},
    }
)
RESOLVER = Resolver(TEMPLATE)
ACCOUNT = Token("pseudo", "AWS::AccountId")


def test_sub_and_join_resolve_to_the_same_parts() -> None:
    sub = RESOLVER.resolve({"Fn::Sub": "arn:${AWS::Partition}:s3:::${B}/*"})
    join = RESOLVER.resolve(
        {"Fn::Join": ["", ["arn:", {"Ref": "AWS::Partition"}, ":s3:::", {"Ref": "B"}, "/*"]]}
    )
    assert sub == join == Text(("arn:aws:s3:::", Token("ref", "B"), "/*"))


def test_sub_variables_getatt_and_escapes() -> None:
    value = RESOLVER.resolve({"Fn::Sub": ["${B.Arn}-${x}-${!Literal}", {"x": "y"}]})
    assert value == Text((Token("attr", "B", "Arn"), "-y-${Literal}"))


def test_parameters_and_imports_stay_unresolved() -> None:
    assert RESOLVER.resolve({"Ref": "Name"}).kind == "unresolved"
    assert RESOLVER.resolve({"Fn::ImportValue": "x"}).kind == "unresolved"


def test_if_follows_decidable_conditions_only() -> None:
    assert RESOLVER.resolve({"Fn::If": ["Literal", "yes", "no"]}) == "yes"
    assert RESOLVER.resolve({"Fn::If": ["FromParam", "yes", "no"]}).kind == "unresolved"
    assert RESOLVER.resolve({"Fn::If": ["FromParam", "same", "same"]}) == "same"
    assert RESOLVER.resolve([{"Fn::If": ["Literal", {"Ref": "AWS::NoValue"}, 1]}, 2]) == [2]


def test_select_split_and_find_in_map() -> None:
    assert RESOLVER.resolve({"Fn::Select": [1, {"Fn::Split": [",", "a,b"]}]}) == "b"
    assert RESOLVER.resolve({"Fn::FindInMap": ["M", "k", "v"]}) == "mapped"


def test_text_merges_literals() -> None:
    assert text("a", "b") == "ab"
    assert text("a", ACCOUNT, "") == Text(("a", ACCOUNT))


def test_wildcards_must_cover_the_whole_target() -> None:
    objects = ("arn:aws:s3:::bucket/", ANY)
    assert covers(("arn:aws:s3:::bucket/*",), objects) is Outcome.PASS
    assert covers(("arn:aws:s3:::bucket/reports/*",), objects) is Outcome.FAIL
    assert covers(("arn:aws:s3:::bucket",), objects) is Outcome.FAIL
    assert covers(("*",), objects) is Outcome.PASS
    assert covers(("s3:*",), ("s3:", ANY)) is Outcome.PASS
    assert covers(("S3:*",), ("s3:", ANY), fold_case=True) is Outcome.PASS
    assert covers(("s3:Get*",), ("s3:", ANY)) is Outcome.FAIL
    assert covers(("arn:aws:s3:::b?cket",), ("arn:aws:s3:::bucket",)) is Outcome.PASS


def test_unresolved_parts_make_a_match_unknown_never_pass() -> None:
    unresolved = Token("unresolved", "parameter")
    assert covers(("arn:aws:s3:::", unresolved), ("arn:aws:s3:::bucket",)) is Outcome.UNKNOWN
    name = ("arn:aws:s3:::data-", ACCOUNT)
    assert covers(name, name) is Outcome.PASS
    assert covers(("arn:aws:s3:::data-111122223333",), name) is Outcome.UNKNOWN
    assert covers(("arn:aws:s3:::other-111122223333",), name) is Outcome.FAIL
    other = ("arn:aws:s3:::", Token("ref", "Other"))
    assert covers(other, ("arn:aws:s3:::", Token("ref", "B"))) is Outcome.FAIL


def test_same_is_equality_with_unresolved_parts_unknown() -> None:
    stack = Token("pseudo", "AWS::StackName")
    assert same(("tap-", stack), ("tap-", stack)) is Outcome.PASS
    assert same(("tap-x",), ("tap-", stack)) is Outcome.UNKNOWN
    assert same(("other",), ("tap-", stack)) is Outcome.FAIL
    assert same(("logs-", ACCOUNT), ("data-", stack, "-x")) is Outcome.FAIL
    # a resource's Ref is one fixed (generated) value: equal only to itself
    assert same((Token("ref", "B"),), (Token("ref", "C"),)) is Outcome.FAIL
    assert same((Token("ref", "B"),), ("b",)) is Outcome.FAIL
    assert same((stack,), (Token("ref", "B"),)) is Outcome.UNKNOWN
