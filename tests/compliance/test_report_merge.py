"""``tap-compliance report`` over the records of CI shards: the real gate's records of dev and
prod merged into one report, and the records it refuses to merge."""

from __future__ import annotations

import json
import shutil
from datetime import UTC, datetime
from pathlib import Path

import pytest

from compliance.cli import main
from compliance.gate.merge import Shard, merge
from compliance.outputs.report.render import render
from compliance.record.findings import SCHEMA, FindingsRecord, RuntimeCheck, RuntimeRule
from compliance.record.load import load_record
from tests.compliance.engine_testdata import ROOT

pytestmark = pytest.mark.slow

ENVIRONMENTS = ("dev", "prod")


@pytest.fixture(scope="module")
def shards(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The real gate run once per environment, each into its own evidence folder, as the
    shards of a CI matrix leave them: ``<root>/<env>/out/findings.json``."""
    root = tmp_path_factory.mktemp("shards")
    for env in ENVIRONMENTS:
        code = main(["check", "--env", env, "--out", str(root / env / "out")])
        assert code == 0, env
    return root


def record_of(shards: Path, env: str) -> Path:
    return shards / env / "out" / "findings.json"


def error_line(capsys: pytest.CaptureFixture[str]) -> str:
    err = capsys.readouterr().err
    assert err.count("\n") == 1, err
    return err.strip()


def test_the_records_of_two_environments_merge_into_one_record(
    shards: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(ROOT)
    dev, prod = (load_record(record_of(shards, env)) for env in ENVIRONMENTS)
    merged_file = tmp_path / "merged.json"
    files = [str(record_of(shards, env)) for env in ENVIRONMENTS]
    assert main(["report", *files, "--format", "json", "--output", str(merged_file)]) == 0

    merged = load_record(merged_file)  # --format json round-trips through load_record
    assert [(r.id, r.file, r.environments) for r in merged.runs] == [
        ("run-1", files[0], ["dev"]),
        ("run-2", files[1], ["prod"]),
    ]
    assert [r.git_commit for r in merged.runs] == [dev.git_commit, prod.git_commit]
    assert [r.generated_at for r in merged.runs] == [dev.generated_at, prod.generated_at]
    assert merged.generated_at == max(dev.generated_at, prod.generated_at)
    assert [(t.name, t.env, t.run) for t in merged.targets] == [
        ("TapStack-dev", "dev", "run-1"),
        ("TapStack-prod", "prod", "run-2"),
    ]
    # Every finding kept, attributed to the run it came from.
    assert len(merged.findings) == len(dev.findings) + len(prod.findings)
    assert [f.model_copy(update={"run": None}) for f in merged.findings] == [
        *dev.findings,
        *prod.findings,
    ]
    runs = {f.run for f in merged.findings[: len(dev.findings)]}
    assert runs == {"run-1"} and {f.run for f in merged.findings[len(dev.findings) :]} == {"run-2"}
    # Totals across the runs; the gate passed as both runs' did.
    for status, count in merged.summary.by_status.items():
        assert count == dev.summary.by_status[status] + prod.summary.by_status[status]
    assert merged.summary.targets["judged"] == 2
    assert merged.summary.gate.result == "passed"
    assert merged.summary.gate.fail_on == "high"
    assert merged.summary.disagreements == (dev.summary.disagreements + prod.summary.disagreements)
    # Each run's waiver states: the same waiver in both runs, once per run.
    assert len(merged.waivers) == len(dev.waivers) + len(prod.waivers)
    assert {(w.id, w.run) for w in merged.waivers} == {
        *((w.id, "run-1") for w in dev.waivers),
        *((w.id, "run-2") for w in prod.waivers),
    }
    assert merged.baseline is None and merged.deployment is None and merged.runtime is None


def test_the_merged_report_names_both_targets_and_the_runs(
    shards: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(ROOT)
    files = [str(record_of(shards, env)) for env in ENVIRONMENTS]
    html, md = tmp_path / "audit.html", tmp_path / "audit.md"
    assert main(["report", *files, "--output", str(html)]) == 0
    assert main(["report", *files, "--format", "md", "--output", str(md)]) == 0
    page = html.read_text()
    assert "<h3>Runs merged</h3>" in page
    assert "TapStack-dev (run-1)" in page and "TapStack-prod (run-2)" in page
    dev = load_record(record_of(shards, "dev"))
    waiver = dev.waivers[0].id
    assert f"{waiver} (run-1)" in page and f"{waiver} (run-2)" in page
    text = md.read_text()
    assert "Merged from 2 runs" in text
    assert "| run-1 | dev |" in text and "| run-2 | prod |" in text


def test_a_folder_merges_every_record_below_it_in_path_order(
    shards: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / "artifacts"
    for env in ENVIRONMENTS:
        (folder / f"compliance-{env}").mkdir(parents=True)
        shutil.copy(record_of(shards, env), folder / f"compliance-{env}" / "findings.json")
    # A run's staging folder (hidden) is not a shard.
    (folder / "compliance-dev" / ".staging-x").mkdir()
    shutil.copy(record_of(shards, "dev"), folder / "compliance-dev" / ".staging-x")
    assert main(["report", str(folder), "--format", "json"]) == 0
    merged = json.loads(capsys.readouterr().out)
    assert [r["file"] for r in merged["runs"]] == [
        str(folder / "compliance-dev" / "findings.json"),
        str(folder / "compliance-prod" / "findings.json"),
    ]
    (tmp_path / "empty").mkdir()
    assert main(["report", str(tmp_path / "empty")]) == 2
    assert error_line(capsys) == (
        f"tap-compliance: error: {tmp_path / 'empty'}: no findings.json below this folder"
    )


def test_a_single_record_renders_as_it_always_did(
    shards: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    dev = record_of(shards, "dev")
    assert main(["report", str(dev), "--format", "json"]) == 0
    assert capsys.readouterr().out == dev.read_text()
    assert main(["report", str(dev.parent.parent)]) == 0  # a folder holding one record
    assert "Runs merged" not in capsys.readouterr().out


def test_records_of_different_schema_versions_are_refused_naming_both_files(
    shards: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    older = tmp_path / "older.json"
    raw = json.loads(record_of(shards, "prod").read_text())
    raw["schema"] = "tap-compliance/findings@0"
    raw["a field of that version"] = True  # named as the mismatch, not as this field
    older.write_text(json.dumps(raw))
    dev = record_of(shards, "dev")
    output = tmp_path / "report.html"
    assert main(["report", str(dev), str(older), "--output", str(output)]) == 2
    assert error_line(capsys) == (
        f"tap-compliance: error: {dev} (schema {SCHEMA!r}) and {older} (schema "
        "'tap-compliance/findings@0'): records of different schema versions are not merged"
    )
    assert not output.exists()


def test_the_same_target_twice_is_refused_naming_both_files(
    shards: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    again = tmp_path / "again" / "findings.json"
    again.parent.mkdir()
    shutil.copy(record_of(shards, "dev"), again)
    dev, prod = (record_of(shards, env) for env in ENVIRONMENTS)
    assert main(["report", str(dev), str(prod), str(again)]) == 2
    assert error_line(capsys) == (
        f"tap-compliance: error: {dev} and {again} both hold the target TapStack-dev (stack "
        "TapStack-dev, env dev, account 111111111111, region us-east-1): the same target "
        "twice is not merged; give one record per target"
    )


def test_a_failed_run_fails_the_merged_gate_at_the_least_strict_threshold(
    shards: Path, small_record: FindingsRecord
) -> None:
    dev = load_record(record_of(shards, "dev"))
    assert small_record.summary.gate.result == "failed"
    gate = dev.summary.gate.model_copy(update={"fail_on": "low"})
    strict = dev.model_copy(update={"summary": dev.summary.model_copy(update={"gate": gate})})
    merged = merge([Shard("dev.json", strict), Shard("small.json", small_record)])
    gate = merged.summary.gate
    assert (gate.result, gate.exit_code, gate.fail_on) == ("failed", 1, "high")
    assert gate.blocking == small_record.summary.gate.blocking
    assert [r.summary.gate.fail_on for r in merged.runs] == ["low", "high"]


def test_a_merged_record_merges_again_its_runs_renumbered(
    shards: Path, small_record: FindingsRecord
) -> None:
    dev, prod = (load_record(record_of(shards, env)) for env in ENVIRONMENTS)
    first = merge([Shard("dev.json", dev), Shard("prod.json", prod)])
    again = merge([Shard("small.json", small_record), Shard("merged.json", first)])
    assert [(r.id, r.file) for r in again.runs] == [
        ("run-1", "small.json"),
        ("run-2", "dev.json"),
        ("run-3", "prod.json"),
    ]
    assert [(t.name, t.run) for t in again.targets][-2:] == [
        ("TapStack-dev", "run-2"),
        ("TapStack-prod", "run-3"),
    ]
    assert {f.run for f in again.findings} == {"run-1", "run-2", "run-3"}


def test_a_merged_record_naming_a_run_it_does_not_hold_is_refused(
    shards: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    files = [str(record_of(shards, env)) for env in ENVIRONMENTS]
    assert main(["report", *files, "--format", "json"]) == 0
    raw = json.loads(capsys.readouterr().out)
    raw["findings"][0]["run"] = "run-9"
    edited = tmp_path / "edited.json"
    edited.write_text(json.dumps(raw))
    assert main(["report", str(edited)]) == 2
    assert error_line(capsys) == (
        f"tap-compliance: error: {edited}:1: not a {SCHEMA} record: run run-9: not a "
        "run of this record (runs: ['run-1', 'run-2'])"
    )


def test_each_run_keeps_its_runtime_check_and_the_report_details_a_single_one(
    shards: Path,
) -> None:
    dev, prod = (load_record(record_of(shards, env)) for env in ENVIRONMENTS)
    (rule,) = [r for r in prod.targets[0].config_rules if r == "S3_BUCKET_SSL_REQUESTS_ONLY"]
    check = RuntimeCheck(
        verified_at=datetime(2026, 12, 7, 12, 0, tzinfo=UTC),
        env="prod",
        stack="TapStack-prod",
        account="333333333333",
        region="us-east-1",
        rules=[
            RuntimeRule(
                name="tap-s3-ssl",
                identifier=rule,
                logical_id="SslRule",
                compliance="NON_COMPLIANT",
                answered_by="config:DescribeComplianceByConfigRule",
            )
        ],
    )
    verified = prod.model_copy(update={"runtime": check})
    merged = merge([Shard("dev.json", dev), Shard("prod.json", verified)])
    assert merged.runtime is None
    assert [r.runtime for r in merged.runs] == [None, check]
    page = render(merged, "html")
    assert 'in <span class="mono">aws://333333333333/us-east-1</span> (TapStack-prod)' in page
    assert '<span class="mono">tap-s3-ssl</span> <span class="badge rt-non_compliant">' in page
    assert "verified 2026-12-07 12:00:00" in page
    # Two runs verified: the runs table names each; no one run's check stands for both.
    of_dev = check.model_copy(update={"env": "dev", "stack": "TapStack-dev", "account": "1" * 12})
    both = merge(
        [
            Shard("dev.json", dev.model_copy(update={"runtime": of_dev})),
            Shard("prod.json", verified),
        ]
    )
    page = render(both, "html")
    assert page.count("verified 2026-12-07 12:00:00") == 2
    assert "Runtime verification" not in page and "tap-s3-ssl" not in page
