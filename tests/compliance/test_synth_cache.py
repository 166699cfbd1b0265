"""A synthesis is reused only when a content hash proves every input it read unchanged, and
only when the stored assembly still holds what it held."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from compliance.synthesis import cache
from compliance.synthesis.cache import CACHE_DIR, NOTE, inputs_key, synthesize_cached

APP = """\
from pathlib import Path

from aws_cdk import App

from stacks.tiny import TinyStack

app = App(analytics_reporting=False)
TinyStack(app, "Tiny", name=(Path(__file__).parent / "name.txt").read_text().strip())
app.synth()
"""

STACK = """\
from pathlib import Path

from aws_cdk import Stack
from aws_cdk import aws_s3_assets as assets
from aws_cdk import aws_sns as sns


class TinyStack(Stack):
    def __init__(self, scope, id, *, name):
        super().__init__(scope, id)
        account = self.node.try_get_context("accountId")
        if not isinstance(account, str):
            raise TypeError("accountId should be of type string")
        big = self.node.try_get_context("big") or ""
        sns.Topic(self, "Topic", display_name=name, topic_name=f"{account}-{len(big)}")
        assets.Asset(self, "Handler", path=str(Path(__file__).parents[1] / "handler"))
"""

#: Beyond what the environment holds (131,072 bytes): aws-cdk-lib reads it from the file.
BIG = "x" * 140_000
TEMPLATE = "Tiny.template.json"


@pytest.fixture
def script_app(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """``python3 app.py`` (as ``cdk init`` writes it) importing its stack from a package of
    the project, reading a data file and its context: a string in cdk.json, a large value in
    cdk.context.json. Its home folder (jsii's package cache) lies outside it."""
    monkeypatch.setenv("HOME", str(tmp_path / "home"))  # no ~/.cdk.json of the machine's
    tmp_path = tmp_path / "project"
    tmp_path.mkdir()
    (tmp_path / "cdk.json").write_text(
        json.dumps({"app": "python3 app.py", "context": {"accountId": "123456789012"}})
    )
    (tmp_path / "cdk.context.json").write_text(json.dumps({"big": BIG}))
    (tmp_path / "app.py").write_text(APP)
    (tmp_path / "name.txt").write_text("first")
    (tmp_path / "stacks").mkdir()
    (tmp_path / "stacks" / "__init__.py").write_text("")
    (tmp_path / "stacks" / "tiny.py").write_text(STACK)
    (tmp_path / "handler").mkdir()  # a file asset: read by Node.js, not Python
    (tmp_path / "handler" / "index.py").write_text("def handler(event, context): pass\n")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def _topics(folder: Path) -> dict[str, dict[str, object]]:
    template = json.loads((folder / TEMPLATE).read_text())
    return {
        logical: resource["Properties"]
        for logical, resource in template["Resources"].items()
        if resource["Type"] == "AWS::SNS::Topic"
    }


def test_the_key_follows_context_files_variables_and_the_tools_code(
    script_app: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = script_app

    def key() -> str:
        return inputs_key("python3 app.py", None, root)

    first = key()
    assert key() == first
    assert inputs_key("python3 app.py", ["dev"], root) != first
    changes = [
        (root / "cdk.json", json.dumps({"app": "python3 app.py", "context": {"accountId": "2"}})),
        (root / "cdk.context.json", json.dumps({"big": "y"})),
        (root.parent / "home" / ".cdk.json", json.dumps({"context": {"user": 1}})),
    ]
    (root.parent / "home").mkdir()
    for path, text in changes:
        before = path.read_text() if path.exists() else None
        path.write_text(text)
        assert key() != first, path
        if before is None:
            path.unlink()
        else:
            path.write_text(before)
        assert key() == first, path
    given = cache.app_context({"accountId": "210987654321"})
    assert inputs_key("python3 app.py", None, root, context=given) != first
    monkeypatch.setenv("CDK_DEFAULT_REGION", "eu-west-1")
    assert key() != first
    monkeypatch.delenv("CDK_DEFAULT_REGION")
    monkeypatch.setenv("CDK_CONTEXT_JSON", '{"replaced": "by the context"}')
    assert key() == first
    tool = root / "tool"
    tool.mkdir()
    (tool / "synth.py").write_text("A = 1\n")
    monkeypatch.setattr(cache, "SYNTH_CODE", (tool,))
    with_tool = key()
    (tool / "synth.py").write_text("A = 2\n")
    assert key() != with_tool


@pytest.mark.slow
def test_an_entry_is_reused_only_while_every_input_it_read_is_unchanged(
    script_app: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two real syntheses: the first, and the one after an imported stack module changed.
    Every other change is proved a miss on the stored entry without synthesizing again."""
    runs: list[Path] = []
    real = cache.synthesize

    def counted(outdir: Path, *args: object, **kwargs: object) -> None:
        runs.append(outdir)
        real(outdir, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(cache, "synthesize", counted)
    root = script_app
    assert synthesize_cached(root / "a", None, "python3 app.py").reused is False
    # cdk.json's string stays a string; the overflowed cdk.context.json value arrives
    assert [t["TopicName"] for t in _topics(root / "a").values()] == ["123456789012-140000"]
    (entry,) = (root / CACHE_DIR).iterdir()
    note = json.loads((entry / NOTE).read_text())
    assert sorted(Path(p).relative_to(root).as_posix() for p in note["inputs"]) == [
        "app.py",
        "handler",
        "handler/index.py",
        "name.txt",
        "stacks/__init__.py",
        "stacks/tiny.py",
    ]
    assert synthesize_cached(root / "b", None, "python3 app.py").reused is True
    assert (root / "b" / TEMPLATE).read_bytes() == (root / "a" / TEMPLATE).read_bytes()

    # an opened data file: a miss while it differs, a hit once it is as it was
    (root / "name.txt").write_text("second")
    assert cache._reuse(entry, root / "x") is None
    (root / "name.txt").write_text("first")
    assert cache._reuse(entry, root / "x") is not None

    # a file asset's source: a file edited, a file added to its folder
    (root / "handler" / "index.py").write_text("def handler(event, context): return 1\n")
    assert cache._reuse(entry, root / "x") is None
    (root / "handler" / "index.py").write_text("def handler(event, context): pass\n")
    (root / "handler" / "extra.py").write_text("")
    assert cache._reuse(entry, root / "x") is None
    (root / "handler" / "extra.py").unlink()
    assert cache._reuse(entry, root / "x") is not None

    # a stored file tampered with: never copied, the entry removed
    stored = entry / cache.ASSEMBLY / TEMPLATE
    stored.write_text(stored.read_text().replace("123456789012", "999999999999"))
    assert cache._reuse(entry, root / "y") is None
    assert not entry.exists() and not (root / "y").exists()

    # an imported stack module edited: synthesized again, the new template judged
    (root / "stacks" / "tiny.py").write_text(
        STACK + '        sns.Topic(self, "Added", display_name="added")\n'
    )
    assert synthesize_cached(root / "c", None, "python3 app.py").reused is False
    assert sorted(p.get("DisplayName") for p in _topics(root / "c").values()) == [
        "added",
        "first",
    ]
    assert synthesize_cached(root / "d", None, "python3 app.py").reused is True
    assert runs == [root / "a", root / "c"]

    # a truncated entry (its note or a stored file cut short): a miss, the entry removed
    (entry,) = (root / CACHE_DIR).iterdir()
    kept = root / "kept"
    shutil.copytree(entry, kept)
    for name in (NOTE, f"{cache.ASSEMBLY}/{TEMPLATE}"):
        shutil.rmtree(entry, ignore_errors=True)
        shutil.copytree(kept, entry)
        data = (entry / name).read_bytes()
        (entry / name).write_bytes(data[: len(data) // 2])
        assert cache._reuse(entry, root / "z") is None, name
        assert not entry.exists() and not (root / "z").exists(), name


@pytest.mark.slow
def test_check_gives_the_app_its_context_as_cdk_synth_does(
    script_app: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """``--context`` (a string) over cdk.json's; cdk.context.json's large value through the
    overflow file; the template judged is the one made with them."""
    from compliance.cli import main

    out = script_app / "out"
    code = main(["check", "--out", str(out), "--context", "accountId=210987654321"])
    record = json.loads((out / "findings.json").read_text())
    assert [t["stack"] for t in record["targets"]] == ["Tiny"]
    assert [t["TopicName"] for t in _topics(out / "cdk.out").values()] == ["210987654321-140000"]
    failed = sorted(
        (f["rule_id"], f["resource"]["logical_id"])
        for f in record["findings"]
        if f["status"] == "fail"
    )
    assert (code, failed) == (1, [("PCI.DSS.321-SNSEncryptedKMS", "TopicBFC7AF6E")])
