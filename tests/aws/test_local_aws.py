"""The local endpoint of the demos: moto's own warnings go to the log file the demo names,
never to the terminal."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import pytest

from scripts.local_aws import LocalAws

#: A type moto's CloudFormation does not model (it warns of it on every stack read).
UNMODELLED = "AWS::Config::ConfigRule"


def test_moto_warnings_go_to_the_log_file_not_the_terminal(
    tmp_path: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    log = tmp_path / "out" / "moto.log"
    moto = logging.getLogger("moto")
    before = (moto.level, moto.propagate)
    aws = LocalAws(warnings_log=log).start()
    try:
        template = {
            "Resources": {
                "Rule": {
                    "Type": UNMODELLED,
                    "Properties": {
                        "Source": {
                            "Owner": "AWS",
                            "SourceIdentifier": "S3_BUCKET_VERSIONING_ENABLED",
                        }
                    },
                },
                "Queue": {"Type": "AWS::SQS::Queue"},
            }
        }
        cloudformation = aws.client("cloudformation")
        cloudformation.create_stack(StackName="Noisy", TemplateBody=json.dumps(template))
        cloudformation.describe_stack_resources(StackName="Noisy")
    finally:
        aws.stop()
    lines = log.read_text(encoding="utf-8").splitlines()
    assert f"No Moto CloudFormation support for {UNMODELLED}" in lines
    assert aws.warnings_note() == f"moto's warnings: {len(lines)} line(s) in {log}"
    printed = capfd.readouterr()
    assert UNMODELLED not in printed.out + printed.err
    assert (moto.level, moto.propagate) == before  # the harness leaves logging as it found it
