"""Read-only calls to AWS, each answer kept (canonical JSON) with its SHA-256 as evidence."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from botocore.exceptions import ClientError

from compliance.aws.errors import AWS_ERRORS, describe_error, error_code
from compliance.aws.session import AwsSession

#: Error codes that mean the caller may not read (the resource is then not tested).
DENIED = frozenset(
    {
        "AccessDenied",
        "AccessDeniedException",
        "UnauthorizedOperation",
        "AuthorizationError",
        "AuthorizationErrorException",
    }
)
#: Error codes that mean the resource is not there (deleted out of band: a failure).
GONE = frozenset(
    {
        "NoSuchBucket",
        "NoSuchEntity",
        "NotFoundException",
        "ResourceNotFoundException",
        "DBClusterNotFoundFault",
        "DBInstanceNotFound",
        "InvalidVolume.NotFound",
        "InvalidLaunchTemplateId.NotFound",
        "InvalidLaunchTemplateId.Malformed",
    }
)


Redact = Callable[[dict[str, Any]], dict[str, Any]]


class NotTested(Exception):
    """The resource could not be read (denied, not modelled, an error): never a pass."""


class Gone(Exception):
    """The stack names the resource, but the service has no such resource."""


@dataclass(frozen=True)
class Answer:
    """One API's answer: the API, what was asked, the answer as canonical JSON, its SHA-256."""

    api: str
    params: dict[str, Any]
    text: str

    @property
    def sha256(self) -> str:
        """SHA-256 of :attr:`text` (UTF-8)."""
        return hashlib.sha256(self.text.encode()).hexdigest()


@dataclass
class Reads:
    """The calls made for one resource, through one read-only session."""

    session: AwsSession
    answers: list[Answer] = field(default_factory=list)

    def call(
        self, service: str, operation: str, redact: Redact | None = None, **params: Any
    ) -> dict[str, Any]:
        """The answer of ``service.operation(**params)``; a denial raises :class:`NotTested`,
        a missing resource :class:`Gone`. ``redact`` removes what must not be kept (secret
        values) before the answer is kept and hashed."""
        found = self.optional(service, operation, (), redact, **params)
        assert found is not None
        return found

    def optional(
        self,
        service: str,
        operation: str,
        absent: tuple[str, ...],
        redact: Redact | None = None,
        **params: Any,
    ) -> dict[str, Any] | None:
        """As :meth:`call`, but None when AWS answers one of the ``absent`` error codes (the
        setting is not configured, e.g. ``NoSuchBucketPolicy``); that answer is evidence too."""
        client = self.session.client(service)
        api = f"{service}:{client.meta.method_to_api_mapping[operation]}"
        try:
            answer = dict(getattr(client, operation)(**params))
        except ClientError as error:
            code = error_code(error)
            if code in absent:
                self.answers.append(Answer(api, params, _canonical({"Error": code})))
                return None
            if code in DENIED:
                raise NotTested(f"{api} was denied ({code})") from None
            if code in GONE:
                raise Gone(f"{api}: {code}") from None
            raise NotTested(f"{api} failed: {describe_error(error)}") from None
        except AWS_ERRORS as error:
            raise NotTested(f"{api} failed: {describe_error(error)}") from None
        answer.pop("ResponseMetadata", None)
        text = _canonical(redact(answer) if redact else answer)
        self.answers.append(Answer(api, params, text))
        return dict(json.loads(text))

    @property
    def apis(self) -> list[str]:
        """The APIs that answered, in order, once each."""
        return list(dict.fromkeys(a.api for a in self.answers))


def _canonical(value: Any) -> str:
    return json.dumps(value, sort_keys=True, default=_plain, separators=(",", ":"))


def _plain(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    raise TypeError(type(value).__name__)
