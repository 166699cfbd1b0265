"""The conditions a template's text decides, applied as CloudFormation would: decided once per
template model, never carried over to a model with another body."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from policies.cfn import conditions
from policies.cfn.intrinsics import Resolver
from policies.cfn.parameters import apply_parameters
from policies.cfn.template import Template

NEVER = {"Fn::Equals": ["a", "b"]}
ALWAYS = {"Fn::Not": [NEVER]}


def _template(conditions_: dict[str, Any], resources: dict[str, Any]) -> Template:
    return Template.from_dict({"Conditions": conditions_, "Resources": resources})


def test_conditions_of_literals_are_decided_and_those_of_parameters_are_not() -> None:
    template = Template.from_dict(
        {
            "Parameters": {"Env": {"Type": "String"}},
            "Conditions": {
                "Never": NEVER,
                "Always": ALWAYS,
                "Both": {"Fn::And": [{"Condition": "Always"}, {"Condition": "Never"}]},
                "Prod": {"Fn::Equals": [{"Ref": "Env"}, "prod"]},
            },
            "Resources": {"A": {"Type": "T"}},
        }
    )
    assert conditions.decided(template) == {"Never": False, "Always": True, "Both": False}


def test_the_deployed_body_is_what_the_decided_conditions_deploy() -> None:
    template = _template(
        {"Never": NEVER, "Always": ALWAYS},
        {
            "Gone": {"Type": "T", "Condition": "Never"},
            "Kept": {
                "Type": "T",
                "Condition": "Always",
                "Properties": {
                    "Chosen": {"Fn::If": ["Always", "yes", "no"]},
                    "Removed": {"Fn::If": ["Always", {"Ref": "AWS::NoValue"}, 1]},
                    "Items": [1, {"Fn::If": ["Never", 2, {"Ref": "AWS::NoValue"}]}, 3],
                    "Open": {"Fn::If": ["Unknown", 1, 2]},
                },
            },
        },
    )
    deployed = conditions.deployed_body(template)
    assert deployed["Resources"] == {
        "Kept": {
            "Type": "T",
            "Condition": "Always",
            "Properties": {"Chosen": "yes", "Items": [1, 3], "Open": {"Fn::If": ["Unknown", 1, 2]}},
        }
    }
    assert deployed["Conditions"] is template.body["Conditions"]


def test_a_template_that_decides_nothing_is_deployed_as_written() -> None:
    template = _template({}, {"A": {"Type": "T", "Properties": {"X": 1}}})
    assert conditions.deployed_body(template) is template.body
    assert conditions.decided(template) == {}


def test_the_conditions_are_decided_once_per_template(monkeypatch: pytest.MonkeyPatch) -> None:
    built: list[Template] = []

    def counting(template: Template, *args: Any) -> Resolver:
        built.append(template)
        return Resolver(template, *args)

    monkeypatch.setattr(conditions, "Resolver", counting)
    template = _template({"Never": NEVER}, {"A": {"Type": "T", "Condition": "Never"}})
    first = conditions.deployed_body(template)
    made = len(built)
    assert conditions.deployed_body(template) is first
    assert conditions.decided(template) is conditions.decided(template)
    assert len(built) == made + 1  # the view's fresh resolver; nothing decided again


def test_a_model_with_another_body_decides_its_own_conditions() -> None:
    """As the engine reads a template with ``--parameter`` values: ``replace`` on its body."""
    template = Template.from_dict(
        {
            "Parameters": {"Env": {"Type": "String"}},
            "Conditions": {"Prod": {"Fn::Equals": [{"Ref": "Env"}, "prod"]}},
            "Resources": {"ProdOnly": {"Type": "T", "Condition": "Prod"}},
        }
    )
    assert conditions.decided(template) == {}
    assert "ProdOnly" in conditions.deployed_body(template)["Resources"]

    body, used = apply_parameters(template.body, {"Env": "dev"}, Path("t.yaml"))
    with_values = replace(template, body=body)
    assert used == {"Env": "dev"}
    assert conditions.decided(with_values) == {"Prod": False}
    assert conditions.deployed_body(with_values)["Resources"] == {}
    # the first model's memo is its own
    assert conditions.decided(template) == {}
