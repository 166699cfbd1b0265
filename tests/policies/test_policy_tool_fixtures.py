"""Controls implemented by cdk-nag rules and checkov built-ins, proved on pass/fail fixtures.

Each fixture template is included verbatim (``CfnInclude``) into its own stack of ONE CDK app
(``nag_fixture_app``), synthesized ONCE per session by the engine itself
(``compliance.engine.check``: synthesis with cdk-nag's PCIDSS321Checks validation plugin, the
validation report, the assembly's construct path -> logical id mapping, findings mapped through
the catalogue). The checkov built-ins the same controls name are proved on the fixture files
themselves through the engine's checkov pass (``compliance.engine.scan``).

``expected.yaml`` of each control: ``rule id -> template -> {pass: [...], fail: [...]}``, exactly
the resources each tool rule passes and fails; ``unprovable: {rule id: {pass|fail: reason}}``
records a status no template can give through ``CfnInclude`` (and why).

cdk-nag reports only violations; the engine derives a pass for every resource of a type the
rule judges (the catalogue's ``cdk_nag_rule_types``, read from cdk-nag 3.0.2's rule sources) on
which the rule reported nothing. The comparison is exact: every failure and every pass.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from pathlib import Path
from typing import Any

import pytest
import yaml

from compliance import engine
from compliance.policy import Policy
from compliance.record.findings import Finding, FindingsRecord
from policies import CHECKS_DIR, default_catalog
from tests.policies.nag_fixture_app import EXPECTATIONS, FIXTURES, stack_id

APP = "tests.policies.nag_fixture_app:build_app"
NAG = "PCI.DSS.321-"

#: The CloudFormation types each cdk-nag rule judges (catalogue data, cdk-nag 3.0.2).
RULE_TYPES: dict[str, list[str]] = default_catalog().cdk_nag_rule_types

Expected = dict[str, Any]


def _expected(control: str) -> Expected:
    path = FIXTURES / control / EXPECTATIONS
    with path.open(encoding="utf-8") as handle:
        data: Expected = yaml.safe_load(handle) or {}
    return data


def _fixture_controls() -> list[str]:
    """Every control with an expectations file."""
    return sorted(
        c.id for c in default_catalog().controls if (FIXTURES / c.id / EXPECTATIONS).is_file()
    )


def _cases(prefix_nag: bool) -> list[tuple[str, str, str]]:
    """(control, rule, template) for every cdk-nag (or checkov built-in) expectation; our own
    checks' expectations beside them are proved by test_policy_fixtures.py."""
    catalog = default_catalog()
    cases = []
    for control in _fixture_controls():
        ours = set(catalog.control(control).implemented_by.checkov)
        for rule, files in _expected(control).items():
            if rule == "unprovable" or rule in ours or rule.startswith(NAG) != prefix_nag:
                continue
            cases += [(control, rule, name) for name in files]
    return cases


def _by_status(by_status: dict[str, list[str]] | None) -> dict[str, str]:
    return {lid: status for status, ids in (by_status or {}).items() for lid in ids or []}


def _statuses(findings: list[Finding]) -> dict[str, str]:
    got: dict[str, set[str]] = defaultdict(set)
    for finding in findings:
        got[finding.resource.logical_id].add(finding.status)
    assert all(len(s) == 1 for s in got.values()), dict(got)
    return {lid: next(iter(s)) for lid, s in got.items()}


@pytest.fixture(scope="session")
def policy() -> Policy:
    return Policy(default_catalog(), [], "high", date.today(), CHECKS_DIR)


@pytest.fixture(scope="session")
def checked(tmp_path_factory: pytest.TempPathFactory, policy: Policy) -> FindingsRecord:
    """Every fixture stack, synthesized once by the engine with cdk-nag attached and judged
    by both tools."""
    outdir = tmp_path_factory.mktemp("nag-fixtures")
    return engine.check(
        environments=[], assembly_dir=outdir, shown_dir=outdir, policy=policy, app=APP
    )


@pytest.fixture(scope="session")
def check_record(checked: FindingsRecord) -> list[Finding]:
    return checked.findings


@pytest.fixture(scope="session")
def nag_record(check_record: list[Finding]) -> list[Finding]:
    return [f for f in check_record if f.source == "cdk-nag"]


@pytest.fixture(scope="session")
def builtin_record(policy: Policy) -> list[Finding]:
    """The fixture files themselves, through the engine's checkov pass."""
    paths = sorted({FIXTURES / c / name for c, _, name in _cases(prefix_nag=False)})
    record = engine.scan(paths, policy=policy, allowed_regions=None)
    return [f for f in record.findings if f.source == "checkov"]


@pytest.mark.slow
@pytest.mark.parametrize(("control", "rule", "template"), _cases(prefix_nag=True))
def test_nag_rule_verdicts_are_exact(
    control: str, rule: str, template: str, nag_record: list[Finding]
) -> None:
    stack = stack_id(FIXTURES / control / template)
    catalog_control = default_catalog().control(control)
    mine = [f for f in nag_record if f.rule_id == rule and f.target == stack]
    assert {f.control_id for f in mine} <= {control}, "mapped to another control"
    assert {f.resource.type for f in mine} <= set(catalog_control.resource_types)
    want = _by_status(_expected(control)[rule][template])
    assert _statuses(mine) == want, f"{rule} on {control}/{template}"


