"""The app comes from cdk.json (as ``cdk synth`` runs it) or --app; cdk-nag is attached to it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from compliance import engine
from compliance.environments import EnvInfo, resolve_environments
from compliance.errors import InputError
from compliance.policy import Policy
from compliance.synthesis.app import parse_app, resolve_app

ROOT = Path(__file__).resolve().parents[2]

SCRIPT_APP = """\
import sys

from aws_cdk import App, Stack
from aws_cdk import aws_s3 as s3

app = App()
names = (app.node.try_get_context("tap-compliance:environments") or "one,two").split(",")
for name in names:
    stack = Stack(app, f"Script-{name}")
    s3.Bucket(stack, "Bucket")
if "--fail" in sys.argv:
    print("error: the app refuses", file=sys.stderr)
    sys.exit(3)
app.synth()
"""


@pytest.mark.parametrize(
    ("text", "module", "function", "script", "args"),
    [
        ("infra.app:build_app", "infra.app", "build_app", None, ()),
        ("python3 -m infra.app", "infra.app", None, None, ()),
        ("python -m infra.app dev prod", "infra.app", None, None, ("dev", "prod")),
        ("/usr/bin/python3.11 app.py --verbose", None, None, "app.py", ("--verbose",)),
    ],
)
def test_the_forms_of_an_app(
    text: str, module: str | None, function: str | None, script: str | None, args: tuple[str]
) -> None:
    spec = parse_app(text)
    assert (spec.module, spec.function, spec.args) == (module, function, args)
    assert (spec.script.name if spec.script else None) == script


@pytest.mark.parametrize(
    "text", ["npx ts-node --prefer-ts-exts bin/app.ts", "node app.js", "python3", "python3 -c x"]
)
def test_an_app_this_engine_cannot_run_is_a_usage_error(text: str) -> None:
    with pytest.raises(InputError, match="not a Python CDK app this engine can run"):
        parse_app(text)


def test_the_default_app_is_cdk_json_s(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT / "tests")  # the project root is found above
    spec = resolve_app(None)
    assert (spec.text, spec.module) == ("python3 -m infra.app", "infra.app")
    assert spec.code_root() == ROOT / "infra"
    assert resolve_app("tests.compliance.cdk_apps:bucket_app").function == "bucket_app"


@pytest.mark.parametrize(
    ("cdk_json", "problem"),
    [
        (None, "no CDK app: no cdk.json"),
        ('{"context": {}}', 'no "app"'),
        ("{", "invalid JSON"),
        ('{"app": 3}', "app: Input should be a valid string"),
    ],
)
def test_a_missing_app_is_a_usage_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, cdk_json: str | None, problem: str
) -> None:
    (tmp_path / "pyproject.toml").write_text("")
    if cdk_json is not None:
        (tmp_path / "cdk.json").write_text(cdk_json)
    monkeypatch.chdir(tmp_path)
    with pytest.raises(InputError, match=problem):
        resolve_app(None)


def _project(tmp_path: Path, app: str) -> Path:
    (tmp_path / "cdk.json").write_text(json.dumps({"app": app}))
    (tmp_path / "app.py").write_text(SCRIPT_APP)
    return tmp_path


@pytest.mark.slow
def test_a_script_app_of_cdk_json_is_synthesized_with_cdk_nag_and_its_sources(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, test_policy: Policy
) -> None:
    """``python3 app.py`` as cdk.json names it: run in the synth child, the PCI DSS pack
    attached to its App as it synthesizes, the environments the engine checks given as
    context, each construct's line of app.py recorded."""
    monkeypatch.chdir(_project(tmp_path, "python3 app.py"))
    dev = EnvInfo("dev", "Script-dev", ("us-east-1",))
    out = tmp_path / "cdk.out"
    record = engine.check(
        environments=[dev], assembly_dir=out, shown_dir=out, policy=test_policy, cache=False
    )
    assert [t.stack for t in record.targets] == ["Script-dev"]  # the context chose it
    assert record.targets[0].env == "dev"
    nag = [f for f in record.findings if f.source == "cdk-nag" and f.status == "fail"]
    assert {f.rule_id for f in nag} >= {"PCI.DSS.321-S3BucketLoggingEnabled"}
    bucket = next(f for f in nag if f.rule_id == "PCI.DSS.321-S3BucketLoggingEnabled")
    assert bucket.source_location is not None
    assert (bucket.source_location.file, bucket.source_location.start_line) == ("app.py", 10)


@pytest.mark.slow
def test_a_command_app_that_exits_non_zero_is_one_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, test_policy: Policy
) -> None:
    monkeypatch.chdir(_project(tmp_path, "python3 app.py --fail"))
    out = tmp_path / "cdk.out"
    with pytest.raises(InputError) as caught:
        engine.check(environments=[], assembly_dir=out, shown_dir=out, policy=test_policy)
    assert str(caught.value) == (
        "python3 app.py --fail: the CDK app failed to synthesize: error: the app refuses"
    )


@pytest.mark.slow
def test_the_platform_app_of_cdk_json_builds_only_the_environment_asked(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, test_policy: Policy
) -> None:
    monkeypatch.chdir(ROOT)
    out = tmp_path / "cdk.out"
    record = engine.check(
        environments=resolve_environments("staging"),
        assembly_dir=out,
        shown_dir=out,
        policy=test_policy,
        cache=False,
    )
    assert [(t.stack, t.env) for t in record.targets] == [("TapStack-staging", "staging")]
    assert sorted(p.name for p in out.glob("*.template.json")) == ["TapStack-staging.template.json"]


def test_the_cache_hashes_the_projects_app_code_even_when_it_is_not_importable_here(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The ``tap-compliance`` script's sys.path does not hold the project: the app's package
    is found in the project, as the synth child (``python -m`` there) imports it."""
    import importlib.util
    import sys

    from compliance.synthesis.cache import inputs_key

    (tmp_path / "cdk.json").write_text('{"app": "python3 -m tapprobeapp.main"}')
    package = tmp_path / "tapprobeapp"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "main.py").write_text("A = 1\n")
    (package / "data.yaml").write_text("x: 1\n")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(sys, "path", [p for p in sys.path if p not in ("", str(tmp_path))])
    assert importlib.util.find_spec("tapprobeapp") is None  # not importable in this process
    spec = resolve_app(None)
    assert [p.name for p in spec.code_files()] == ["__init__.py", "data.yaml", "main.py"]
    assert spec.code_root() == package.resolve()
    before = inputs_key(spec, None, tmp_path)
    (package / "data.yaml").write_text("x: 2\n")
    assert inputs_key(spec, None, tmp_path) != before


@pytest.mark.slow
def test_check_from_a_subfolder_runs_the_projects_app(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, test_policy: Policy
) -> None:
    """cdk.json is found above the working directory, and its module app is imported from the
    project (the folder of cdk.json), not from wherever the working directory points."""
    package = tmp_path / "tapprobe2"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "main.py").write_text(SCRIPT_APP)
    (tmp_path / "cdk.json").write_text('{"app": "python3 -m tapprobe2.main"}')
    (tmp_path / "docs").mkdir()
    monkeypatch.chdir(tmp_path / "docs")
    out = tmp_path / "cdk.out"
    record = engine.check(
        environments=[], assembly_dir=out, shown_dir=out, policy=test_policy, cache=False
    )
    assert sorted(t.stack or "" for t in record.targets) == ["Script-one", "Script-two"]
