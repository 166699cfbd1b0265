"""Two-way coverage with AWS Config: every control that Config can check has a rule the
hardened platform deploys, and every rule the platform deploys belongs to a control."""

from __future__ import annotations

from typing import Any

import pytest

from policies.catalog import default_catalog
from policies.cfn.template import config_rule_identifier

NAMES = ("dev", "staging", "prod")


def deployed_rules(template: dict[str, Any]) -> set[str]:
    """The identifiers of the Config rules the template deploys (each has one)."""
    found = set()
    for resource in template["Resources"].values():
        if resource["Type"] != "AWS::Config::ConfigRule":
            continue
        assert resource["Properties"]["Source"]["Owner"] in ("AWS", "CUSTOM_POLICY"), resource
        identifier = config_rule_identifier(resource["Properties"])
        assert identifier is not None, resource
        found.add(identifier)
    return found


def orphans(deployed: set[str]) -> tuple[list[str], list[str]]:
    """(controls whose Config rules are not deployed, deployed rules no control names)."""
    controls = [c for c in default_catalog().controls if c.config_rules]
    uncovered = [
        f"{c.id}: {rule}" for c in controls for rule in c.config_rules if rule not in deployed
    ]
    mapped = {rule for c in controls for rule in c.config_rules}
    return uncovered, sorted(deployed - mapped)


@pytest.mark.parametrize("name", NAMES)
def test_no_orphan_either_way(template_dicts: dict[str, dict[str, Any]], name: str) -> None:
    uncovered, unmapped = orphans(deployed_rules(template_dicts[name]))
    assert uncovered == [], "controls AWS Config can check but the platform does not deploy"
    assert unmapped == [], "Config rules the platform deploys that belong to no control"


def test_the_regional_deny_is_covered_by_its_custom_rule() -> None:
    control = default_catalog().control("TAP-IAM-01")
    assert control.config_rules == ["TAP_IAM_ROLE_REGIONAL_DENY"]


def test_an_orphan_either_way_is_caught() -> None:
    every = {rule for c in default_catalog().controls for rule in c.config_rules}
    assert orphans(every) == ([], [])
    uncovered, _ = orphans(every - {"VPC_FLOW_LOGS_ENABLED"})
    assert uncovered == ["TAP-LOG-03: VPC_FLOW_LOGS_ENABLED"]
    _, unmapped = orphans(every | {"EIP_ATTACHED"})
    assert unmapped == ["EIP_ATTACHED"]
