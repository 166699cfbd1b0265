"""Does a policy statement grant access to everyone?"""

from __future__ import annotations

import ipaddress
from functools import cache
from pathlib import Path
from typing import Any

from policies.cfn.documents import as_list, condition_blocks, effect_is, grants_everyone
from policies.cfn.intrinsics import is_unresolved, parts_of
from policies.files import load_yaml
from policies.outcome import Outcome, all_of

_RULES = Path(__file__).resolve().parent.parent / "public_conditions.yaml"


@cache
def _rules() -> dict[str, Any]:
    with _RULES.open(encoding="utf-8") as handle:
        rules: dict[str, Any] = load_yaml(handle)
    rules["keys"] = {key.lower() for key in rules["keys"]}
    return rules


def is_public_grant(statement: dict[str, Any]) -> Outcome:
    """PASS when the statement allows every principal and no condition restricts it."""
    return all_of(
        [effect_is(statement, "Allow"), grants_everyone(statement), _unrestricted(statement)]
    )


def _unrestricted(statement: dict[str, Any]) -> Outcome:
    blocks = condition_blocks(statement)
    if blocks is None:
        return Outcome.UNKNOWN
    rules = _rules()
    undecided = False
    for operator, block in blocks.items():
        if operator not in rules["operators"]:
            continue
        for key, value in block.items():
            if key.lower() not in rules["keys"]:
                continue
            fixed = _fixed(key.lower(), as_list(value), rules)
            if fixed is None:
                undecided = True
            elif fixed:
                return Outcome.FAIL
    return Outcome.UNKNOWN if undecided else Outcome.PASS


def _fixed(key: str, values: list[Any], rules: dict[str, Any]) -> bool | None:
    """Values pin the key when none is a wildcard (and IP ranges are not too broad); None
    when deploy-time input decides. A pseudo parameter or a resource's Ref / attribute is
    one concrete value (an account id, an ARN), never a wildcard."""
    if not values:
        return False
    texts = [parts_of(v) for v in values]
    if any(t is None for t in texts):
        return None if is_unresolved(values) else False
    literal = "".join(p for t in texts for p in t or () if isinstance(p, str))
    if "*" in literal or "?" in literal:
        return False
    if is_unresolved(values):
        return None
    if key != "aws:sourceip":
        return True
    for value in values:
        if not isinstance(value, str):
            return None
        try:
            network = ipaddress.ip_network(value, strict=False)
        except ValueError:
            return False
        floor = rules["min_prefix"]["ipv4" if network.version == 4 else "ipv6"]
        if network.prefixlen < floor:
            return False
    return True