@pytest.mark.slow
@pytest.mark.parametrize(("control", "rule", "template"), _cases(prefix_nag=False))
def test_checkov_builtin_verdicts_are_exact(
    control: str, rule: str, template: str, builtin_record: list[Finding]
) -> None:
    path = (FIXTURES / control / template).resolve()
    mine = [f for f in builtin_record if f.rule_id == rule and Path(f.target).resolve() == path]
    assert {f.control_id for f in mine} <= {control}, "mapped to another control"
    assert not any(f.unknown for f in mine)
    want = _by_status(_expected(control)[rule][template])
    assert _statuses(mine) == want, f"{rule} on {control}/{template}"


def _synthesized_builtin_cases() -> list[tuple[str, str, str]]:
    from nag_fixture_app import nag_fixture_templates

    synthesized = set(nag_fixture_templates())
    return [c for c in _cases(prefix_nag=False) if FIXTURES / c[0] / c[2] in synthesized]


@pytest.mark.slow
@pytest.mark.parametrize(("control", "rule", "template"), _synthesized_builtin_cases())
def test_checkov_builtins_agree_on_the_synthesized_stack(
    control: str, rule: str, template: str, check_record: list[Finding]
) -> None:
    """``check`` judges the CfnInclude copy: the round trip changes no built-in verdict."""
    stack = stack_id(FIXTURES / control / template)
    mine = [
        f for f in check_record if f.source == "checkov" and f.rule_id == rule and f.target == stack
    ]
    want = _by_status(_expected(control)[rule][template])
    assert _statuses(mine) == want, f"{rule} on the synthesized {control}/{template}"


@pytest.mark.slow
def test_nag_passes_only_on_types_the_rule_judges(nag_record: list[Finding]) -> None:
    leaked = sorted(
        (f.rule_id, f.target, f.resource.logical_id, f.resource.type or "")
        for f in nag_record
        if f.status == "pass"
        and f.rule_id in RULE_TYPES
        and f.resource.type not in RULE_TYPES[f.rule_id]
    )
    assert leaked == []


@pytest.mark.parametrize("control", [c.id for c in default_catalog().controls])
def test_every_tool_rule_of_every_control_has_a_pass_and_a_fail(control: str) -> None:
    """A new control, or a new rule of a control, without fixtures fails here."""
    assert (FIXTURES / control / EXPECTATIONS).is_file(), f"{control}: no fixtures"
    expected = _expected(control)
    unprovable = expected.get("unprovable") or {}
    for rule in default_catalog().control(control).implemented_by.rule_ids():
        files = expected.get(rule) or {}
        seen = {
            status
            for by_status in files.values()
            for status, ids in (by_status or {}).items()
            if ids
        }
        for status in ("pass", "fail"):
            if status not in seen:
                reason = (unprovable.get(rule) or {}).get(status)
                assert reason, f"{control}: no {status} fixture for {rule}"
        for name in files:
            assert (FIXTURES / control / name).is_file(), f"{control}/{name}"


def test_expectations_name_only_rules_of_their_control() -> None:
    catalog = default_catalog()
    for control in _fixture_controls():
        rules = set(catalog.control(control).implemented_by.rule_ids())
        named = set(_expected(control)) - {"unprovable"}
        assert named <= rules, control
        assert set(_expected(control).get("unprovable") or {}) <= rules, control


@pytest.mark.slow
def test_one_verdict_per_control_and_resource_naming_the_disagreement(
    checked: FindingsRecord,
) -> None:
    """cdk-nag fails a bucket without Block Public Access that our TAP-PUB-02 check passes
    (no grant to everyone): the control's one verdict is the worst, and names both."""
    stack = stack_id(FIXTURES / "TAP-PUB-02" / "pass.yaml")
    verdicts = {
        v.logical_id: v
        for v in checked.verdicts
        if v.target == stack and v.control_id == "TAP-PUB-02"
    }
    private = verdicts["Private"]
    assert private.status == "fail"
    assert private.rules == {
        "CKV2_TAP_9": "pass",
        f"{NAG}S3BucketPublicReadProhibited": "fail",
        f"{NAG}S3BucketPublicWriteProhibited": "fail",
    }
    assert private.disagreement is not None
    assert private.disagreement.startswith(f"cdk-nag {NAG}S3BucketPublicReadProhibited, ")
    assert "that checkov CKV2_TAP_9 passed" in private.disagreement
    blocked = next(
        v
        for v in checked.verdicts
        if v.target == stack_id(FIXTURES / "TAP-PUB-02" / "blocked.yaml")
        and v.logical_id == "BlockedPrivate"
        and v.control_id == "TAP-PUB-02"
    )
    assert (blocked.status, blocked.disagreement) == ("pass", None)
    # once per control and resource, every static finding of a control in exactly one
    keys = [(v.target, v.control_id, v.logical_id) for v in checked.verdicts]
    assert len(keys) == len(set(keys))
    mapped = {
        (f.target, f.control_id, f.resource.logical_id) for f in checked.findings if f.control_id
    }
    assert mapped == set(keys)
    assert checked.summary.disagreements == sum(bool(v.disagreement) for v in checked.verdicts)
