"""What a reader needs first: failures and waivers needing attention right after the summary,
each waiver's text once, approval dates, rows grouped across environments, and a cover that
says "verified live" only for what the record's runtime block shows."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from compliance.outputs.report.data import default_reference_data
from compliance.outputs.report.markdown import md_anchor
from compliance.outputs.report.render import render
from compliance.outputs.report.view import ReportView, build_view, id_ranges
from compliance.record.findings import (
    DriftCheck,
    FindingsRecord,
    LiveResource,
    MissingLookup,
    RuntimeCheck,
    RuntimeRule,
)
from policies.catalog import Catalog

W001 = "Access-log bucket receives S3 server access logs only"


@pytest.fixture(scope="module")
def view(sample_record: FindingsRecord, fixture_catalog: Catalog) -> ReportView:
    return build_view(sample_record, fixture_catalog, default_reference_data())


def _order(text: str, *needles: str) -> list[int]:
    return [text.index(needle) for needle in needles]


def test_html_failures_and_waivers_needing_attention_follow_the_summary(sample_html: str) -> None:
    places = _order(
        sample_html,
        '<section id="summary">',
        '<section id="failures"',
        '<section id="waivers-attention"',
        '<section id="config-rules">',
    )
    assert places == sorted(places)


def test_every_failure_with_its_fix(view: ReportView, sample_html: str) -> None:
    shown = [
        (g.control_id, g.severity, [r.finding.resource.logical_id for r in g.rows])
        for g in view.failures
    ]
    assert shown == [
        ("TAP-PUB-01", "critical", ["AccessLogsBucket83982689"]),
        ("TAP-ENC-01", "high", ["LogsBucket9C4D8843", "LogsBucket9C4D8843"]),
        ("TAP-ENC-05", "high", ["ProcessorFunction1A2B3C4D"]),
        ("TAP-IAM-01", "high", ["ConfigRole0A1B2C3D"]),
    ]
    assert sum(len(r.items) for g in view.failures for r in g.rows) == len(view.failing) == 5
    failures = sample_html[sample_html.index('<section id="failures"') :]
    failures = failures[: failures.index("</section>")]
    enc = failures[failures.index('id="fail-TAP-ENC-01"') :]
    enc = enc[: enc.index("</article>")]
    assert 'created at <span class="mono">infra/constructs/buckets.py:42</span>' in enc
    assert '<a class="mono" href="#E-0003">E-0003</a> dev' in enc
    assert '<a class="mono" href="#E-0004">E-0004</a> prod' in enc
    assert "Bucket default encryption is AES256 (S3-managed), not a customer-managed" in enc
    assert 'waiver <a class="mono" href="#waiver-W-002">W-002</a> expired on 2026-10-31' in enc
    assert "Set the bucket&#39;s encryption to KMS with the platform key." in enc
    assert "encryption=s3.BucketEncryption.KMS, encryption_key=key" in enc


def test_waivers_needing_attention(view: ReportView, sample_html: str, sample_md: str) -> None:
    assert [(r.waiver.id, r.flag, str(r.waiver.approved)) for r in view.attention] == [
        ("W-001", "expiring", "2026-06-10"),
        ("W-002", "expired", "2025-11-01"),
        ("W-003", "stale", "2026-07-01"),
    ]
    part = sample_html[sample_html.index('<section id="waivers-attention"') :]
    part = part[: part.index("</section>")]
    assert part.count("<tr class=") == 3 and "2026-06-10" in part
    assert "It matched no finding: remove it or correct its scope." in part
    md = sample_md[sample_md.index("### Waivers needing attention (3)") :]
    assert (
        "| [W-001](#waiver-w-001) | TAP-PUB-01 | expiring | 2026-06-10 | 2026-12-10 (in 20 days) |"
        in md
    )


def test_each_waiver_text_once_and_rows_link_to_it(sample_html: str, sample_md: str) -> None:
    assert sample_html.count(W001) == 1 and sample_md.count(W001) == 1
    assert sample_html.count("GuardDuty S3 protection alerts") == 1
    assert 'id="waiver-W-001"' in sample_html
    assert sample_html.count('href="#waiver-W-001"') == 2  # attention, appendix
    assert "#### Waiver W-001" in sample_md and md_anchor("Waiver W-001") == "waiver-w-001"
    assert "| [W-001](#waiver-w-001) | 2026-06-10 | 2026-12-10 |" in sample_md


def test_markdown_failures_come_first(sample_md: str) -> None:
    places = _order(
        sample_md, "| **all** |", "### Failures (5)", "### Waivers needing attention", "### Waived"
    )
    assert places == sorted(places)
    assert "- TAP-ENC-01 (S3 bucket default encryption uses a customer-managed KMS key): " in (
        sample_md
    )


def test_identical_findings_across_environments_share_a_row(view: ReportView) -> None:
    ids = [i for g in view.groups for i in g.ids]
    assert sorted(ids) == [e.id for e in view.evidence]  # every finding, once
    both = [g for g in view.groups if g.labels == ["dev", "prod"]]
    assert both and all(len({i.finding.message for i in g.items}) == 1 for g in both)
    (data,) = [
        g
        for g in both
        if g.finding.control_id == "TAP-ENC-01" and g.finding.resource.logical_id.startswith("Data")
    ]
    assert [i.finding.target for i in data.items] == ["TapStack-dev", "TapStack-prod"]


def test_id_ranges() -> None:
    ids = ["E-0001", "E-0002", "E-0003", "E-0005", "E-0006", "E-0009"]
    assert id_ranges(ids) == [
        ("E-0001", "E-0003"),
        ("E-0005", "E-0005"),
        ("E-0006", "E-0006"),
        ("E-0009", "E-0009"),
    ]


def _runtime(**changes: object) -> RuntimeCheck:
    check = RuntimeCheck(
        verified_at=datetime(2026, 11, 30, 12, 0, tzinfo=UTC),
        env="dev",
        stack="TapStack-dev",
        account="111111111111",
        region="us-east-1",
        rules=[
            RuntimeRule(
                name="kms",
                identifier="S3_DEFAULT_ENCRYPTION_KMS",
                logical_id="RuleKms",
                compliance="COMPLIANT",
                answered_by="x",
            ),
            RuntimeRule(
                name="rot",
                identifier="CMK_BACKING_KEY_ROTATION_ENABLED",
                logical_id="RuleRot",
                compliance="NOT_TESTED",
                answered_by="x",
            ),
        ],
        live=[
            LiveResource(logical_id="DataBucketE3889A50", type="AWS::S3::Bucket", state="read"),
            LiveResource(logical_id="Db", type="AWS::RDS::DBCluster", state="not-tested"),
        ],
        drift=DriftCheck(available=False, note="drift not available"),
    )
    return check.model_copy(update=changes)


def test_cover_without_runtime_says_not_verified_live(sample_html: str, sample_md: str) -> None:
    assert "not verified live</span> no deployed stack was read" in sample_html
    assert "keep watching" not in sample_html
    assert "**not verified live**: no deployed stack was read" in sample_md


def test_cover_says_what_was_verified_live_and_where(
    sample_record: FindingsRecord, fixture_catalog: Catalog
) -> None:
    local = _runtime(endpoint_url="http://127.0.0.1:5000")
    record = sample_record.model_copy(update={"runtime": local})
    html = render(record, "html", catalog=fixture_catalog)
    assert (
        "dev only (TapStack-dev, through the endpoint URL "
        '<span class="mono">http://127.0.0.1:5000</span>, not AWS\'s own endpoint): the '
        "configuration of 1 of 2 resource(s) read and judged; 1 of 2 AWS Config rule(s) gave a "
        'verdict; drift not checked. <span class="badge roc-not-tested">not verified live</span>'
        " prod." in html
    )
    md = render(record, "md", catalog=fixture_catalog)
    assert "Verified live: dev only (TapStack-dev, through the endpoint URL" in md
    assert "Not verified live: prod." in md


def test_a_runtime_block_that_read_nothing_is_not_verified_live(
    sample_record: FindingsRecord, fixture_catalog: Catalog
) -> None:
    nothing = _runtime(
        rules=[r.model_copy(update={"compliance": "NOT_TESTED"}) for r in _runtime().rules],
        live=[r.model_copy(update={"state": "not-tested"}) for r in _runtime().live],
    )
    record = sample_record.model_copy(update={"runtime": nothing})
    html = render(record, "html", catalog=fixture_catalog)
    assert "not verified live</span> verify ran on dev (TapStack-dev) but read no" in html
    assert "dev only" not in html


def test_requirement_rows_link_to_the_waiver_instead_of_repeating_it(
    sample_record: FindingsRecord, fixture_catalog: Catalog
) -> None:
    dev_only = sample_record.model_copy(
        update={"findings": [f for f in sample_record.findings if f.target == "TapStack-dev"]}
    )
    html = render(dev_only, "html", catalog=fixture_catalog)
    assert (
        '<div>compensating controls: <a class="mono" href="#waiver-W-001">W-001</a></div>' in html
    )
    assert html.count(W001) == 1


def test_templates_not_judged_are_failures_too(
    sample_record: FindingsRecord, fixture_catalog: Catalog
) -> None:
    broken = sample_record.targets[1].model_copy(
        update={"status": "error", "note": "Fn::ImportValue of an undeclared export"}
    )
    lookup = MissingLookup(
        key="vpc-provider:account=1:filter.vpc-id=vpc-1",
        provider="vpc-provider",
        manifest="cdk.out/manifest.json",
        message="Vpc.from_lookup vpc-1: run cdk synth with credentials to fill cdk.context.json",
    )
    record = sample_record.model_copy(
        update={
            "findings": [],
            "targets": [sample_record.targets[0], broken],
            "missing_lookups": [lookup],
        }
    )
    html = render(record, "html", catalog=fixture_catalog)
    part = html[html.index('<section id="failures"') :]
    part = part[: part.index("</section>")]
    assert "Not judged: each fails the gate" in part and "No failures" not in part
    assert "Fn::ImportValue of an undeclared export" in part
    assert "run cdk synth with credentials to fill cdk.context.json" in part
    md = render(record, "md", catalog=fixture_catalog)
    assert (
        "- Not judged (fails the gate): TapStack-prod (cdk.out/TapStack-prod.template.json): "
        "Fn::ImportValue of an undeclared export" in md
    )
    assert "No failures." not in md
