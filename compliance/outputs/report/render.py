"""Render the audit report (HTML or Markdown) from a findings record.

``render`` is pure: the same record (with the same catalogue and reference data) gives
byte-identical output; nothing is read from the clock or the environment.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from compliance.outputs.report.data import ReferenceData, default_reference_data
from compliance.outputs.report.markdown import MARKDOWN_CAP, fit_parts
from compliance.outputs.report.templates import FORMATS, Format, environment
from compliance.outputs.report.view import FindingGroup, ReportView, build_view
from compliance.record.findings import FindingsRecord, Status, severity_rank
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


@dataclass(frozen=True)
class _Part:
    """A list of the Markdown comment that may be cut: its rows, most needed first, and how
    many of what each row stands for (a row of findings identical in several targets is
    several findings)."""

    name: str
    what: str
    rows: Sequence[object]
    size: Callable[[Any], int] = lambda row: 1
    #: Rows it gets in the first round of fitting, before any part gets more (see fit_parts).
    first: int = 0

    def left_out(self, shown: int) -> int:
        """How many of what it lists are not among the first ``shown`` rows."""
        return sum(self.size(row) for row in self.rows[shown:])


def _render_markdown(view: ReportView) -> str:
    """The comment with as many rows of each long list as fit under its size cap, the lists
    a reviewer needs most (failures, waivers needing attention and their texts) first: the
    worst 100 failures, 50 waivers needing attention and 5 texts before any list gets more.
    Every list cut is counted in its section and at the end."""
    template = environment("md").get_template("audit.md.j2")
    runtime = view.cover.runtime
    parts = [
        _Part("failing", "failing finding(s)", _worst_first(view, "fail"), _items, first=100),
        _Part("attention", "waiver(s) needing attention", view.attention, first=50),
        _Part(
            "texts",
            "waiver text(s)",
            [*view.attention, *(row for row in view.waivers if row.flag is None)],
            first=5,
        ),
        _Part("waived", "waived finding(s)", _worst_first(view, "waived"), _items),
        _Part("disagreements", "resource(s) where the tools disagree", view.disagreements),
        _Part("comparisons", "static vs runtime row(s)", runtime.comparisons if runtime else []),
        _Part(
            "by_hand",
            "requirement(s) left to evidence by hand",
            view.coverage.by_hand if view.coverage else [],
            _items,
        ),
    ]

    def with_rows(shown: list[int]) -> str:
        rows = {part.name: part.rows[:count] for part, count in zip(parts, shown, strict=True)}
        with_text = {id(row) for row in rows["texts"]}  # printed in the waiver file's order
        rows["texts"] = [row for row in view.waivers if id(row) in with_text]
        cut = {part.name: part.left_out(count) for part, count in zip(parts, shown, strict=True)}
        return template.render(
            view=view,
            **rows,
            cut=cut,
            omitted=[(cut[part.name], part.what) for part in parts if cut[part.name]],
            cap=MARKDOWN_CAP,
        )

    return fit_parts(
        with_rows, [len(part.rows) for part in parts], first=[part.first for part in parts]
    )


def _worst_first(view: ReportView, status: Status) -> list[FindingGroup]:
    """The finding rows of ``status``, worst severity first, then in evidence order."""
    groups = [g for g in view.groups if g.status == status]
    return sorted(groups, key=lambda g: (severity_rank(g.finding.severity), g.ids[0]))


def _items(row: Any) -> int:
    """How many items a row of several stands for (findings of a group, requirements of a
    by-hand group)."""
    return len(row.items)
