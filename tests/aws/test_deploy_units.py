"""Small parts of the deployer: the deterministic asset zip, an endpoint that is not AWS, a
stack without an account and region."""

from __future__ import annotations

import hashlib
import json
import os
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path

import pytest

from compliance.aws.errors import AwsFailure
from compliance.aws.session import AwsSession
from compliance.aws.target import read_target
from compliance.errors import InputError
from compliance.synthesis.assembly import read_assembly
from compliance.synthesis.assets import deterministic_zip


def test_the_same_folder_always_zips_to_the_same_bytes(tmp_path: Path) -> None:
    folder = tmp_path / "asset"
    (folder / "lib").mkdir(parents=True)
    (folder / "index.js").write_text("exports.handler = async () => 1;\n")
    (folder / "lib" / "util.js").write_text("module.exports = {};\n")
    first = deterministic_zip(folder)
    os.utime(folder / "index.js", (1_000_000_000, 1_000_000_000))
    assert deterministic_zip(folder) == first


class _HtmlPage(BaseHTTPRequestHandler):
    def do_POST(self) -> None:
        body = b"<!doctype html><title>Sign in</title>"
        self.send_response(200)
        self.send_header("Content-Type", "text/html")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *_: object) -> None:
        pass


@pytest.fixture
def html_endpoint() -> Iterator[str]:
    """A server on 127.0.0.1 that answers every request with an HTML page (a captive proxy)."""
    server = HTTPServer(("127.0.0.1", 0), _HtmlPage)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


def test_an_endpoint_that_is_not_aws_is_one_line_exit_2(html_endpoint: str) -> None:
    session = AwsSession.open(profile=None, region="us-east-1", endpoint_url=html_endpoint)
    with pytest.raises(AwsFailure) as failure:
        session.account()
    assert failure.value.exit_code == 2
    assert str(failure.value) == (
        "checking the AWS credentials: the endpoint's answer is not an AWS response"
    )


@pytest.mark.parametrize(
    ("environment", "expected"),
    [
        ("aws://111111111111/eu-west-1", ("111111111111", "eu-west-1")),
        ("aws://unknown-account/eu-west-1", (None, "eu-west-1")),
        ("aws://unknown-account/unknown-region", (None, None)),
        ("aws:///eu-west-1", (None, "eu-west-1")),
        ("eu-west-1", (None, None)),
    ],
)
def test_the_gate_judges_an_environment_agnostic_stack_the_deployer_refuses_it(
    tmp_path: Path, environment: str, expected: tuple[str | None, str | None]
) -> None:
    template = b'{"Resources": {}}'
    (tmp_path / "S.template.json").write_bytes(template)
    stack = {
        "type": "aws:cloudformation:stack",
        "environment": environment,
        "properties": {"templateFile": "S.template.json"},
    }
    manifest = {"artifacts": {"S": stack}}
    (tmp_path / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    (judged,) = read_assembly(tmp_path).stacks
    assert (judged.account, judged.region) == expected
    sha256 = hashlib.sha256(template).hexdigest()
    if None in expected:
        with pytest.raises(InputError, match="names no account and region to deploy to"):
            read_target(tmp_path, "S", sha256)
    else:
        target = read_target(tmp_path, "S", sha256)
        assert (target.account, target.region) == expected
