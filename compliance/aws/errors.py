"""One-line failures of the AWS commands, with the exit code each one means."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from botocore.exceptions import (
    BotoCoreError,
    ClientError,
    EndpointConnectionError,
    NoCredentialsError,
    NoRegionError,
    ProfileNotFound,
)
from botocore.parsers import ResponseParserError

#: Error codes AWS answers for credentials it does not accept.
BAD_CREDENTIALS = frozenset(
    {
        "InvalidClientTokenId",
        "UnrecognizedClientException",
        "SignatureDoesNotMatch",
        "ExpiredToken",
        "ExpiredTokenException",
        "InvalidAccessKeyId",
        "AuthFailure",
    }
)


#: What a failed AWS call raises: an error answer, no answer (endpoint, credentials), or an
#: answer that is not AWS's (a proxy's HTML page).
TRANSPORT_ERRORS = (BotoCoreError, ResponseParserError)
AWS_ERRORS = (ClientError, BotoCoreError, ResponseParserError)


class AwsFailure(Exception):
    """A deployment or verification that cannot go on; ``exit_code`` 1 (it failed), 2
    (usage, configuration, credentials, endpoint), or 128 + the signal that stopped it."""

    def __init__(self, message: str, exit_code: int = 2) -> None:
        super().__init__(" ".join(message.split()))
        self.exit_code = exit_code


def describe_error(error: Exception) -> str:
    """A one-line, secret-free description of a botocore error."""
    if isinstance(error, ClientError):
        info = error.response.get("Error", {})
        code = info.get("Code", "error")
        operation = getattr(error, "operation_name", "an AWS call")
        if code in BAD_CREDENTIALS:
            return f"{operation}: the AWS credentials were refused ({code})"
        return f"{operation}: {code}: {info.get('Message', '').strip() or 'no message'}"
    if isinstance(error, NoCredentialsError):
        return "no AWS credentials found (use --profile, or the usual AWS_* variables)"
    if isinstance(error, ProfileNotFound):
        return f"{error}"
    if isinstance(error, NoRegionError):
        return "no AWS region configured"
    if isinstance(error, ResponseParserError):
        return "the endpoint's answer is not an AWS response"
    if isinstance(error, EndpointConnectionError):
        return f"cannot reach the AWS endpoint {error.kwargs.get('endpoint_url', '')}".strip()
    return str(error) or type(error).__name__


@contextmanager
def aws_errors(doing: str, exit_code: int = 2) -> Iterator[None]:
    """Turn a ClientError or BotoCoreError raised inside into one :class:`AwsFailure` line."""
    try:
        yield
    except AWS_ERRORS as error:
        raise AwsFailure(f"{doing}: {describe_error(error)}", exit_code) from None


def error_code(error: ClientError) -> str:
    """The AWS error code of a ClientError."""
    return str(error.response.get("Error", {}).get("Code", ""))
