"""diff and --baseline on records scanned from fixture templates: added, fixed, renamed file.

Each case is a small repository in a temporary folder: ``templates/platform.yaml`` is the
small platform (BASE); HEAD changes it the way a pull request would.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from compliance.cli import main
from compliance.gate.baseline import gate_against
from compliance.outputs.diff import diff_records
from compliance.outputs.diff_markdown import render_diff_markdown
from compliance.record.findings import FindingsRecord, SourceLocation
from compliance.record.fingerprints import fingerprinted
from policies.catalog import Catalog
from tests.policies.policy_testdata import SMALL_PLATFORM

SCRATCH = """  ScratchBucket:
    Type: AWS::S3::Bucket
    Properties:
      PublicAccessBlockConfiguration:
        BlockPublicAcls: true
        BlockPublicPolicy: true
        IgnorePublicAcls: true
        RestrictPublicBuckets: true
"""
LOG_BUCKET_KMS = """      BucketName: !Sub "tap-logs-${Suffix}"
      BucketEncryption:
        ServerSideEncryptionConfiguration:
          - ServerSideEncryptionByDefault:
              SSEAlgorithm: aws:kms
              KMSMasterKeyID: !GetAtt DataKey.Arn
"""
REGIONS = ["--allowed-regions", "us-east-1", "--waivers", "waivers.yaml"]


def added(text: str) -> str:
    """One unencrypted bucket, first among the resources (every other resource moves down)."""
    return text.replace("Resources:\n", "Resources:\n" + SCRATCH, 1)


def fixed(text: str) -> str:
    """The log bucket encrypted with the customer-managed key."""
    return text.replace('      BucketName: !Sub "tap-logs-${Suffix}"\n', LOG_BUCKET_KMS, 1)


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A repository with the small platform as its template and BASE's record scanned."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "templates").mkdir()
    (tmp_path / "templates" / "platform.yaml").write_text(SMALL_PLATFORM.read_text())
    (tmp_path / "waivers.yaml").write_text("waivers: []\n")
    scan("templates/platform.yaml", "base.json")
    return tmp_path


def scan(template: str, output: str, *more: str) -> int:
    return main(["scan", template, "--format", "json", "--output", output, *REGIONS, *more])


def load(path: str) -> dict[str, Any]:
    return dict(json.loads(Path(path).read_text()))


def failing(record: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {f["fingerprint"]: f for f in record["findings"] if f["status"] == "fail"}


def diff_json(capsys: pytest.CaptureFixture[str], base: str, head: str) -> dict[str, Any]:
    capsys.readouterr()
    assert main(["diff", base, head, "--format", "json"]) == 0
    return dict(json.loads(capsys.readouterr().out))


def keys(items: list[dict[str, Any]]) -> set[tuple[str, str]]:
    return {(item["control_id"], item["logical_id"]) for item in items}


def test_added_bucket_is_the_only_new_failure_and_moved_lines_keep_fingerprints(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    template = repo / "templates" / "platform.yaml"
    template.write_text(added(template.read_text()))
    scan("templates/platform.yaml", "head.json")
    base, head = load("base.json"), load("head.json")
    old = {
        f["fingerprint"]: f
        for f in failing(head).values()
        if f["resource"]["logical_id"] != "ScratchBucket"
    }
    assert set(old) == set(failing(base))  # the same fingerprints ...
    moved = [
        (old[p]["location"]["start_line"], failing(base)[p]["location"]["start_line"]) for p in old
    ]
    assert all(now == before + SCRATCH.count("\n") for now, before in moved)  # ... on new lines

    delta = diff_json(capsys, "base.json", "head.json")
    assert keys(delta["new"]) == {
        ("TAP-ENC-01", "ScratchBucket"),
        ("TAP-TLS-01", "ScratchBucket"),
        ("TAP-BAK-01", "ScratchBucket"),
        ("TAP-LOG-01", "ScratchBucket"),
        ("TAP-DAT-01", "ScratchBucket"),  # no DeletionPolicy: deleted with the stack
    }
    assert delta["fixed"] == delta["moved"] == []
    assert keys(delta["still_failing"]) == {
        (f["control_id"], f["resource"]["logical_id"]) for f in failing(base).values()
    }
    assert {c["control_id"] for c in delta["controls_changed"]} == set()


def test_fixed_failure_is_listed_with_what_head_says(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    template = repo / "templates" / "platform.yaml"
    template.write_text(fixed(template.read_text()))
    scan("templates/platform.yaml", "head.json")
    delta = diff_json(capsys, "base.json", "head.json")
    assert delta["new"] == []
    assert [(i["control_id"], i["logical_id"], i["now"]) for i in delta["fixed"]] == [
        ("TAP-ENC-01", "LogBucket", "pass")
    ]
    assert [(c["control_id"], c["base"], c["head"]) for c in delta["controls_changed"]] == [
        ("TAP-ENC-01", "Not in Place", "In Place")
    ]


def test_renamed_template_is_a_new_target_for_diff_and_gate_alike(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (repo / "templates" / "platform.yaml").rename(repo / "templates" / "renamed.yaml")
    assert scan("templates/renamed.yaml", "head.json", "--baseline", "base.json") == 1
    head = load("head.json")
    assert not any(f["existing"] for f in head["findings"])
    delta = diff_json(capsys, "base.json", "head.json")
    assert delta["fixed"] == delta["moved"] == delta["still_failing"] == []
    assert len(delta["new"]) == len(failing(head))
    assert delta["targets_only_in_base"] == ["templates/platform.yaml"]
    assert delta["targets_only_in_head"] == ["templates/renamed.yaml"]


def with_source(record: FindingsRecord, file: str, line: int) -> FindingsRecord:
    """The record as if each resource had been created at ``file:line`` of a CDK app."""
    findings = [
        f.model_copy(
            update={
                "source_location": SourceLocation(file=file, start_line=line),
                "fingerprint": None,
            }
        )
        for f in record.findings
    ]
    return fingerprinted(record.model_copy(update={"findings": findings}))


def test_a_construct_moved_to_a_renamed_source_file_is_moved_not_new_and_fixed(
    small_record: FindingsRecord, test_catalog: Catalog
) -> None:
    base = with_source(small_record, "infra/constructs/buckets.py", 20)
    moved_line = with_source(small_record, "infra/constructs/buckets.py", 42)
    renamed = with_source(small_record, "infra/constructs/storage.py", 20)
    assert [f.fingerprint for f in moved_line.findings] == [f.fingerprint for f in base.findings]
    assert not {f.fingerprint for f in renamed.findings} & {f.fingerprint for f in base.findings}

    same = diff_records(base, moved_line, test_catalog)
    assert same.new == same.fixed == same.moved == []
    delta = diff_records(base, renamed, test_catalog)
    assert delta.new == delta.fixed == delta.still_failing == []
    assert len(delta.moved) == len(same.still_failing) > 0
    assert {i.moved_from for i in delta.moved} == {"infra/constructs/buckets.py"}
    assert {i.source_location.file for i in delta.moved if i.source_location} == {
        "infra/constructs/storage.py"
    }
    gated = gate_against(renamed, base, "base.json")
    assert gated.summary.gate.existing == 0
    assert gated.summary.gate.blocking == renamed.summary.gate.blocking


def test_baseline_blocks_only_new_failures_and_reports_the_old_as_existing(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert scan("templates/platform.yaml", "same.json", "--baseline", "base.json") == 0
    same = load("same.json")
    assert same["summary"]["gate"]["blocking"] == 0
    assert same["summary"]["gate"]["existing"] == load("base.json")["summary"]["gate"]["blocking"]
    assert all(f["existing"] for f in failing(same).values())
    assert same["baseline"]["file"] == "base.json"

    template = repo / "templates" / "platform.yaml"
    template.write_text(added(template.read_text()))
    capsys.readouterr()
    code = main(["scan", "templates/platform.yaml", *REGIONS, "--baseline", "base.json"])
    assert code == 1
    out = capsys.readouterr().out
    assert "existing" in out
    main(
        [
            "scan",
            "templates/platform.yaml",
            "--format",
            "sarif",
            "--output",
            "head.sarif",
            *REGIONS,
            "--baseline",
            "base.json",
        ]
    )
    results = json.loads(Path("head.sarif").read_text())["runs"][0]["results"]
    new = {
        r["locations"][0]["logicalLocations"][0]["name"]
        for r in results
        if r["baselineState"] == "new"
    }
    assert new == {"ScratchBucket"}
    assert {r["baselineState"] for r in results} == {"new", "unchanged"}


def test_an_expired_waiver_still_blocks_under_a_baseline(repo: Path) -> None:
    (repo / "waivers.yaml").write_text(
        """waivers:
  - id: OLD-ENC
    control: TAP-ENC-01
    resources: [LogBucket]
    environments: ["*"]
    justification: The log bucket was to be encrypted by the end of the year.
    approver: qsa@example.com
    approved: 2019-06-01
    expires: 2020-01-31
