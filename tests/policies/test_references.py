"""References to undeclared names and null values, which CloudFormation rejects, are named."""

from __future__ import annotations

import pytest

from policies.cfn.references import null_value, template_problem, undeclared_reference


@pytest.mark.parametrize(
    ("body", "problem"),
    [
        ({"Resources": {"A": {"Type": "T", "Properties": {"X": {"Ref": "Nope"}}}}}, "Nope"),
        (
            {"Resources": {"A": {"Type": "T", "Properties": {"X": {"Fn::GetAtt": ["B", "Arn"]}}}}},
            "B is neither a resource",
        ),
        (
            {"Resources": {"A": {"Type": "T", "Properties": {"X": {"Fn::Sub": "${Gone}-x"}}}}},
            "Gone",
        ),
        ({"Resources": {"A": {"Type": "T", "Condition": "Missing"}}}, "condition Missing"),
        (
            {"Resources": {"A": {"Type": "T", "Properties": {"X": {"Fn::If": ["C", 1, 2]}}}}},
            "condition C",
        ),
        ({"Resources": {"A": {"Type": "T"}}, "Outputs": {"O": {"Value": {"Ref": "Z"}}}}, "Z"),
    ],
)
def test_undeclared_references_are_named(body: dict, problem: str) -> None:  # type: ignore[type-arg]
    found = undeclared_reference(body)
    assert found is not None and problem in found


@pytest.mark.parametrize(
    "body",
    [
        {
            "Parameters": {"P": {"Type": "String"}},
            "Resources": {
                "A": {"Type": "T"},
                "B": {
                    "Type": "T",
                    "Properties": {
                        "X": {"Ref": "A"},
                        "Y": {"Fn::GetAtt": "A.Arn"},
                        "Z": {"Fn::Sub": "${P}-${A.Arn}-${AWS::Region}-${!Literal}"},
                        "W": {"Fn::Sub": ["${V}", {"V": {"Ref": "P"}}]},
                        "N": {"Ref": "AWS::NoValue"},
                    },
                },
            },
        },
        {  # SAM's implicit resources
            "Transform": "AWS::Serverless-2016-10-31",
            "Resources": {
                "Fn": {"Type": "AWS::Serverless::Function"},
                "Out": {
                    "Type": "T",
                    "Properties": {
                        "R": {"Fn::GetAtt": "FnRole.Arn"},
                        "A": {"Ref": "ServerlessRestApi"},
                    },
                },
            },
        },
    ],
)
def test_declared_references_pass(body: dict) -> None:  # type: ignore[type-arg]
    assert undeclared_reference(body) is None


@pytest.mark.parametrize(
    ("source", "problem"),
    [
        ("${ Gone }", "Gone is neither"),  # the name is read stripped
        ("${!Literal}${Gone}", "Gone is neither"),
        ("${!Literal${Gone}", "Gone is neither"),  # a ${ inside a literal starts a variable
        ("${Gone.Arn}", "Gone.Arn is neither a resource nor"),
    ],
)
def test_fn_sub_variables_are_references(source: str, problem: str) -> None:
    body = {"Resources": {"A": {"Type": "T", "Properties": {"X": {"Fn::Sub": source}}}}}
    found = undeclared_reference(body)
    assert found is not None and problem in found


@pytest.mark.parametrize("source", ["${!Literal}", "${}", "no variable", "${V}"])
def test_fn_sub_literals_and_its_own_variables_are_no_references(source: str) -> None:
    body = {"Resources": {"A": {"Type": "T", "Properties": {"X": {"Fn::Sub": [source, {"V": 1}]}}}}}
    assert undeclared_reference(body) is None


def test_a_null_value_is_named_where_it_is() -> None:
    body = {"Resources": {"A": {"Type": "T", "Properties": {"X": [1, None]}}}}
    assert (
        null_value(body) == "Resources.A.Properties.X.1: a null value (CloudFormation allows none)"
    )
    assert template_problem(body) == null_value(body)
    assert null_value({"Resources": {"A": {"Type": "T"}}}) is None
