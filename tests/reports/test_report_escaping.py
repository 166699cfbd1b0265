"""Hostile resource names and messages render inert in both formats."""

from __future__ import annotations

import re

import pytest

from compliance.outputs.report.markdown import escape_markdown
from compliance.outputs.report.render import render
from compliance.record.findings import FindingsRecord, Resource
from policies.catalog import Catalog

HOSTILE = "<script>alert(\"x\")</script> & 'q' | `tick` *b* _i_ [l](http://e) @team\nnext"


@pytest.fixture(scope="module")
def hostile_record(sample_record: FindingsRecord) -> FindingsRecord:
    findings = [
        f.model_copy(
            update={
                "message": HOSTILE,
                "title": HOSTILE,
                "target": "T<b>|",
                "resource": Resource(
                    logical_id="Id|<i>", type=f.resource.type, construct_path=HOSTILE
                ),
            }
        )
        for f in sample_record.findings
    ]
    return sample_record.model_copy(update={"findings": findings, "git_commit": HOSTILE})


def test_html_escapes_markup_quotes_and_ampersands(
    hostile_record: FindingsRecord, fixture_catalog: Catalog
) -> None:
    html = render(hostile_record, "html", catalog=fixture_catalog)
    assert "<script" not in html and "<b>" not in html and "<i>" not in html
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; &amp; &#39;q&#39;" in html


def _cells(row: str) -> list[str]:
    """Split a Markdown table row on pipes that are not backslash-escaped."""
    return re.split(r"(?<!\\)\|", row.strip())[1:-1]


def test_markdown_tables_keep_their_shape(
    hostile_record: FindingsRecord, fixture_catalog: Catalog
) -> None:
    md = render(hostile_record, "md", catalog=fixture_catalog)
    lines = md.splitlines()
    header = lines.index("| Evidence | Severity | Control | Target | Resource | Rule | Message |")
    end = lines.index("", header)
    rows = lines[header + 2 : end]
    assert len(rows) == hostile_record.summary.by_status["fail"]
    assert all(len(_cells(row)) == 7 for row in rows)
    assert "<script" not in md and "<b>" not in md
    assert "&lt;script&gt;" in md and "&#64;team" in md


@pytest.mark.parametrize(
    ("raw", "escaped"),
    [
        ("a|b", "a\\|b"),
        ("`x`", "\\`x\\`"),
        ("<img src=x>", "&lt;img src=x&gt;"),
        ("a & b", "a &amp; b"),
        ("*_[]~", "\\*\\_\\[\\]\\~"),
        ("back\\slash", "back\\\\slash"),
        ("two\nlines", "two lines"),
        ("@user", "&#64;user"),
        (None, ""),
        (42, "42"),
    ],
)
def test_escape_markdown(raw: object, escaped: str) -> None:
    assert escape_markdown(raw) == escaped
