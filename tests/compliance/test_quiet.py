"""The tools stay quiet: nothing of checkov's logging reaches the terminal."""

from __future__ import annotations

import logging
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from checkov.cloudformation import runner
from engine_testdata import DATA

from compliance.checkov_scan import run_checkov
from compliance.quiet import muted_root_logger


@pytest.fixture
def stderr_handler(capfd: pytest.CaptureFixture[str]) -> Iterator[None]:
    """A stderr handler on the root logger, as checkov's import installs (basicConfig)."""
    handler = logging.StreamHandler(sys.stderr)
    root = logging.getLogger()
    root.addHandler(handler)
    yield
    root.removeHandler(handler)


@pytest.mark.usefixtures("stderr_handler")
def test_root_logger_is_muted_and_restored(capfd: pytest.CaptureFixture[str]) -> None:
    before = logging.getLogger().level
    with muted_root_logger():
        logging.warning("checkov chatter")
    assert logging.getLogger().level == before


@pytest.mark.usefixtures("stderr_handler")
def test_checkov_warnings_do_not_reach_stderr(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capfd: pytest.CaptureFixture[str]
) -> None:
    template = tmp_path / "t.yaml"
    template.write_text("Resources:\n  Bucket:\n    Type: AWS::S3::Bucket\n")
    create = runner.create_definitions

    def noisy(*args: object, **kwargs: object) -> object:
        logging.warning("CloudFormation skipping something")
        return create(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(runner, "create_definitions", noisy)
    run_checkov([template], check_ids=["CKV_AWS_18"], external_checks_dir=DATA / "checks")
    assert capfd.readouterr().err == ""
