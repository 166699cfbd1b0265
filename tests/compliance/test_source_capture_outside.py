"""An app outside the project (``--app MODULE:FUNCTION`` from another folder) still gets its
construct lines: as absolute paths, since they are not below the project root."""

from __future__ import annotations

import importlib
import sys
from pathlib import Path

import pytest

from compliance.synthesis.source_capture import capture

APP = """
from constructs import Construct


class Box(Construct):
    pass


def build(scope):
    return Box(scope, "Box")
"""


def test_an_app_outside_the_project_is_recorded_by_absolute_path(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from aws_cdk import App

    outside, project = tmp_path / "elsewhere", tmp_path / "project"
    (outside / "faraway").mkdir(parents=True)
    project.mkdir()
    source = outside / "faraway" / "__init__.py"
    source.write_text(APP, encoding="utf-8")
    monkeypatch.syspath_prepend(str(outside))
    monkeypatch.delitem(sys.modules, "faraway", raising=False)
    module = importlib.import_module("faraway")
    app = App(outdir=str(tmp_path / "cdk.out"))
    with capture(outside / "faraway", project) as recorder:
        module.build(app)
    line = APP.splitlines().index('    return Box(scope, "Box")') + 1
    assert recorder.locations() == {"Box": {"file": source.resolve().as_posix(), "line": line}}
