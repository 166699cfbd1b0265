"""The Markdown comment stays under its cap whatever the input size, and says when it cuts."""

from __future__ import annotations

from compliance.outputs.report.markdown import MARKDOWN_CAP, fit_rows
from compliance.outputs.report.render import render
from compliance.record.findings import FindingsRecord
from policies.catalog import Catalog


def test_five_thousand_findings_stay_under_the_cap(
    large_record: FindingsRecord, fixture_catalog: Catalog
) -> None:
    md = render(large_record, "md", catalog=fixture_catalog)
    assert len(md) < MARKDOWN_CAP
    assert "**Truncated:**" in md
    shown = md.count("\n| E-")
    failing_or_waived = sum(1 for f in large_record.findings if f.status != "pass")
    assert 100 < shown < failing_or_waived
    assert f"{failing_or_waived - shown} more failing or waived finding(s)" in md


def test_small_record_is_not_truncated(sample_md: str) -> None:
    assert "Truncated" not in sample_md


def test_fit_rows_keeps_the_most_rows_that_fit() -> None:
    def render_rows(count: int) -> str:
        return "x" * (10 * count) + f"[{20 - count} left out]"

    text = fit_rows(render_rows, 20, cap=100)
    assert len(text) < 100 and text.startswith("x" * 80) and "[12 left out]" in text


def test_fit_rows_cuts_hard_when_nothing_fits() -> None:
    text = fit_rows(lambda count: "y" * 500, 3, cap=200)
    assert len(text) < 200 and "size limit" in text
