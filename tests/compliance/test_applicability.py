"""A control's applicability from the catalogue's data: TAP-DAT-01 applies where the
environment keeps data (retain_data: true); elsewhere its findings are not applicable by
design, counted and shown as such in every output, never as a pass or a failure."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from datetime import date

import pytest

from compliance import engine
from compliance.environments import EnvInfo
from compliance.outputs.junit import to_junit
from compliance.outputs.report.render import render
from compliance.outputs.sarif import to_sarif
from compliance.policy import Policy
from compliance.record.findings import FindingsRecord
from policies import CHECKS_DIR, default_catalog
from tests.compliance.engine_testdata import ROOT
from tests.policies.policy_testdata import FIXTURES

FAIL = FIXTURES / "TAP-DAT-01" / "fail.yaml"
DESTROYED = {
    "DestroyedKey",
    "DefaultBucket",
    "EmptiedBucket",
    "ReplacedBucket",
    "UnprotectedCluster",
    "DestroyedInstance",
    "TableWithoutRecovery",
}


def _env(retain_data: bool) -> EnvInfo:
    name = "prod" if retain_data else "dev"
    return EnvInfo(name, f"TapStack-{name}", ("us-east-1",), (), {"retain_data": retain_data})


def _scan(env: EnvInfo) -> FindingsRecord:
    policy = Policy(default_catalog(), [], "low", date(2026, 6, 1), CHECKS_DIR)
    return engine.scan([FAIL], policy=policy, allowed_regions=None, env=env)


@pytest.fixture(scope="module")
def dev_record() -> FindingsRecord:
    return _scan(_env(retain_data=False))


def _dat(record: FindingsRecord) -> dict[str, str]:
    return {
        f.resource.logical_id: f.status for f in record.findings if f.control_id == "TAP-DAT-01"
    }


def test_out_of_scope_by_design_where_the_environment_keeps_no_data(
    dev_record: FindingsRecord,
) -> None:
    assert _dat(dev_record) == dict.fromkeys(
        [*DESTROYED, "ClusterProtectedByParameter"], "not-applicable"
    )
    finding = next(
        f
        for f in dev_record.findings
        if f.resource.logical_id == "ClusterProtectedByParameter" and f.control_id == "TAP-DAT-01"
    )
    assert not finding.unknown  # was unknown; out of scope, it is no failure either
    assert finding.message.startswith("not applicable by design in environment dev")
    assert "retain_data: false" in finding.message
    assert dev_record.summary.by_status["not-applicable"] == 8
    # the same template's other controls are judged as ever
    assert any(f.status == "fail" and f.control_id != "TAP-DAT-01" for f in dev_record.findings)


def test_in_scope_where_the_environment_keeps_data() -> None:
    record = _scan(_env(retain_data=True))
    assert _dat(record) == {
        **dict.fromkeys(DESTROYED, "fail"),
        "ClusterProtectedByParameter": "fail",  # unknown: fails closed
    }
    assert record.summary.by_status["not-applicable"] == 0


def test_no_environment_is_in_scope() -> None:
    policy = Policy(default_catalog(), [], "low", date(2026, 6, 1), CHECKS_DIR)
    record = engine.scan([FAIL], policy=policy, allowed_regions=None)
    assert set(_dat(record).values()) == {"fail"}


def test_outputs_show_not_applicable_as_such(dev_record: FindingsRecord) -> None:
    sarif = json.loads(to_sarif(dev_record, default_catalog()))
    scoped = [
        r for r in sarif["runs"][0]["results"] if r["properties"]["toolRuleId"] == "CKV2_TAP_11"
    ]
    assert len(scoped) == 8
    assert {(r["kind"], r["level"]) for r in scoped} == {("notApplicable", "none")}
    suites = ET.fromstring(to_junit(dev_record))
    cases = [c for c in suites.iter("testcase") if c.get("name", "").startswith("TAP-DAT-01 ")]
    assert len(cases) == 8
    for case in cases:
        (skipped,) = case.findall("skipped")
        assert case.find("failure") is None
        assert skipped.get("message", "").startswith("not applicable by design")
    markdown = render(dev_record, "md")
    assert "| Severity | Fail | Waived | Pass | Not applicable by design |" in markdown
    html = render(dev_record, "html")
    assert "8 not applicable by design" in html
    assert 'class="badge s-not-applicable"' in html


def test_the_seed_destroys_data_where_data_is_kept() -> None:
    """The seed's DESTROY behaviour, out of scope in dev by design, is caught where the
    environment keeps data: every stateful resource of the frozen seed fails TAP-DAT-01."""
    seed = ROOT / "tests" / "fixtures" / "seed" / "TapStack-dev.template.json"
    policy = Policy(default_catalog(), [], "low", date(2026, 6, 1), CHECKS_DIR)
    for env, status in ((_env(retain_data=True), "fail"), (_env(False), "not-applicable")):
        record = engine.scan([seed], policy=policy, allowed_regions=None, env=env)
        assert _dat(record) == dict.fromkeys(SEED_STORES, status)


SEED_STORES = [
    "BucketsAnalyticsBucketD7328E4F",
    "BucketsArchivalBucket629F00A4",
    "BucketsIngestionBucket070AAFA1",
    "DatabaseTradingDatabaseC92BC4A6",
    "GovernanceConfigBucketFA253B80",
    "KeysDbEncryptionKeyEC91649C",
    "KeysDynamoEncryptionKey22F96677",
    "KeysLambdaEncryptionKey1ED535E0",
    "KeysS3EncryptionKeyF1548A44",
    "TablesApiKeysTable21490A2A",
    "TablesSessionsTable36080595",
]
