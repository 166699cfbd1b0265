"""The HTML report in real headless Chromium: sections, links, no loads, screenshot, PDF."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.reports.report_chromium import FLAGS, chromium_path, print_to_pdf

pytestmark = pytest.mark.browser

CHROMIUM = chromium_path()
if CHROMIUM is None:
    pytest.skip("chromium is not installed", allow_module_level=True)

from playwright.sync_api import Page, sync_playwright  # noqa: E402
from pypdf import PdfReader  # noqa: E402

SECTIONS = {
    "cover": "TAP — PCI DSS pre-deployment compliance evidence",
    "summary": "Summary",
    "failures": "Failures",
    "waivers-attention": "Waivers needing attention",
    "config-rules": "By AWS Config rule",
    "pci-v4-0-1": "By PCI DSS v4.0.1 requirement",
    "pci-v3-2-1": "By PCI DSS v3.2.1 requirement",
    "waivers": "Waivers",
    "findings": "Findings appendix (evidence)",
}


@pytest.fixture(scope="module")
def report_file(tmp_path_factory: pytest.TempPathFactory, sample_html: str) -> Path:
    path = tmp_path_factory.mktemp("report") / "audit.html"
    path.write_text(sample_html, encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def loaded(report_file: Path) -> Iterator[tuple[Page, list[str], list[str]]]:
    """The report opened in Chromium, with every request and every failure/console error."""
    requests: list[str] = []
    problems: list[str] = []
    with sync_playwright() as driver:
        browser = driver.chromium.launch(executable_path=CHROMIUM, args=list(FLAGS))
        page = browser.new_page(viewport={"width": 1200, "height": 1400})
        page.on("request", lambda r: requests.append(r.url))
        page.on("requestfailed", lambda r: problems.append(f"failed load {r.url}"))
        page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: problems.append(str(e)))
        page.goto(report_file.as_uri(), wait_until="load")
        yield page, requests, problems
        browser.close()


def test_every_section_is_rendered(loaded: tuple[Page, list[str], list[str]]) -> None:
    page, _, _ = loaded
    for anchor, heading in SECTIONS.items():
        section = page.locator(f"#{anchor}")
        assert section.is_visible()
        assert heading in section.locator("h1, h2").first.inner_text()
    assert page.locator("#summary svg.chart rect").count() > 3
    assert page.locator("#findings [id^='E-']").count() == 16  # every finding keeps its id


def test_evidence_links_resolve(loaded: tuple[Page, list[str], list[str]]) -> None:
    page, _, _ = loaded
    targets = page.eval_on_selector_all(
        "a[href^='#']", "links => links.map(a => a.getAttribute('href').slice(1))"
    )
    missing = [t for t in set(targets) if page.locator(f"[id='{t}']").count() != 1]
    assert targets and not missing


def test_no_resource_is_loaded_and_nothing_fails(
    loaded: tuple[Page, list[str], list[str]], report_file: Path
) -> None:
    _, requests, problems = loaded
    assert requests == [report_file.as_uri()]
    assert problems == []


def test_hostile_text_stays_text(loaded: tuple[Page, list[str], list[str]]) -> None:
    page, _, _ = loaded
    assert page.locator("script, img").count() == 0
    assert "<script>alert('x')</script>" in page.locator("#findings").inner_text()


def test_screenshot(loaded: tuple[Page, list[str], list[str]], tmp_path: Path) -> None:
    page, _, _ = loaded
    png = tmp_path / "report.png"
    page.screenshot(path=str(png), full_page=True)
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and png.stat().st_size > 20_000


def test_prints_to_several_pdf_pages(report_file: Path, tmp_path: Path) -> None:
    assert CHROMIUM is not None
    pdf = tmp_path / "audit.pdf"
    print_to_pdf(CHROMIUM, report_file, pdf, tmp_path / "profile")
    pages = len(PdfReader(pdf).pages)
    assert pages >= len(SECTIONS) - 3  # page breaks between sections (failures follow)
