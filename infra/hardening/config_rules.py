"""The AWS Config rules the hardened platform adds: every managed rule the catalogue maps a
control to, and TAP-IAM-01's regional deny as a custom policy rule written in Guard 2.x."""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from pathlib import Path

from aws_cdk import aws_config as config
from constructs import Construct, IDependable

from infra.statements import regional_deny

GUARD_RULE = Path(__file__).with_name("guard") / "regional_deny.guard"
#: The custom policy rule's name: AWS Config has no managed rule for the regional deny.
REGIONAL_DENY_RULE = "TAP_IAM_ROLE_REGIONAL_DENY"


def regional_deny_policy_name(suffix: str) -> str:
    """The name of the customer-managed policy that carries the regional deny."""
    return f"tap-regional-deny-{suffix}"


def statement_json(allowed_regions: Sequence[str]) -> str:
    """The regional-deny statement as IAM stores it (CDK's key order, compact JSON)."""
    statement = regional_deny(allowed_regions).to_statement_json()
    return json.dumps(statement, separators=(",", ":"), sort_keys=True)


#: Whitespace IAM may keep between JSON tokens, literal or percent-encoded.
_SPACE = r"(?:\s|\+|%20|%09|%0A|%0D|%0a|%0d)*"


def encoding_insensitive(text: str) -> str:
    """A regular expression matching compact JSON ``text`` with any character possibly
    percent-encoded and any whitespace between its tokens."""
    parts = []
    for char in text:
        if char.isalnum() or char in "-_.~":
            parts.append(re.escape(char))
            continue
        code = f"{ord(char):02X}"
        parts.append(f"(?:{re.escape(char)}|%{code}|%{code.lower()})")
        if char in "{}[]:,":
            parts.append(_SPACE)
    return "".join(parts).replace("/", "\\/")


def guard_rule(suffix: str, allowed_regions: Sequence[str]) -> str:
    """The Guard 2.x rule text for one environment."""
    statement = statement_json(allowed_regions)
    values = {
        "policy_name": regional_deny_policy_name(suffix),
        "statement": statement,
        "statement_pattern": encoding_insensitive(statement),
        "regions": ", ".join(allowed_regions),
    }
    text = GUARD_RULE.read_text(encoding="utf-8")
    for name, value in values.items():
        text = text.replace("{{ " + name + " }}", value)
    return text


class RegionalDenyConfigRule(Construct):
    """TAP-IAM-01 evaluated by AWS Config on every role and on the regional-deny policy."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        suffix: str,
        allowed_regions: Sequence[str],
        after: Sequence[IDependable],
    ) -> None:
        super().__init__(scope, construct_id)
        self.rule = config.CustomPolicy(
            self,
            "Rule",
            config_rule_name=REGIONAL_DENY_RULE,
            description="TAP-IAM-01: every IAM role denies all actions outside the allowed regions",
            policy_text=guard_rule(suffix, allowed_regions),
            rule_scope=config.RuleScope.from_resources(
                [config.ResourceType.IAM_ROLE, config.ResourceType.IAM_POLICY]
            ),
        )
        self.rule.node.add_dependency(*after)
