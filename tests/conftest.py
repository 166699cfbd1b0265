"""Shared fixtures: the whole CDK app synthesized once per test session."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from compliance.quiet import QUIET_ENV

# jsii reads these when Node.js starts, i.e. at the first ``import aws_cdk``: the tests run
# on the locked Node.js whatever the shell says (tests/test_setup.py proves it).
for _name, _value in QUIET_ENV.items():
    if _name == "JSII_NODE":
        os.environ[_name] = _value
    else:
        os.environ.setdefault(_name, _value)


@pytest.fixture(scope="session")
def synthesized_assembly(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Every environment of the real app synthesized once; returns the assembly directory."""
    from infra.app import build_app

    outdir = tmp_path_factory.mktemp("cdk.out")
    assembly = build_app(outdir=outdir).synth()
    return Path(assembly.directory)


@pytest.fixture(scope="session")
def seed_gate(tmp_path_factory: pytest.TempPathFactory) -> tuple[int, Path]:
    """The gate on the platform as the seed writes it (dev, no waivers): (exit code, out dir).

    ``build_seed_app`` is the app without its hardening layer, whose template
    ``test_tap_seed_fixture`` proves byte-identical to the frozen ``tests/fixtures/seed`` one.
    """
    from compliance.cli import main

    folder = tmp_path_factory.mktemp("seed-gate")
    waivers = folder / "waivers.yaml"
    waivers.write_text("waivers: []\n")
    out = folder / "out"
    argv = ["check", "--app", "infra.app:build_seed_app", "--env", "dev", "--fail-on", "low"]
    code = main([*argv, "--out", str(out), "--waivers", str(waivers)])
    return code, out
