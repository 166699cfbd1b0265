"""The Jinja environments over ``reports/templates``: one for HTML, one for Markdown."""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Literal

from jinja2 import Environment, FileSystemBytecodeCache, FileSystemLoader, StrictUndefined

import reports
from compliance.outputs.report.markdown import escape_markdown, md_anchor
from compliance.outputs.report.view import id_ranges, waiver_anchor
from compliance.outputs.where import source_line

Format = Literal["html", "md"]
FORMATS: tuple[Format, ...] = ("html", "md")
TEMPLATES_DIR = Path(reports.__file__).parent / "templates"


@cache
def environment(fmt: Format) -> Environment:
    """HTML autoescapes; Markdown escapes every printed value through ``finalize``. Compiled
    templates are kept in jinja's per-user bytecode cache (keyed by the template's source),
    so a run does not compile them again. ``source_line`` shows where the app made a resource,
    ``id_ranges`` a list of evidence ids as runs, ``waiver_anchor`` where a waiver's text is
    (``md_anchor`` in Markdown, a heading's anchor)."""
    env = Environment(
        loader=FileSystemLoader(TEMPLATES_DIR),
        bytecode_cache=FileSystemBytecodeCache(),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        autoescape=fmt == "html",
        finalize=None if fmt == "html" else escape_markdown,
    )
    env.globals["source_line"] = source_line
    env.globals["id_ranges"] = id_ranges
    env.globals["waiver_anchor"] = waiver_anchor
    env.globals["md_anchor"] = md_anchor
    return env
