"""Helpers of the deployer's tests: a Deployment of the gated small app, a recording console."""

from __future__ import annotations

import io
from dataclasses import replace
from pathlib import Path
from typing import Any

from rich.console import Console

from compliance.aws.deploy import Deployment, Interaction
from compliance.aws.options import DeployOptions
from compliance.aws.target import DeployTarget, read_target
from compliance.environments import EnvInfo, resolve_environments
from compliance.outputs import publish
from compliance.policy import checked_catalog
from compliance.record.findings import FindingsRecord


def plain_console(width: int = 200) -> tuple[Console, io.StringIO]:
    """A console that is not a terminal (plain lines, as in a CI log), and what it printed."""
    buffer = io.StringIO()
    return Console(file=buffer, width=width, force_terminal=False, color_system=None), buffer


def vault_target(gated: tuple[Path, FindingsRecord]) -> DeployTarget:
    """The gated small app's dev stack."""
    out, record = gated
    return read_target(out / publish.ASSEMBLY, "TapStack-dev", record.targets[0].sha256)


def deployment(
    gated: tuple[Path, FindingsRecord],
    out: Path,
    *,
    env: str = "dev",
    target: DeployTarget | None = None,
    width: int = 200,
    **options: Any,
) -> tuple[Deployment, io.StringIO]:
    """A Deployment of the small app (or ``target``) writing into ``out``, printing on a
    console ``width`` wide; and its output."""
    console, buffer = plain_console(width)
    environment: EnvInfo = resolve_environments(env)[0]
    options.setdefault("poll", 0.01)
    run_options = DeployOptions(env=environment, out=out, yes=True, **options)
    interaction = Interaction(
        console=console, stdin_is_terminal=lambda: False, sleep=lambda _: None
    )
    deployer = Deployment(
        run_options, target or vault_target(gated), gated[1], interaction, checked_catalog()
    )
    return deployer, buffer


def with_extra_queue(target: DeployTarget) -> DeployTarget:
    """The same stack with one more resource (an update to deploy)."""
    import json

    template = json.loads(target.template)
    template["Resources"]["ExtraQueue"] = {"Type": "AWS::SQS::Queue", "Properties": {}}
    return replace(target, template=json.dumps(template, indent=1).encode())


def stack_template_sha256(aws: Any, stack_id: str) -> str:
    """SHA-256 of the stack's template on the local endpoint, from GetTemplate's raw answer."""
    import hashlib
    import xml.etree.ElementTree as ET

    cfn = aws.client("cloudformation", "111111111111", "us-east-1")
    raw: list[bytes] = []
    cfn.meta.events.register(
        "response-received.cloudformation.GetTemplate",
        lambda response_dict, **_: raw.append(response_dict["body"]),
    )
    cfn.get_template(StackName=stack_id)
    body = ET.fromstring(raw[0]).find(".//{*}TemplateBody")
    assert body is not None and body.text is not None
    return hashlib.sha256(body.text.encode()).hexdigest()
