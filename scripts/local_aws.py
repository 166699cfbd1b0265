"""A local AWS endpoint for the tests and the demo: moto's server on 127.0.0.1, a free port.

``LocalAws`` starts it (with :mod:`scripts.moto_shims` installed) and keeps the server's
request log; :func:`cdk_bootstrap` creates what ``cdk bootstrap`` would have created in an
account (the version parameter, the assets bucket, the roles). Never used by ``compliance/``.
"""

from __future__ import annotations

import json
import logging
import socket
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import boto3

from scripts import moto_shims

QUALIFIER = "hnb659fds"
#: The bootstrap template version the CDK CLI of aws-cdk-lib 2.2xx deploys.
BOOTSTRAP_VERSION = 28
#: The file, in a demo's evidence folder, that takes moto's own warnings.
WARNINGS_LOG = "moto.log"
#: Credentials the local server accepts; never real ones.
LOCAL_CREDENTIALS = {
    "AWS_ACCESS_KEY_ID": "AKIALOCALMOTOSERVER0",
    "AWS_SECRET_ACCESS_KEY": "local-moto-server-secret",
}


class RequestLog(logging.Handler):
    """The server's access log (werkzeug's), one line per request received."""

    def __init__(self) -> None:
        super().__init__(logging.INFO)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(record.getMessage())


def use_local_credentials() -> None:
    """This process's AWS credentials: the local ones only (nothing from ~/.aws, no profile,
    no real account reachable)."""
    import os

    for name in ("AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_DEFAULT_PROFILE"):
        os.environ.pop(name, None)
    os.environ.update(LOCAL_CREDENTIALS)
    os.environ["AWS_CONFIG_FILE"] = os.devnull
    os.environ["AWS_SHARED_CREDENTIALS_FILE"] = os.devnull


def free_port() -> int:
    """A TCP port free on 127.0.0.1 right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class LocalAws:
    """moto's ThreadedMotoServer on 127.0.0.1 and its request log."""

    port: int = field(default_factory=free_port)
    log: RequestLog = field(default_factory=RequestLog)
    #: Where moto's own warnings go, its logger's and Python warnings (one per resource type
    #: its CloudFormation does not model, on every stack read); None: dropped. Either way not
    #: on the terminal: verify names what it could not test.
    warnings_log: Path | None = None
    _server: Any = None
    _warnings: logging.Handler | None = None
    #: Each logger given to the warnings log, with its level and propagation before.
    _loggers: list[tuple[logging.Logger, int, bool]] = field(default_factory=list)

    @property
    def endpoint_url(self) -> str:
        """Where boto3 sends its requests."""
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> LocalAws:
        """Install the shims, start the server, record every request it receives."""
        from moto.server import ThreadedMotoServer

        moto_shims.install()
        moto = logging.getLogger("moto")
        if self.warnings_log is None:
            moto.setLevel(logging.ERROR)
        else:
            self.warnings_log.parent.mkdir(parents=True, exist_ok=True)
            self._warnings = logging.FileHandler(self.warnings_log, mode="w", encoding="utf-8")
            logging.captureWarnings(True)
            for name in ("moto", "py.warnings"):
                logger = logging.getLogger(name)
                self._loggers.append((logger, logger.level, logger.propagate))
                logger.setLevel(logging.WARNING)
                logger.addHandler(self._warnings)
                logger.propagate = False
        access = logging.getLogger("werkzeug")
        access.setLevel(logging.INFO)
        access.addHandler(self.log)
        access.propagate = False
        self._server = ThreadedMotoServer("127.0.0.1", self.port, verbose=False)
        self._server.start()
        return self

    def stop(self) -> None:
        """Stop the server, detach the request log, close the warnings log."""
        if self._server is not None:
            self._server.stop()
            self._server = None
        logging.getLogger("werkzeug").removeHandler(self.log)
        if self._warnings is not None:
            for logger, level, propagate in self._loggers:
                logger.removeHandler(self._warnings)
                logger.setLevel(level)
                logger.propagate = propagate
            self._loggers.clear()
            logging.captureWarnings(False)
            self._warnings.close()
            self._warnings = None

    def warnings_note(self) -> str:
        """Where moto's warnings went and how many lines they took (after :meth:`stop`)."""
        if self.warnings_log is None:
            return "moto's warnings: dropped"
        lines = len(self.warnings_log.read_text(encoding="utf-8").splitlines())
        return f"moto's warnings: {lines} line(s) in {self.warnings_log}"

    def reset(self) -> None:
        """Forget every resource of every account (moto's reset API)."""
        import urllib.request

        request = urllib.request.Request(f"{self.endpoint_url}/moto-api/reset", method="POST")
        with urllib.request.urlopen(request, timeout=30):
            pass

    def session(self, account: str | None = None, region: str = "us-east-1") -> Any:
        """A boto3 session on this server, in ``account`` (a role assumed there) if given."""
        base = boto3.Session(
            aws_access_key_id=LOCAL_CREDENTIALS["AWS_ACCESS_KEY_ID"],
            aws_secret_access_key=LOCAL_CREDENTIALS["AWS_SECRET_ACCESS_KEY"],
            region_name=region,
        )
        if account is None:
            return base
        sts = base.client("sts", endpoint_url=self.endpoint_url)
        role = f"arn:aws:iam::{account}:role/local-admin"
        credentials = sts.assume_role(RoleArn=role, RoleSessionName="local-admin")["Credentials"]
        return boto3.Session(
            aws_access_key_id=credentials["AccessKeyId"],
            aws_secret_access_key=credentials["SecretAccessKey"],
            aws_session_token=credentials["SessionToken"],
            region_name=region,
        )

    def client(self, service: str, account: str | None = None, region: str = "us-east-1") -> Any:
        """A client of ``service`` on this server."""
        return self.session(account, region).client(service, endpoint_url=self.endpoint_url)


def cdk_bootstrap(
    aws: LocalAws, account: str, region: str, version: int = BOOTSTRAP_VERSION
) -> None:
    """What ``cdk bootstrap aws://ACCOUNT/REGION`` creates that a deployment uses."""
    suffix = f"{account}-{region}"
    s3 = aws.client("s3", account, region)
    bucket = f"cdk-{QUALIFIER}-assets-{suffix}"
    if region == "us-east-1":
        s3.create_bucket(Bucket=bucket)
    else:
        s3.create_bucket(Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": region})
    iam = aws.client("iam", account, region)
    trust = json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Effect": "Allow",
                    "Principal": {"AWS": f"arn:aws:iam::{account}:root"},
                    "Action": "sts:AssumeRole",
                }
            ],
        }
    )
    for role in ("deploy-role", "cfn-exec-role", "file-publishing-role", "lookup-role"):
        iam.create_role(RoleName=f"cdk-{QUALIFIER}-{role}-{suffix}", AssumeRolePolicyDocument=trust)
    aws.client("ssm", account, region).put_parameter(
        Name=f"/cdk-bootstrap/{QUALIFIER}/version", Value=str(version), Type="String"
    )
