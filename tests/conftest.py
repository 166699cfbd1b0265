"""Shared fixtures: the whole CDK app synthesized once per test session."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from compliance.quiet import QUIET_ENV

# jsii reads these when Node.js starts, i.e. at the first ``import aws_cdk``.
for _name, _value in QUIET_ENV.items():
    os.environ.setdefault(_name, _value)


@pytest.fixture(scope="session")
def synthesized_assembly(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Every environment of the real app synthesized once; returns the assembly directory."""
    from infra.app import build_app

    outdir = tmp_path_factory.mktemp("cdk.out")
    assembly = build_app(outdir=outdir).synth()
    return Path(assembly.directory)
