"""The view model: ROC statuses, evidence ids, Config-rule sections, waivers, chart."""

from __future__ import annotations

import pytest

from compliance.outputs.report.data import default_reference_data
from compliance.outputs.report.render import render
from compliance.outputs.report.view import ReportView, build_view
from compliance.outputs.roc import roc_status
from compliance.record.findings import FindingsRecord, effective_status
from policies.catalog import Catalog


@pytest.fixture(scope="module")
def view(sample_record: FindingsRecord, fixture_catalog: Catalog) -> ReportView:
    return build_view(sample_record, fixture_catalog, default_reference_data())


def _statuses(view: ReportView, version: str) -> dict[str, str]:
    (req,) = [r for r in view.requirements if r.version == version]
    return {row.id: row.status for group in req.groups for row in group.rows}


@pytest.mark.parametrize(
    ("statuses", "governed_present", "expected"),
    [
        (["pass", "fail", "waived"], True, "Not in Place"),
        (["pass", "waived"], True, "In Place"),
        (["pass"], False, "In Place"),
        ([], True, "Not Tested"),
        ([], False, "Not Applicable"),
    ],
)
def test_roc_rule(statuses: list[str], governed_present: bool, expected: str) -> None:
    assert roc_status(statuses, governed_present) == expected  # type: ignore[arg-type]


def test_roc_statuses_of_the_sample(view: ReportView) -> None:
    v4 = _statuses(view, "4.0.1")
    assert v4["4.2.1"] == "In Place"  # TLS: passes only
    assert v4["1.3.1"] == "Not in Place"  # public access block failed in prod
    assert v4["3.7.4"] == "Not Tested"  # KMS keys present, no rotation finding
    v3 = _statuses(view, "3.2.1")
    assert v3["3.4.1"] == "Not Applicable"  # no EBS volume, instance or launch template
    assert v3["4.1"] == "In Place"


def test_waived_only_requirement_lists_compensating_controls(
    sample_record: FindingsRecord, fixture_catalog: Catalog
) -> None:
    dev_only = sample_record.model_copy(
        update={"findings": [f for f in sample_record.findings if f.target == "TapStack-dev"]}
    )
    view = build_view(dev_only, fixture_catalog, default_reference_data())
    (req,) = [r for r in view.requirements if r.version == "4.0.1"]
    (row,) = [row for g in req.groups for row in g.rows if row.id == "1.3.1"]
    assert row.status == "In Place"
    assert [w.id for w in row.compensating] == ["W-001"]
    assert row.compensating[0].compensating_control is not None


def test_expired_waiver_does_not_waive(sample_record: FindingsRecord) -> None:
    (finding,) = [f for f in sample_record.findings if f.waiver and f.waiver.expired]
    as_waived = finding.model_copy(update={"status": "waived"})
    assert effective_status(as_waived) == "fail"


def test_evidence_ids_are_sequential_and_cover_every_finding(
    view: ReportView, sample_record: FindingsRecord
) -> None:
    ids = [e.id for e in view.evidence]
    assert ids == [f"E-{n:04d}" for n in range(1, len(sample_record.findings) + 1)]


def test_config_rule_sections(view: ReportView, sample_record: FindingsRecord) -> None:
    sections = {s.identifier: s for s in view.config_rules}
    deployed = {r for t in sample_record.targets for r in t.config_rules}
    mapped = {r for f in sample_record.findings for r in f.config_rules}
    assert deployed | mapped <= set(sections)
    order = [s.identifier for s in view.config_rules]
    assert order[: len(deployed)] == sorted(deployed), "deployed rules come first"
    assert order[len(deployed) :] == sorted(set(order) - deployed)
    logging = sections["S3_BUCKET_LOGGING_ENABLED"]
    assert logging.deployed_by == ["TapStack-dev", "TapStack-prod"]
    assert logging.resources == [] and logging.status is None and logging.description
    public = sections["S3_BUCKET_LEVEL_PUBLIC_ACCESS_PROHIBITED"]
    assert public.status == "fail"
    assert [r.status for r in public.resources] == ["waived", "fail"]
    assert public.pci["4.0.1"] == ["1.3.1", "1.4.4"]
    assert "TAP-PUB-01: checkov CKV_TAP_8" in public.static_checks


def test_waiver_flags(view: ReportView) -> None:
    flags = {row.waiver.id: (row.flag, row.days_left) for row in view.waivers}
    assert flags == {"W-001": ("expiring", 20), "W-002": ("expired", -20), "W-003": ("stale", 222)}
    assert [row.waiver.id for row in view.attention] == ["W-001", "W-002", "W-003"]


def test_chart_bars_are_proportional(view: ReportView) -> None:
    bars = {bar.label: bar for bar in view.summary.chart.bars}
    high, critical = bars["high"], bars["critical"]
    high_width = sum(s.width for s in high.segments)
    critical_width = sum(s.width for s in critical.segments)
    assert high_width == pytest.approx(critical_width * high.total / critical.total, abs=0.05)
    assert bars["low"].segments == []


def test_requirement_titles_come_from_data(view: ReportView) -> None:
    (req,) = [r for r in view.requirements if r.version == "4.0.1"]
    (group,) = [g for g in req.groups if g.id == "3"]
    assert group.title == "Protect Stored Account Data"
    (row,) = [r for r in group.rows if r.id == "3.5.1"]
    assert (row.title_from, row.title) == (
        "3.5",
        "Primary account number (PAN) is secured wherever it is stored.",
    )


def test_a_waiver_not_applicable_to_the_run_says_so_with_why(
    sample_record: FindingsRecord, fixture_catalog: Catalog
) -> None:
    note = "it waives in prod only, and this run judged dev"
    waivers = [
        w.model_copy(update={"state": "not-applicable", "note": note}) if w.id == "W-003" else w
        for w in sample_record.waivers
    ]
    html = render(
        sample_record.model_copy(update={"waivers": waivers}), "html", catalog=fixture_catalog
    )
    article = html[html.index('<h3><span class="mono">W-003</span>') :].split("</article>", 1)[0]
    assert '<span class="muted">not applicable to this run</span></h3>' in article
    assert f'<p class="muted">{note}</p>' in article
    attention = html[html.index('id="waivers-attention"') :].split("</section>", 1)[0]
    assert "W-003" not in attention
