"""The three-environment audit report (``check --env all`` on the platform, its shipped waivers)
prints to at most 100 A4 pages in Chromium, and no finding is dropped to get there."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from compliance.cli import main
from compliance.record.findings import FindingsRecord
from tests.compliance.engine_testdata import ROOT, unexpiring
from tests.reports.report_chromium import chromium_path, print_to_pdf

pytestmark = [pytest.mark.slow, pytest.mark.browser]

CHROMIUM = chromium_path()
if CHROMIUM is None:
    pytest.skip("chromium is not installed", allow_module_level=True)

from pypdf import PdfReader  # noqa: E402

#: What the report must print to, whatever else is added to it.
MAX_PAGES = 100


@pytest.fixture(scope="module")
def three_environments(tmp_path_factory: pytest.TempPathFactory) -> tuple[FindingsRecord, Path]:
    """The record and the HTML report of ``check --env all`` with the shipped waivers (their
    dates moved out, so that the test does not depend on today's date)."""
    folder = tmp_path_factory.mktemp("three-environments")
    waivers = folder / "waivers.yaml"
    waivers.write_text(unexpiring((ROOT / "waivers.yaml").read_text()))
    out = folder / "out"
    assert main(["check", "--env", "all", "--waivers", str(waivers), "--out", str(out)]) == 0
    record = FindingsRecord.model_validate_json((out / "findings.json").read_text())
    return record, out / "audit.html"


def test_prints_to_at_most_100_pages(
    three_environments: tuple[FindingsRecord, Path], tmp_path: Path
) -> None:
    record, html = three_environments
    assert {t.env for t in record.targets} == {"dev", "staging", "prod"}
    assert len(record.findings) > 500 and any(f.waiver for f in record.findings)
    assert CHROMIUM is not None
    pdf = tmp_path / "audit.pdf"
    print_to_pdf(CHROMIUM, html, pdf, tmp_path / "profile")
    pages = len(PdfReader(pdf).pages)
    assert pages == len(re.findall(rb"/Type\s*/Page[^s]", pdf.read_bytes()))
    assert 10 < pages <= MAX_PAGES, f"{pages} pages"


def test_no_finding_is_dropped(three_environments: tuple[FindingsRecord, Path]) -> None:
    record, html = three_environments
    text = html.read_text(encoding="utf-8")
    anchors = set(re.findall(r'id="(E-\d{4})"', text))
    assert anchors == {f"E-{n:04d}" for n in range(1, len(record.findings) + 1)}
    missing = {f.resource.logical_id for f in record.findings} - set(
        re.findall(r'<span class="mono">([^<]+)</span>', text)
    )
    assert missing == set()
