"""An app outside the project (``--app MODULE:FUNCTION`` from another folder) still gets its
resources' lines: as absolute paths, since they are not below the project root."""

from __future__ import annotations

import importlib
import sys
from pathlib import Path

import pytest

from compliance.synthesis.source_capture import HOST_TRACES, AppFrames, locations

APP = """
from aws_cdk import CfnResource


def build(scope):
    return CfnResource(scope, "Box", type="AWS::CloudFormation::WaitConditionHandle")


def outer(scope):
    return build(scope)
"""


def test_an_app_outside_the_project_is_recorded_by_absolute_path(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from aws_cdk import App, Stack

    for name, value in HOST_TRACES.items():  # as the synth child runs
        monkeypatch.setenv(name, value)
    outside, project = tmp_path / "elsewhere", tmp_path / "project"
    (outside / "faraway").mkdir(parents=True)
    project.mkdir()
    source = outside / "faraway" / "__init__.py"
    source.write_text(APP, encoding="utf-8")
    monkeypatch.syspath_prepend(str(outside))
    monkeypatch.delitem(sys.modules, "faraway", raising=False)
    module = importlib.import_module("faraway")
    app = App(outdir=str(tmp_path / "cdk.out"))
    module.outer(Stack(app, "Stack"))  # this test's own line is no app frame
    app.synth()
    lines = APP.splitlines()
    made = lines.index(
        '    return CfnResource(scope, "Box", type="AWS::CloudFormation::WaitConditionHandle")'
    )
    called = lines.index("    return build(scope)")
    file = source.resolve().as_posix()
    found = locations(tmp_path / "cdk.out", AppFrames(outside / "faraway", project))
    assert found == {
        "Stack/Box": {"file": file, "line": made + 1, "called_from": [[file, called + 1]]}
    }
