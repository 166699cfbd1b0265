"""The reports' "Requirement coverage" section: the twelve principal requirements, each
expandable to its sections, the by-hand list, and at most 10 printed pages (Chromium, A4)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from compliance.outputs.report.coverage import coverage_view
from compliance.outputs.report.data import default_reference_data
from compliance.outputs.report.render import render
from compliance.outputs.report.templates import TEMPLATES_DIR, environment
from compliance.outputs.report.view import build_view
from compliance.record.coverage import requirement_coverage
from compliance.record.findings import FindingsRecord
from compliance.record.requirements import CoverageScope, default_tree
from policies.catalog import Catalog
from tests.reports.report_chromium import chromium_path, print_to_pdf

#: The most printed pages the section may add to the HTML report.
MAX_PAGES = 10


def test_each_report_includes_the_section_once() -> None:
    for name, partial in (("audit.html.j2", "coverage.html.j2"), ("audit.md.j2", "coverage.md.j2")):
        text = (TEMPLATES_DIR / name).read_text(encoding="utf-8")
        assert text.count(f'{{% include "{partial}" %}}') == 1


def test_the_view_holds_the_tree_and_the_by_hand_list(sample_record: FindingsRecord) -> None:
    view = coverage_view(sample_record)
    tree = default_tree()
    assert [p.id for p in view.principals] == [p.id for p in tree.requirements]
    assert [[s.id for s in p.sections] for p in view.principals] == [
        [s.id for s in p.sections] for p in tree.requirements
    ]
    by_hand = [r.id for r in tree.defined() if r.status in ("manual", "partial")]
    assert [item.id for group in view.by_hand for item in group.items] == by_hand
    assert view.left_by_hand == len(by_hand)
    assert view.defined == len(tree.defined())


def test_a_scan_s_scoping_is_said_and_its_by_hand_list_holds_the_platform_s_scoping(
    sample_record: FindingsRecord, fixture_catalog: Catalog, sample_html: str, sample_md: str
) -> None:
    coverage = requirement_coverage(
        sample_record.findings, sample_record.targets, fixture_catalog, scope="templates"
    )
    scanned = sample_record.model_copy(update={"coverage": coverage})
    view = coverage_view(scanned)
    tree = default_tree()
    by_hand = [
        r.id for r in tree.defined() if r.status in ("manual", "partial") or r.basis == "platform"
    ]
    assert view.scope == "templates"
    assert [item.id for group in view.by_hand for item in group.items] == by_hand
    assert view.totals["not-applicable"] == sum(r.basis == "aws" for r in tree.defined())
    html, md = (render(scanned, each, catalog=fixture_catalog) for each in ("html", "md"))
    said = {"html": "how each is met by the judged templates", "md": "Scoped for the judged"}
    assert said["html"] in html and said["md"] in md
    assert said["html"] not in sample_html and said["md"] not in sample_md
    assert "how each is met on this platform" in sample_html


def test_a_record_without_coverage_says_so(sample_record: FindingsRecord) -> None:
    bare = sample_record.model_copy(update={"coverage": None})
    assert coverage_view(bare).principals == []


def test_html_rows_expand_to_sections(sample_html: str, sample_record: FindingsRecord) -> None:
    section = sample_html[sample_html.index('<section id="coverage">') :]
    section = section[: section.index("</section>")]
    assert section.count("<details>") == 12
    for principal in default_tree().requirements:
        for each in principal.sections:
            assert f'<span class="mono">{each.id}</span>' in section
    # 3.5 of the sample: its findings' results, never a pass where nothing was tested
    assert "not tested" in section or "no control" in section
    assert 'id="by-hand"' in section


def test_markdown_lists_principals_and_the_by_hand_ids(sample_md: str) -> None:
    section = sample_md[sample_md.index("### Requirement coverage") :]
    rows = re.findall(r"^\| (\d{1,2}) ", section, flags=re.MULTILINE)
    assert rows[:12] == [str(n) for n in range(1, 13)]
    assert "<details><summary>Left to evidence by hand (" in section
    assert "12.10.7" in section


@pytest.mark.browser
@pytest.mark.parametrize("scope", ["platform", "templates"])
def test_the_section_prints_on_at_most_ten_pages(
    tmp_path: Path, sample_record: FindingsRecord, fixture_catalog: Catalog, scope: CoverageScope
) -> None:
    """The section alone, with the report's own CSS, printed by Chromium to A4; a scan's
    (scoped for templates) too, whose by-hand list is the longer."""
    chromium = chromium_path()
    if chromium is None:
        pytest.skip("chromium is not installed")
    from pypdf import PdfReader

    coverage = requirement_coverage(
        sample_record.findings, sample_record.targets, fixture_catalog, scope=scope
    )
    record = sample_record.model_copy(update={"coverage": coverage})
    view = build_view(record, fixture_catalog, default_reference_data())
    alone = environment("html").from_string(
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>coverage</title>'
        '<style>{% include "audit.css" %}</style></head><body>'
        '{% include "coverage.html.j2" %}</body></html>'
    )
    html = tmp_path / "coverage.html"
    html.write_text(alone.render(view=view), encoding="utf-8")
    pdf = tmp_path / "coverage.pdf"
    print_to_pdf(chromium, html, pdf, tmp_path / "profile")
    pages = len(PdfReader(pdf).pages)
    assert 1 < pages <= MAX_PAGES
