"""Render the audit report (HTML or Markdown) from a findings record.

``render`` is pure: the same record (with the same catalogue and reference data) gives
byte-identical output; nothing is read from the clock or the environment.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Literal

from jinja2 import Environment, FileSystemBytecodeCache, FileSystemLoader, StrictUndefined

import reports
from compliance.outputs.report.data import ReferenceData, default_reference_data
from compliance.outputs.report.markdown import MARKDOWN_CAP, escape_markdown, fit_rows
from compliance.outputs.report.view import ReportView, build_view
from compliance.record.findings import FindingsRecord
from policies.catalog import Catalog, default_catalog

Format = Literal["html", "md"]
FORMATS: tuple[Format, ...] = ("html", "md")
TEMPLATES_DIR = Path(reports.__file__).parent / "templates"


@cache
def _environment(fmt: Format) -> Environment:
    """HTML autoescapes; Markdown escapes every printed value through ``finalize``. Compiled
    templates are kept in jinja's per-user bytecode cache (keyed by the template's source),
    so a run does not compile them again."""
    return Environment(
        loader=FileSystemLoader(TEMPLATES_DIR),
        bytecode_cache=FileSystemBytecodeCache(),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        autoescape=fmt == "html",
        finalize=None if fmt == "html" else escape_markdown,
    )


def render(
    record: FindingsRecord,
    fmt: Format,
    *,
    catalog: Catalog | None = None,
    data: ReferenceData | None = None,
) -> str:
    """The audit report of ``record`` as an HTML document or a Markdown comment."""
    if fmt not in FORMATS:
        raise ValueError(f"unknown report format {fmt!r}: use one of {', '.join(FORMATS)}")
    view = build_view(
        record,
        catalog if catalog is not None else default_catalog(),
        data if data is not None else default_reference_data(),
    )
    if fmt == "html":
        return _environment("html").get_template("audit.html.j2").render(view=view)
    return _render_markdown(view)


def _render_markdown(view: ReportView) -> str:
    template = _environment("md").get_template("audit.md.j2")
    rows = len(view.failing) + len(view.waived)

    def with_rows(shown: int) -> str:
        failing = view.failing[:shown]
        waived = view.waived[: max(0, shown - len(view.failing))]
        return template.render(
            view=view,
            failing=failing,
            waived=waived,
            omitted=rows - len(failing) - len(waived),
            cap=MARKDOWN_CAP,
        )

    return fit_rows(with_rows, rows)