"""
    )
    assert scan("templates/platform.yaml", "head.json", "--baseline", "base.json") == 1
    head = load("head.json")
    (expired,) = [f for f in head["findings"] if f["waiver"]]
    assert expired["status"] == "fail" and not expired["existing"]
    assert head["summary"]["gate"]["expired_waivers"] == 1


@pytest.mark.parametrize(
    ("content", "problem"),
    [("{not json", "invalid JSON"), ('{"schema": "other"}', "not a tap-compliance/findings@2")],
)
def test_a_bad_baseline_is_one_line_exit_2(
    repo: Path, capsys: pytest.CaptureFixture[str], content: str, problem: str
) -> None:
    Path("bad.json").write_text(content)
    capsys.readouterr()
    assert scan("templates/platform.yaml", "head.json", "--baseline", "bad.json") == 2
    assert main(["diff", "bad.json", "base.json"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 2 and all(line.startswith("tap-compliance: error: bad.json") for line in err)
    assert all(problem in line for line in err)
    assert not Path("head.json").exists()


def test_the_comment_fits_github_and_puts_the_delta_first(
    small_record: FindingsRecord, test_catalog: Catalog
) -> None:
    base = with_source(small_record, "infra/constructs/buckets.py", 20)
    template = diff_records(base, with_source(small_record, "infra/other.py", 1), test_catalog)
    (item,) = template.moved[:1]
    many = [
        item.model_copy(update={"fingerprint": f"{n:064x}", "logical_id": f"Bucket{n:05d}" * 4})
        for n in range(3000)
    ]
    huge = template.model_copy(update={"new": many[:1000], "still_failing": many[1000:]})
    comment = render_diff_markdown(huge)
    assert len(comment) <= 65_000
    assert comment.index("### New failures") < comment.index("Still failing (2000)")
    assert "row(s) left out to fit a pull-request comment" in comment
    assert "Bucket00000" in comment  # the first new failure is shown
