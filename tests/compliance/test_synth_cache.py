"""A synthesis is reused only when a content hash proves its inputs unchanged."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from compliance.synthesis import cache
from compliance.synthesis.cache import inputs_key, synthesize_cached

APP = """
def build_app(*, outdir, env_names=None):
    from aws_cdk import App, Stack
    from aws_cdk import aws_sns as sns

    app = App(outdir=str(outdir), analytics_reporting=False)
    sns.Topic(Stack(app, "Tiny"), "Topic", display_name=open(__file__[:-11] + "name.txt").read())
    return app
"""


@pytest.fixture
def tiny_app(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A one-topic CDK app in a package of its own, importable here and by the child."""
    package = tmp_path / "tinyapp"
    package.mkdir()
    (package / "__init__.py").write_text(APP, encoding="utf-8")
    (package / "name.txt").write_text("first", encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.setenv(
        "PYTHONPATH", os.pathsep.join([str(tmp_path), os.environ.get("PYTHONPATH", "")])
    )
    return package


def test_the_key_follows_every_file_of_the_app(tiny_app: Path) -> None:
    root = tiny_app.parent
    first = inputs_key("tinyapp:build_app", None, root)
    assert inputs_key("tinyapp:build_app", None, root) == first
    assert inputs_key("tinyapp:build_app", ["dev"], root) != first
    (tiny_app / "name.txt").write_text("second", encoding="utf-8")
    assert inputs_key("tinyapp:build_app", None, root) != first
    (tiny_app / "name.txt").write_text("first", encoding="utf-8")
    (root / "cdk.json").write_text('{"app": "x"}', encoding="utf-8")
    assert inputs_key("tinyapp:build_app", None, root) != first


@pytest.mark.slow
def test_a_rerun_reuses_the_assembly_and_no_cache_synthesizes(
    tiny_app: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    runs: list[Path] = []
    real = cache.synthesize

    def counted(outdir: Path, *args: object) -> None:
        runs.append(outdir)
        real(outdir, *args)  # type: ignore[arg-type]

    monkeypatch.setattr(cache, "synthesize", counted)
    root = tiny_app.parent
    assert synthesize_cached(root / "a", None, "tinyapp:build_app") is False
    assert synthesize_cached(root / "b", None, "tinyapp:build_app") is True
    template = "Tiny.template.json"
    assert (root / "b" / template).read_bytes() == (root / "a" / template).read_bytes()
    assert synthesize_cached(root / "c", None, "tinyapp:build_app", cache=False) is False
    (tiny_app / "name.txt").write_text("second", encoding="utf-8")
    assert synthesize_cached(root / "d", None, "tinyapp:build_app") is False
    assert "second" in (root / "d" / template).read_text(encoding="utf-8")
    assert runs == [root / "a", root / "c", root / "d"]
