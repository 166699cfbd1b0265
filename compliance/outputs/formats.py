"""The output formats: one interface, one registry the CLI and the evidence folder read.

A format is a :class:`Formatter`: a name, the file it is published as in ``--out``, whether
it is an audit report (``tap-compliance report`` can re-render it from a record), and a
``render(record, catalog) -> str``. A new format is one module with a render function and
one :func:`register` line below; the CLI's ``--format`` choices follow.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from compliance.record.findings import FindingsRecord
from policies.catalog import Catalog

Render = Callable[[FindingsRecord, Catalog], str]


@dataclass(frozen=True)
class Formatter:
    """One output format."""

    name: str
    #: The file a ``check`` run publishes it as in ``--out``.
    file_name: str
    render: Render
    description: str
    #: An audit report, re-rendered by ``tap-compliance report`` from a saved record.
    report: bool = False


FORMATTERS: dict[str, Formatter] = {}


def register(formatter: Formatter) -> Formatter:
    """Add a format (a name may be registered once)."""
    if formatter.name in FORMATTERS:
        raise ValueError(f"format {formatter.name} is registered twice")
    FORMATTERS[formatter.name] = formatter
    return formatter


def names(*, reports_only: bool = False) -> tuple[str, ...]:
    """The registered format names, in registration order."""
    return tuple(f.name for f in FORMATTERS.values() if f.report or not reports_only)


def render(record: FindingsRecord, name: str, catalog: Catalog) -> str:
    """The record in the named format."""
    try:
        formatter = FORMATTERS[name]
    except KeyError:
        raise ValueError(f"unknown format {name!r}: use one of {', '.join(names())}") from None
    return formatter.render(record, catalog)


def _json(record: FindingsRecord, catalog: Catalog) -> str:
    return record.to_json()


def _sarif(record: FindingsRecord, catalog: Catalog) -> str:
    from compliance.outputs.sarif import to_sarif

    return to_sarif(record, catalog)


def _junit(record: FindingsRecord, catalog: Catalog) -> str:
    from compliance.outputs.junit import to_junit

    return to_junit(record)


def _gitlab(record: FindingsRecord, catalog: Catalog) -> str:
    from compliance.outputs.gitlab import to_gitlab

    return to_gitlab(record)


def _audit(fmt: str) -> Render:
    def render_audit(record: FindingsRecord, catalog: Catalog) -> str:
        from compliance.outputs.report.render import render as render_report

        return render_report(record, "html" if fmt == "html" else "md", catalog=catalog)

    return render_audit


register(Formatter("json", "findings.json", _json, "the findings record"))
register(Formatter("sarif", "findings.sarif", _sarif, "SARIF 2.1.0 for code scanning"))
register(Formatter("junit", "junit.xml", _junit, "JUnit XML for CI test views"))
register(
    Formatter("gitlab", "gl-code-quality-report.json", _gitlab, "GitLab code quality (codequality)")
)
register(Formatter("md", "audit.md", _audit("md"), "the audit report as Markdown", report=True))
register(Formatter("html", "audit.html", _audit("html"), "the audit report as HTML", report=True))
