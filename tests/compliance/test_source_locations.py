"""Source locations: every finding of the real app points at the line of infra/ that made it."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from compliance.gate.baseline import gate_against
from compliance.outputs.report.markdown import escape_markdown
from compliance.outputs.report.render import render as render_report
from compliance.outputs.sarif import FINGERPRINT_KEY, SRCROOT, to_sarif
from compliance.outputs.where import source_line
from compliance.record.findings import FindingsRecord
from compliance.synthesis.source_capture import SOURCES_FILE
from policies.catalog import default_catalog
from tests.compliance.app_copy import line_of

pytestmark = pytest.mark.slow


def findings_of(record: dict[str, Any], construct_path_part: str) -> list[dict[str, Any]]:
    return [
        f
        for f in record["findings"]
        if f["target"] == "TapStack-dev"
        and construct_path_part in (f["resource"]["construct_path"] or "")
    ]


def test_every_finding_of_the_three_environments_has_a_source_location_in_infra(
    platform_gate: tuple[Path, dict[str, Any]],
) -> None:
    folder, record = platform_gate
    assert {t["env"] for t in record["targets"]} == {"dev", "staging", "prod"}
    assert {f["target"] for f in record["findings"]} == {t["name"] for t in record["targets"]}
    for finding in record["findings"]:
        where = finding["source_location"]
        assert where is not None, finding
        assert where["file"].startswith("infra/") and where["file"].endswith(".py"), where
        lines = (folder / where["file"]).read_text().splitlines()
        assert 1 <= where["start_line"] <= len(lines), where
    assert (folder / "out" / "cdk.out" / SOURCES_FILE).is_file()


def test_the_files_the_synthesis_adds_keep_their_names(
    platform_gate: tuple[Path, dict[str, Any]],
) -> None:
    """The names are a contract with assemblies already written (``scan`` of an earlier
    check's cdk.out reads them): the source lines and the note of the cdk-nag packs that ran."""
    folder, _ = platform_gate
    added = {p.name for p in (folder / "out" / "cdk.out").glob("tap-compliance.*")}
    assert added == {"tap-compliance.sources.json", "tap-compliance.nag-packs.json"}


def test_a_resource_an_l2_creates_belongs_to_the_line_that_created_the_l2(
    platform_gate: tuple[Path, dict[str, Any]],
) -> None:
    folder, record = platform_gate
    buckets = folder / "infra" / "constructs" / "buckets.py"
    bucket_line = line_of(buckets, "return s3.Bucket(")
    # The bucket policy that enforce_ssl makes inside the L2, and the L1 bucket itself.
    policy = findings_of(record, "/Buckets/IngestionBucket/Policy/")
    bucket = findings_of(record, "/Buckets/IngestionBucket/Resource")
    assert policy and bucket
    for finding in policy + bucket:
        where = finding["source_location"]
        assert (where["file"], where["start_line"]) == ("infra/constructs/buckets.py", bucket_line)
        assert where["called_from"][0] == {
            "file": "infra/constructs/buckets.py",
            "start_line": line_of(buckets, "self.ingestion = seed_bucket("),
            "end_line": None,
        }


def test_the_buckets_one_helper_makes_read_distinct_call_sites(
    platform_gate: tuple[Path, dict[str, Any]],
) -> None:
    """Four buckets come from ``seed_bucket``: one line, told apart by the call that led there."""
    folder, record = platform_gate
    buckets = folder / "infra" / "constructs" / "buckets.py"
    governance = folder / "infra" / "constructs" / "governance.py"
    calls = {
        "/Buckets/IngestionBucket/Resource": (buckets, "self.ingestion = seed_bucket("),
        "/Buckets/AnalyticsBucket/Resource": (buckets, "self.analytics = seed_bucket("),
        "/Buckets/ArchivalBucket/Resource": (buckets, "self.archival = seed_bucket("),
        "/Governance/ConfigBucket/Resource": (governance, "self.bucket = seed_bucket("),
    }
    seen = set()
    for part, (file, text) in calls.items():
        findings = findings_of(record, part)
        assert findings, part
        for finding in findings:
            where = finding["source_location"]
            assert (where["file"], where["start_line"]) == (
                "infra/constructs/buckets.py",
                line_of(buckets, "return s3.Bucket("),
            )
            call = where["called_from"][0]
            assert (call["file"], call["start_line"]) == (
                file.relative_to(folder).as_posix(),
                line_of(file, text),
            )
            seen.add((call["file"], call["start_line"]))
    assert len(seen) == 4


def test_a_helper_cdk_adds_to_the_stack_belongs_to_the_construct_that_caused_it(
    platform_gate: tuple[Path, dict[str, Any]],
) -> None:
    folder, record = platform_gate
    network = folder / "infra" / "constructs" / "network.py"
    # the VPC (restrictDefaultSecurityGroup) makes CDK add a provider at the stack's root.
    restrict = findings_of(
        record, "TapStack-dev/Custom::VpcRestrictDefaultSGCustomResourceProvider"
    )
    assert restrict
    vpc_line = line_of(network, "ec2.Vpc(")
    assert {
        (f["source_location"]["file"], f["source_location"]["start_line"]) for f in restrict
    } == {("infra/constructs/network.py", vpc_line)}
    # auto_delete_objects on the buckets adds the auto-delete provider at the stack's root.
    provider = findings_of(record, "TapStack-dev/Custom::S3AutoDeleteObjectsCustomResourceProvider")
    assert provider
    # the first bucket with auto-delete (the access-log bucket) makes CDK add it
    assert {f["source_location"]["file"] for f in provider} == {"infra/hardening/logs.py"}


def test_sarif_points_at_the_source_and_keeps_the_template_as_related_location(
    platform_gate: tuple[Path, dict[str, Any]],
) -> None:
    folder, record = platform_gate
    log = json.loads((folder / "out" / "findings.sarif").read_text())
    results = log["runs"][0]["results"]
    failing = [f for f in record["findings"] if f["status"] != "pass"]
    assert len(results) == len(failing) > 0
    for result, finding in zip(results, failing, strict=True):
        physical = result["locations"][0]["physicalLocation"]
        assert physical["artifactLocation"] == {
            "uri": finding["source_location"]["file"],
            "uriBaseId": SRCROOT,
        }
        assert physical["region"] == {"startLine": finding["source_location"]["start_line"]}
        related, *calls = result["relatedLocations"]
        assert related["physicalLocation"]["artifactLocation"] == {
            "uri": finding["location"]["file"],  # out/cdk.out/..., below the copy's root
            "uriBaseId": SRCROOT,
        }
        assert (
            related["physicalLocation"]["region"]["startLine"] == finding["location"]["start_line"]
        )
        assert [
            (c["physicalLocation"]["artifactLocation"]["uri"], c["physicalLocation"]["region"])
            for c in calls
        ] == [
            (site["file"], {"startLine": site["start_line"]})
            for site in finding["source_location"]["called_from"]
        ]
        assert result["partialFingerprints"] == {FINGERPRINT_KEY: finding["fingerprint"]}
        assert "baselineState" not in result


def test_fingerprints_are_unique_per_control_and_resource(
    platform_gate: tuple[Path, dict[str, Any]],
) -> None:
    _, record = platform_gate
    by_print: dict[str, set[tuple[str, ...]]] = {}
    for f in record["findings"]:
        key = (f["control_id"] or f["rule_id"], f["target"], f["resource"]["logical_id"])
        by_print.setdefault(f["fingerprint"], set()).add(key)
    assert all(len(keys) == 1 for keys in by_print.values())
    assert len(by_print) == len({k for keys in by_print.values() for k in keys})


def test_scan_of_a_plain_template_keeps_template_locations(small_record: FindingsRecord) -> None:
    assert small_record.findings
    assert all(f.source_location is None for f in small_record.findings)
    log = json.loads(to_sarif(small_record, default_catalog()))
    for result in log["runs"][0]["results"]:
        artifact = result["locations"][0]["physicalLocation"]["artifactLocation"]
        assert artifact["uri"].endswith("small-platform.yaml")
        assert "relatedLocations" not in result


def test_the_audit_reports_show_the_source_and_the_template_and_existing_failures(
    platform_gate: tuple[Path, dict[str, Any]],
) -> None:
    record = FindingsRecord.model_validate(platform_gate[1])
    gated = gate_against(record, record, "base.json")
    failing = next(f for f in gated.findings if f.status == "fail" and f.source_location)
    assert failing.source_location and failing.location
    source = f"{failing.source_location.file}:{failing.source_location.start_line}"
    html = render_report(gated, "html")
    assert f'created at <span class="mono">{source}</span>' in html
    assert f"{failing.location.file}:{failing.location.start_line}" in html
    assert "existing (in the baseline)" in html
    assert f"{gated.summary.gate.existing} existing failure(s) in the baseline" in html
    markdown = render_report(gated, "md")
    assert f" at {escape_markdown(source_line(failing.source_location, 1))} |" in markdown
    assert "existing (in the baseline): " in markdown
