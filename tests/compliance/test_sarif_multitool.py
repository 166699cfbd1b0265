"""Our SARIF through Microsoft's SARIF Multitool with GitHub's ingestion rules."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from compliance.gate.baseline import gate_against
from compliance.gate.threshold import summarise
from compliance.gate.waivers import apply_waivers, load_waivers
from compliance.outputs.sarif import to_sarif
from compliance.record.findings import FindingsRecord
from policies.catalog import default_catalog
from tests.compliance.engine_testdata import ROOT, TODAY, unexpiring
from tests.compliance.sarif_multitool import install, validate

pytestmark = pytest.mark.slow


@pytest.fixture(scope="session")
def multitool() -> Path:
    return install()


@pytest.fixture(scope="module")
def platform_record(platform_gate: tuple[Path, dict[str, Any]]) -> FindingsRecord:
    return FindingsRecord.model_validate(platform_gate[1])


def sarif_of(record: FindingsRecord, folder: Path, name: str) -> Path:
    path = folder / name
    path.write_text(to_sarif(record, default_catalog()))
    return path


def waived(record: FindingsRecord, folder: Path) -> FindingsRecord:
    """The record with the project's waivers applied (their expiry moved out)."""
    waivers_file = folder / "waivers.yaml"
    waivers_file.write_text(unexpiring((ROOT / "waivers.yaml").read_text()))
    envs = {t.name: t.env for t in record.targets}
    waivers = load_waivers(waivers_file, default_catalog())
    findings, states = apply_waivers(record.findings, waivers, envs, TODAY)
    return record.model_copy(
        update={
            "findings": findings,
            "waivers": states,
            "summary": summarise(findings, states, "high"),
        }
    )


def test_the_record_sarif_with_source_locations_passes_every_rule(
    multitool: Path, platform_gate: tuple[Path, dict[str, Any]], tmp_path: Path
) -> None:
    sarif = platform_gate[0] / "out" / "findings.sarif"
    log = json.loads(sarif.read_text())
    uris = {
        r["locations"][0]["physicalLocation"]["artifactLocation"]["uriBaseId"]
        for r in log["runs"][0]["results"]
    }
    assert uris == {"%SRCROOT%"}
    assert validate(multitool, sarif) == []


def test_waived_and_baseline_results_pass_every_rule(
    multitool: Path, platform_record: FindingsRecord, tmp_path: Path
) -> None:
    record = waived(platform_record, tmp_path)
    assert any(f.status == "waived" for f in record.findings)
    gated = gate_against(record, platform_record, "base.json")
    sarif = sarif_of(gated, tmp_path, "gated.sarif")
    results = json.loads(sarif.read_text())["runs"][0]["results"]
    assert any(r.get("suppressions") for r in results)
    # not applicable by design is no failure a baseline could hold: no baseline state
    judged = [r for r in results if r.get("kind") != "notApplicable"]
    assert {r["baselineState"] for r in judged} == {"unchanged"}
    assert not any("baselineState" in r for r in results if r not in judged)
    assert validate(multitool, sarif) == []


def test_a_result_stripped_of_its_location_is_flagged(
    multitool: Path, platform_gate: tuple[Path, dict[str, Any]], tmp_path: Path
) -> None:
    log = json.loads((platform_gate[0] / "out" / "findings.sarif").read_text())
    del log["runs"][0]["results"][0]["locations"]
    broken = tmp_path / "broken.sarif"
    broken.write_text(json.dumps(log))
    flagged = validate(multitool, broken)
    assert {"GH1015", "GH1017", "GH2012"} <= {f["rule"] for f in flagged}
    assert {f["where"] for f in flagged} == {"runs[0].results[0]"}
    assert all(f["level"] == "error" for f in flagged)
