"""Both formats of the fixed record match their committed snapshots, byte for byte.

After an intended change run ``python tests/reports/update_snapshots.py`` and review the diff.
"""

from __future__ import annotations

from pathlib import Path

from compliance.outputs.report.render import render
from compliance.record.findings import FindingsRecord
from policies.catalog import Catalog

SNAPSHOTS = Path(__file__).with_name("snapshots")
HINT = "report changed: run `python tests/reports/update_snapshots.py` and review the diff"


def test_html_matches_snapshot(sample_html: str) -> None:
    assert sample_html == (SNAPSHOTS / "audit.html").read_text(encoding="utf-8"), HINT


def test_markdown_matches_snapshot(sample_md: str) -> None:
    assert sample_md == (SNAPSHOTS / "audit.md").read_text(encoding="utf-8"), HINT


def test_rendering_twice_is_byte_identical(
    sample_record: FindingsRecord, fixture_catalog: Catalog, sample_html: str, sample_md: str
) -> None:
    assert render(sample_record, "html", catalog=fixture_catalog) == sample_html
    assert render(sample_record, "md", catalog=fixture_catalog) == sample_md


def test_html_has_every_section(sample_html: str) -> None:
    for anchor in ("cover", "summary", "config-rules", "pci-v4-0-1", "pci-v3-2-1", "waivers"):
        assert f'id="{anchor}"' in sample_html
    assert 'id="E-0001"' in sample_html and 'id="E-0016"' in sample_html


def test_html_is_self_contained(sample_html: str) -> None:
    for needle in ("<script", "<link", "@import", "url(", 'src="http', 'href="http'):
        assert needle not in sample_html
