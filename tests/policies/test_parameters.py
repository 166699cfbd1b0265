"""A template read with the parameter values a user gives, as CloudFormation reads it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from policies.cfn.parameters import apply_parameters, unused
from policies.cfn.template import TemplateError

PARAMETERS = {
    "Env": {"Type": "String", "AllowedValues": ["dev", "prod"]},
    "Cidrs": {"Type": "CommaDelimitedList"},
    "Name": {"Type": "String", "AllowedPattern": "[a-z${}]+"},
    "Latest": {"Type": "AWS::SSM::Parameter::Value<String>"},
}


def _applied(value: Any, **given: str) -> Any:
    body = {"Parameters": PARAMETERS, "Resources": {"A": {"Type": "T", "Properties": {"X": value}}}}
    applied, _ = apply_parameters(body, given, Path("t.yaml"))
    return applied["Resources"]["A"]["Properties"]["X"]


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ({"Ref": "Env"}, "dev"),
        ({"Ref": "Cidrs"}, ["10.0.0.0/8", "10.1.0.0/16"]),
        ({"Fn::Sub": "${Env}-${ Env }-${!Env}"}, {"Fn::Sub": "dev-dev-${!Env}"}),
        ({"Fn::Sub": "${!A${Env}"}, {"Fn::Sub": "${!Adev"}),  # a ${ inside a literal: a variable
        ({"Fn::Sub": "${Cidrs}"}, {"Fn::Sub": "${Cidrs}"}),  # a list is no string to substitute
        ({"Fn::Sub": ["${Env}", {"Env": {"Ref": "Env"}}]}, {"Fn::Sub": ["${Env}", {"Env": "dev"}]}),
        ({"Ref": "Latest"}, {"Ref": "Latest"}),  # the name of an SSM parameter, not its value
    ],
)
def test_the_given_values_replace_their_parameters(value: Any, expected: Any) -> None:
    assert _applied(value, Env="dev", Cidrs="10.0.0.0/8, 10.1.0.0/16", Latest="x") == expected


def test_a_substituted_value_is_literal() -> None:
    assert _applied({"Fn::Sub": "${Name}"}, Name="a${b}") == {"Fn::Sub": "a${!b}"}


def test_a_template_given_none_of_its_parameters_is_itself() -> None:
    body = {"Parameters": PARAMETERS, "Resources": {"A": {"Type": "T"}}}
    assert apply_parameters(body, {"Other": "x"}, Path("t.yaml")) == (body, {})
    assert unused({"Other": "x", "Env": "dev"}, [body]) == ["Other"]


@pytest.mark.parametrize(
    ("given", "problem"),
    [
        ({"Env": "test"}, "parameter Env: 'test' is not one of its AllowedValues"),
        ({"Name": "A"}, "parameter Name: 'A' does not match its AllowedPattern"),
    ],
)
def test_a_value_the_parameter_refuses_is_a_template_error(
    given: dict[str, str], problem: str
) -> None:
    body = {"Parameters": PARAMETERS, "Resources": {"A": {"Type": "T"}}}
    with pytest.raises(TemplateError, match=problem):
        apply_parameters(body, given, Path("t.yaml"))
