"""The deployer's tests run against moto's server on 127.0.0.1 (a free port), started here.

Where moto models nothing (AWS Config compliance, rollbacks, stuck stacks, replacements)
the tests use botocore's Stubber, which checks every request and response against the
service model.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from compliance import engine
from compliance.environments import EnvInfo, resolve_environments
from compliance.outputs import publish
from compliance.policy import Policy, load_policy
from compliance.record.findings import FindingsRecord
from scripts.local_aws import LOCAL_CREDENTIALS, LocalAws

ACCOUNT = "111111111111"
REGION = "us-east-1"


@pytest.fixture(scope="session")
def local_aws() -> Iterator[LocalAws]:
    """moto's server for the whole test session (each test module resets it as it needs)."""
    aws = LocalAws().start()
    yield aws
    aws.stop()


@pytest.fixture(autouse=True)
def local_credentials(monkeypatch: pytest.MonkeyPatch) -> None:
    """Fake credentials only; nothing from ~/.aws or the caller's environment."""
    for name in list(os.environ):
        if name.startswith("AWS_"):
            monkeypatch.delenv(name)
    for name, value in LOCAL_CREDENTIALS.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("AWS_CONFIG_FILE", os.devnull)
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", os.devnull)
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")


def dev_environment() -> EnvInfo:
    """The dev environment as the CLI resolves it."""
    return resolve_environments("dev")[0]


def default_policy() -> Policy:
    """The policy `deploy` judges with by default (catalogue, waivers.yaml, high)."""
    return load_policy(None, "high")[0]


@pytest.fixture(scope="session")
def vault_gated(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, FindingsRecord]:
    """The small passing app, gated once: (the --out folder, its findings record)."""
    from compliance.record.load import load_record

    out = tmp_path_factory.mktemp("vault-out")
    policy = default_policy()
    with publish.staged(out) as staging:
        record = engine.check(
            environments=[dev_environment()],
            assembly_dir=staging / publish.ASSEMBLY,
            shown_dir=out / publish.ASSEMBLY,
            policy=policy,
            app="tests.aws.cdk_apps:vault_app",
        )
        publish.write_all(record, staging, policy.catalog)
    assert record.summary.gate.exit_code == 0
    return out, load_record(out / publish.RECORD)
