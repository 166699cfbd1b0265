"""The tools stay quiet: nothing of checkov's logging reaches the terminal."""

from __future__ import annotations

import logging
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from compliance.judging.judge import builtin_checks, judge
from compliance.quiet import muted_root_logger
from policies import Context
from policies.cfn.template import load_template


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
    (check,) = builtin_checks(("CKV_AWS_18",))
    scan = check.scan_resource_conf

    def noisy(conf: object) -> object:
        logging.warning("CloudFormation skipping something")
        return scan(conf)

    monkeypatch.setattr(check, "scan_resource_conf", noisy)
    judge(load_template(template), shown="t.yaml", checks=[], builtins=[check], context=Context())
    assert capfd.readouterr().err == ""
