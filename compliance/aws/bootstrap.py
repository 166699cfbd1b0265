"""Is the environment CDK-bootstrapped, recently enough? (the SSM parameter CDK's rule reads)"""

from __future__ import annotations

from botocore.exceptions import ClientError

from compliance.aws.errors import TRANSPORT_ERRORS, AwsFailure, describe_error, error_code
from compliance.aws.session import AwsSession
from compliance.aws.target import DeployTarget


def bootstrap_hint(target: DeployTarget) -> str:
    """What the user runs to bootstrap the target's environment."""
    return f"run `npx aws-cdk bootstrap aws://{target.account}/{target.region}`"


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
