"""Sessions for tap-compliance: the gate, the tests, lint, synth and benchmarks.

Virtualenvs are reused between runs (``nox -s NAME``); pass ``-R`` to skip re-installing.
Everything after ``--`` is handed to the underlying tool.
"""

from __future__ import annotations

import sys
from pathlib import Path

import nox

nox.options.reuse_existing_virtualenvs = True
nox.options.sessions = ["compliance"]

sys.path.insert(0, str(Path(__file__).resolve().parent))
from compliance.quiet import QUIET_ENV as QUIET_NODE  # noqa: E402  (one list of variables)


def _install(session: nox.Session, *extras: str) -> None:
    """Install the project (editable) with the given extras."""
    spec = f".[{','.join(extras)}]" if extras else "."
    session.install("-q", "-e", spec)


@nox.session
def compliance(session: nox.Session) -> None:
    """Run the compliance gate on every environment (synth, cdk-nag, checkov, waivers)."""
    _install(session)
    args = session.posargs or ["--env", "all"]
    session.run("tap-compliance", "check", *args, env=QUIET_NODE)


@nox.session
def tests(session: nox.Session) -> None:
    """Run the test suite, on every core (pytest-xdist; ``-- -n 0`` runs it serially)."""
    _install(session, "test")
    session.run("pytest", "-n", "auto", *session.posargs, env=QUIET_NODE)


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
    session.run("python", "-m", "infra.app", *session.posargs, env=QUIET_NODE)


@nox.session
def bench(session: nox.Session) -> None:
    """Run every benchmark script in benchmarks/ (figures are ratios to an in-run baseline)."""
    from pathlib import Path

    _install(session, "test")
    scripts = sorted(Path("benchmarks").glob("bench_*.py"))
    if session.posargs:
        scripts = [s for s in scripts if any(name in s.name for name in session.posargs)]
    for script in scripts:
        session.log(f"benchmark: {script}")
        session.run("python", str(script), env=QUIET_NODE)


@nox.session
def deploy(session: nox.Session) -> None:
    """Gate, then deploy the gated template: ``nox -s deploy -- --env dev [--profile P]``."""
    _install(session)
    session.run("tap-compliance", "deploy", *session.posargs, env=QUIET_NODE)


@nox.session
def verify(session: nox.Session) -> None:
    """AWS Config's verdicts on a deployed stack: ``nox -s verify -- --env dev``."""
    _install(session)
    session.run("tap-compliance", "verify", *session.posargs, env=QUIET_NODE)


@nox.session(name="deploy-local")
def deploy_local(session: nox.Session) -> None:
    """The deployer against a local moto server (no AWS account): deploy dev, again, verify."""
    _install(session, "test")
    session.run("python", "-m", "scripts.deploy_local", *session.posargs, env=QUIET_NODE)
