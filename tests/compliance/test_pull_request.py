"""End to end: a pull request adds one bucket without the customer-managed key, and moves code.

BASE is the gate on the app as it is (``platform_gate``: three environments, no waivers, at
``--fail-on medium``, so main has failures of its own at and above the threshold). The pull
request, in a copy of the app, adds ``ScratchBucket`` in ``infra/constructs/buckets.py``
(S3-managed encryption, access logs, the other settings as the seed writes its buckets) and
pushes the API construct's lines down. HEAD is ``check --env dev --fail-on medium --baseline
BASE``. The pull request must get a SARIF result on the new line, a comment listing exactly
that one new failure at or above the threshold, and a failing gate that main's own failures
do not cause; the moved construct keeps its fingerprints.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from compliance.cli import main
from tests.compliance.app_copy import copy_app, edit, line_of, run_gate

pytestmark = pytest.mark.slow

ARCHIVAL_END = (
    "DEEP_ARCHIVE),\n            retain=retain,\n            access_logs=access_logs,\n        )\n"
)
SCRATCH = """        self.scratch = s3.Bucket(
            self,
            "ScratchBucket",
            encryption=s3.BucketEncryption.S3_MANAGED,
            versioned=True,
            enforce_ssl=True,
            block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
            server_access_logs_bucket=access_logs,
        )
"""
MOVED_BY = 4


@pytest.fixture(scope="module")
def pull_request(
    tmp_path_factory: pytest.TempPathFactory, platform_gate: tuple[Path, dict[str, Any]]
) -> dict[str, Any]:
    """The pull request's copy, its gate against BASE, and the diff comment."""
    base_folder, base = platform_gate
    folder = copy_app(tmp_path_factory.mktemp("pull-request"))
    buckets = folder / "infra" / "constructs" / "buckets.py"
    edit(
        buckets,
        ARCHIVAL_END,
        ARCHIVAL_END + SCRATCH,
    )
    api = folder / "infra" / "constructs" / "api.py"
    edit(api, "\nclass ", "\n" + "# moved down\n" * MOVED_BY + "class ")
    base_record = base_folder / "out" / "findings.json"
    code, head, stdout = run_gate(
        folder, "--env", "dev", "--fail-on", "medium", "--baseline", str(base_record)
    )
    comment = folder / "comment.md"
    assert (
        main(
            [
                "diff",
                str(base_record),
                str(folder / "out" / "findings.json"),
                "--output",
                str(comment),
            ]
        )
        == 0
    )
    return {
        "folder": folder,
        "base": base,
        "head": head,
        "code": code,
        "stdout": stdout,
        "sarif": json.loads((folder / "out" / "findings.sarif").read_text()),
        "comment": comment.read_text(),
        "scratch_line": line_of(buckets, '"ScratchBucket"') - 2,
    }


def test_main_has_blocking_failures_of_its_own(
    platform_gate: tuple[Path, dict[str, Any]],
) -> None:
    _, base = platform_gate
    assert base["summary"]["gate"]["result"] == "failed"
    assert base["summary"]["gate"]["blocking"] > 0


def test_the_new_bucket_gets_a_sarif_result_on_its_line(pull_request: dict[str, Any]) -> None:
    results = pull_request["sarif"]["runs"][0]["results"]
    new = [r for r in results if r.get("baselineState") == "new"]
    located = {
        (
            r["ruleId"],
            r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
            r["locations"][0]["physicalLocation"]["region"]["startLine"],
        )
        for r in new
        if r["level"] == "error"
    }
    assert located == {("TAP-ENC-01", "infra/constructs/buckets.py", pull_request["scratch_line"])}
    assert all(
        r["locations"][0]["logicalLocations"][0]["name"].startswith("BucketsScratchBucket")
        for r in new
    )


def test_the_baseline_gate_fails_on_the_new_bucket_only(pull_request: dict[str, Any]) -> None:
    head, code = pull_request["head"], pull_request["code"]
    assert code == 1 == head["summary"]["gate"]["exit_code"]
    blocking = [
        f
        for f in head["findings"]
        if f["status"] == "fail"
        and not f["existing"]
        and f["severity"] in ("critical", "high", "medium")
    ]
    assert {(f["control_id"], f["resource"]["logical_id"][:20]) for f in blocking} == {
        ("TAP-ENC-01", "BucketsScratchBucket")
    }
    assert head["summary"]["gate"]["blocking"] == len(blocking)
    existing = head["summary"]["gate"]["existing"]
    assert existing > 0  # main's own failures: reported, not blocking
    assert f"{existing} existing failure(s) in the baseline" in pull_request["stdout"]


def test_the_comment_lists_exactly_that_one_new_failure(pull_request: dict[str, Any]) -> None:
    comment = pull_request["comment"]
    assert comment.startswith("<!-- tap-compliance-diff -->\n")
    assert len(comment) <= 65_000
    assert "1 new failure(s) at or above medium" in comment
    section = comment.split("### New failures at or above medium (1)")[1].split("###")[0]
    rows = [line for line in section.splitlines() if line.startswith("| high")]
    (row,) = rows
    assert "TAP-ENC-01" in row and "BucketsScratchBucket" in row
    assert f"infra/constructs/buckets.py:{pull_request['scratch_line']}" in row
    assert comment.index("### New failures") < comment.index("Still failing")
    assert "### Fixed (0)" in comment


def test_the_moved_construct_keeps_its_fingerprints_and_its_sarif_line_moves(
    pull_request: dict[str, Any],
) -> None:
    base = {
        f["fingerprint"]: f
        for f in pull_request["base"]["findings"]
        if f["target"] == "TapStack-dev"
        and f["source_location"]["file"] == "infra/constructs/api.py"
    }
    head = {
        f["fingerprint"]: f
        for f in pull_request["head"]["findings"]
        if f["source_location"]["file"] == "infra/constructs/api.py"
    }
    assert base and set(head) == set(base)
    for fingerprint, finding in head.items():
        before = base[fingerprint]["source_location"]["start_line"]
        assert finding["source_location"]["start_line"] == before + MOVED_BY
    sarif_lines = {
        r["partialFingerprints"]["tapFingerprint/v1"]: r["locations"][0]["physicalLocation"][
            "region"
        ]["startLine"]
        for r in pull_request["sarif"]["runs"][0]["results"]
    }
    moved = {p: sarif_lines[p] for p in head if p in sarif_lines}
    assert moved
    assert all(
        line == base[p]["source_location"]["start_line"] + MOVED_BY for p, line in moved.items()
    )
