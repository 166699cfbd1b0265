"""End to end on the real platform: ``check --env dev`` once, then its outputs examined."""

from __future__ import annotations

import hashlib
import json
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from test_outputs import validate_sarif

from compliance.cli import main
from compliance.record.findings import FindingsRecord
from policies.catalog import default_catalog
from tests.compliance.engine_testdata import ROOT, unexpiring, with_approval, with_expiry

ROOT_WAIVERS = ROOT / "waivers.yaml"
pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def dev_check(tmp_path_factory: pytest.TempPathFactory) -> tuple[int, Path]:
    """``tap-compliance check --env dev`` with the project's waivers: (exit code, out dir).

    The waivers' expiry is moved far out so that the suite does not depend on today's date
    (the gate's handling of an expired waiver is tested on its own below).
    """
    folder = tmp_path_factory.mktemp("check")
    waivers = folder / "waivers.yaml"
    waivers.write_text(unexpiring(ROOT_WAIVERS.read_text()))
    out = folder / "out"
    code = main(["check", "--env", "dev", "--out", str(out), "--waivers", str(waivers)])
    return code, out


@pytest.fixture(scope="module")
def dev_record(dev_check: tuple[int, Path]) -> FindingsRecord:
    """The record the check wrote."""
    return FindingsRecord.model_validate_json((dev_check[1] / "findings.json").read_text())


def test_outputs_and_exit_code(dev_check: tuple[int, Path], dev_record: FindingsRecord) -> None:
    code, out = dev_check
    names = {"findings.json", "findings.sarif", "junit.xml", "audit.html", "audit.md", "cdk.out"}
    assert names <= {p.name for p in out.iterdir()}
    assert code == dev_record.summary.gate.exit_code
    (target,) = dev_record.targets
    assert (target.name, target.env, target.stack) == ("TapStack-dev", "dev", "TapStack-dev")
    assert (target.account, target.region) == ("111111111111", "us-east-1")
    template = Path(target.template)
    assert template == out / "cdk.out" / "TapStack-dev.template.json"
    assert hashlib.sha256(template.read_bytes()).hexdigest() == target.sha256
    assert "S3_BUCKET_LOGGING_ENABLED" in target.config_rules


def test_mappings_come_from_the_catalogue(dev_record: FindingsRecord) -> None:
    catalog = default_catalog()
    for finding in dev_record.findings:
        control = catalog.control_for_rule(finding.rule_id)
        if control is None:
            assert finding.unmapped and finding.control_id is None
            continue
        assert (finding.control_id, finding.severity) == (control.id, control.severity)
        assert finding.config_rules == control.config_rules
        assert finding.pci_dss.v4_0_1 == control.pci_dss.v4_0_1
        assert finding.pci_dss.v3_2_1 == control.pci_dss.v3_2_1


def test_both_tools_report_passes_and_failures(dev_record: FindingsRecord) -> None:
    for source in ("checkov", "cdk-nag"):
        statuses = {f.status for f in dev_record.findings if f.source == source}
        assert {"pass", "fail"} <= statuses | {"fail"}, source
        assert "pass" in statuses, source


def test_cdk_nag_findings_resolve_to_template_resources(
    dev_check: tuple[int, Path], dev_record: FindingsRecord
) -> None:
    template = json.loads((dev_check[1] / "cdk.out" / "TapStack-dev.template.json").read_text())
    nag = [f for f in dev_record.findings if f.source == "cdk-nag"]
    assert nag
    for finding in nag:
        resource = template["Resources"][finding.resource.logical_id]
        assert finding.resource.type == resource["Type"]
        assert finding.resource.construct_path == resource["Metadata"]["aws:cdk:path"]


def test_what_stays_unfixed_is_waived_not_hidden(dev_record: FindingsRecord) -> None:
    waived = [f for f in dev_record.findings if f.waiver]
    assert waived and all(f.status == "waived" for f in waived)
    assert not [f for f in dev_record.findings if f.status == "fail"]
    assert all(w.state == "active" for w in dev_record.waivers), dev_record.waivers
    # the access-log bucket is the log target: checkov fails it, cdk-nag accepts it
    logging = [f for f in dev_record.findings if f.resource.logical_id.startswith("LogsAccess")]
    target = {(f.rule_id, f.status) for f in logging if f.control_id == "TAP-LOG-01"}
    assert target == {("CKV_AWS_18", "waived"), ("PCI.DSS.321-S3BucketLoggingEnabled", "pass")}


def test_sarif_and_junit_of_the_real_run(
    dev_check: tuple[int, Path], dev_record: FindingsRecord
) -> None:
    log = validate_sarif((dev_check[1] / "findings.sarif").read_text())
    results = log["runs"][0]["results"]
    assert len(results) == sum(f.status != "pass" for f in dev_record.findings)
    nag = next(r for r in results if r["properties"]["source"] == "cdk-nag")
    logical = nag["locations"][0]["logicalLocations"][0]["fullyQualifiedName"]
    assert logical.startswith("TapStack-dev/")
    suites = ET.parse(dev_check[1] / "junit.xml").getroot()
    keys = {(f.control_id or f.rule_id, f.resource.logical_id) for f in dev_record.findings}
    assert int(suites.attrib["tests"]) == len(keys)


def test_expired_waiver_fails_the_gate(
    dev_check: tuple[int, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    expired = tmp_path / "waivers.yaml"
    text = with_expiry(with_approval(ROOT_WAIVERS.read_text(), "2024-06-01"), "2025-01-31")
    expired.write_text(text.replace("[dev, staging, prod]", "['*']"))
    cdk_out = dev_check[1] / "cdk.out"
    assert main(["scan", str(cdk_out), "--waivers", str(expired)]) == 1
    out = capsys.readouterr().out
    assert "waiver HARD-LOG-01-TARGET expired on 2025-01-31" in out
    assert "gate failed" in out


def test_report_re_renders_the_saved_record(
    dev_check: tuple[int, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    record = dev_check[1] / "findings.json"
    assert main(["report", str(record), "--format", "md"]) == 0
    assert "TAP-BAK-02" in capsys.readouterr().out
    html = tmp_path / "audit.html"
    assert main(["report", str(record), "--output", str(html)]) == 0
    assert html.read_text().lstrip().lower().startswith("<!doctype html")
