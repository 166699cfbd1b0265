"""Outputs: SARIF valid against the official 2.1.0 schema, JUnit parsed back, staged writes."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from compliance.gate.threshold import summarise
from compliance.gate.waivers import Waiver, apply_waivers
from compliance.outputs import formats, publish
from compliance.outputs.junit import to_junit
from compliance.outputs.sarif import to_sarif
from compliance.record.findings import FindingsRecord
from policies.catalog import Catalog
from tests.compliance.engine_testdata import SARIF_SCHEMA, TODAY


@pytest.fixture(scope="module")
def waived_record(small_record: FindingsRecord) -> FindingsRecord:
    """The small platform with one active waiver on the log bucket's logging."""
    waiver = Waiver(
        id="W-LOG",
        control="TAP-LOG-01",
        resources=["LogBucket"],
        justification="The log bucket is the access-log destination itself.",
        approver="qsa@example.com",
        approved=TODAY,
        expires=TODAY.replace(year=TODAY.year + 1),
    )
    envs = {t.name: t.env for t in small_record.targets}
    findings, states = apply_waivers(small_record.findings, [waiver], envs, TODAY)
    return small_record.model_copy(
        update={
            "findings": findings,
            "waivers": states,
            "summary": summarise(findings, states, "high"),
        }
    )


def validate_sarif(text: str) -> dict[str, Any]:
    """Parse a SARIF log and validate it against the vendored OASIS schema."""
    log = json.loads(text)
    schema = json.loads(SARIF_SCHEMA.read_text(encoding="utf-8"))
    jsonschema.Draft4Validator(schema).validate(log)
    return dict(log)


def test_sarif_is_valid_and_complete(waived_record: FindingsRecord, test_catalog: Catalog) -> None:
    log = validate_sarif(to_sarif(waived_record, test_catalog))
    (run,) = log["runs"]
    rules = [rule["id"] for rule in run["tool"]["driver"]["rules"]]
    assert rules == [control.id for control in test_catalog.controls]
    not_passing = [f for f in waived_record.findings if f.status != "pass"]
    assert len(run["results"]) == len(not_passing)
    suppressed = [r for r in run["results"] if r.get("suppressions")]
    assert [r["locations"][0]["logicalLocations"][0]["name"] for r in suppressed] == ["LogBucket"]
    located = run["results"][0]["locations"][0]["physicalLocation"]
    assert located["artifactLocation"]["uri"].endswith("small-platform.yaml")
    assert located["region"]["startLine"] >= 1


def test_sarif_schema_rejects_a_broken_log(
    waived_record: FindingsRecord, test_catalog: Catalog
) -> None:
    log = json.loads(to_sarif(waived_record, test_catalog))
    log["runs"][0]["results"][0]["level"] = "catastrophic"
    with pytest.raises(jsonschema.ValidationError):
        validate_sarif(json.dumps(log))


def test_junit_parses_back(waived_record: FindingsRecord) -> None:
    root = ET.fromstring(to_junit(waived_record))
    cases = root.findall("./testsuite/testcase")
    keys = {(f.control_id, f.resource.logical_id) for f in waived_record.findings}
    assert len(cases) == len(keys) == int(root.attrib["tests"])
    failed = {c.attrib["name"] for c in cases if c.find("failure") is not None}
    skipped = {c.attrib["name"] for c in cases if c.find("skipped") is not None}
    assert "TAP-PUB-01 DataBucket" in failed
    assert "TAP-IAM-01 ConditionalRole" in failed
    assert skipped == {"TAP-LOG-01 LogBucket"}
    assert int(root.attrib["failures"]) == len(failed)
    assert int(root.attrib["skipped"]) == 1


def test_staged_outputs_replace_ours_only_on_success(
    tmp_path: Path, waived_record: FindingsRecord, test_catalog: Catalog
) -> None:
    out = tmp_path / "out"
    out.mkdir()
    (out / "keep.txt").write_text("not ours")
    with publish.staged(out) as staging:
        publish.write_all(waived_record, staging, test_catalog)
    names = {p.name for p in out.iterdir()}
    assert names == {"keep.txt", *(f.file_name for f in formats.FORMATTERS.values())}
    assert FindingsRecord.model_validate_json((out / "findings.json").read_text()) == waived_record

    with pytest.raises(RuntimeError), publish.staged(out) as staging:
        (staging / "findings.json").write_text("{half")
        raise RuntimeError("boom")
    assert {p.name for p in out.iterdir()} == {"keep.txt"}
