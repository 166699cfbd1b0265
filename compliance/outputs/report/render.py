"""Render the audit report (HTML or Markdown) from a findings record.

``render`` is pure: the same record (with the same catalogue and reference data) gives
byte-identical output; nothing is read from the clock or the environment.
"""

from __future__ import annotations

from compliance.outputs.report.data import ReferenceData, default_reference_data
from compliance.outputs.report.markdown import MARKDOWN_CAP, fit_rows
from compliance.outputs.report.templates import FORMATS, Format, environment
from compliance.outputs.report.view import ReportView, build_view
from compliance.record.findings import FindingsRecord, severity_rank
from policies.catalog import Catalog, default_catalog


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
        return environment("html").get_template("audit.html.j2").render(view=view)
    return _render_markdown(view)


def _render_markdown(view: ReportView) -> str:
    """Failing rows first, then waived ones, as many as fit under the comment's size cap; a
    row is a finding, or one identical in several targets."""
    template = environment("md").get_template("audit.md.j2")
    failing = [g for g in view.groups if g.status == "fail"]
    failing.sort(key=lambda g: (severity_rank(g.finding.severity), g.ids[0]))
    waived = [g for g in view.groups if g.status == "waived"]
    waived.sort(key=lambda g: (severity_rank(g.finding.severity), g.ids[0]))
    findings = len(view.failing) + len(view.waived)

    def with_rows(shown: int) -> str:
        rows = failing[:shown]
        more = waived[: max(0, shown - len(failing))]
        listed = sum(len(g.items) for g in [*rows, *more])
        return template.render(
            view=view,
            failing=rows,
            waived=more,
            omitted=findings - listed,
            cap=MARKDOWN_CAP,
        )

    return fit_rows(with_rows, len(failing) + len(waived))
