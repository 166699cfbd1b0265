"""Credentials, region and endpoint: boto3's usual chain, roles assumed as ``cdk deploy`` does."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError

from compliance.aws.errors import TRANSPORT_ERRORS, AwsFailure, aws_errors, describe_error

#: Bounded retries and timeouts for every call: at most 3 attempts of 10 s to connect and 60 s
#: per read; the deployment's wall-clock deadline (``--timeout``) bounds them all together.
CLIENT_CONFIG = Config(
    retries={"total_max_attempts": 3, "mode": "standard"}, connect_timeout=10, read_timeout=60
)
#: For the calls that are not idempotent (ExecuteChangeSet, CreateStack, UpdateStack): one
#: attempt; a lost answer is settled by reading the stack, never by sending the call again.
ONCE_CONFIG = CLIENT_CONFIG.merge(Config(retries={"total_max_attempts": 1, "mode": "standard"}))
SESSION_NAME = "tap-compliance"


@dataclass
class AwsSession:
    """A boto3 session for one region, optionally against another endpoint (a local emulator)."""

    boto: boto3.Session
    region: str
    endpoint_url: str | None = None
    #: The role this session assumed, if any (for messages and the record).
    role_arn: str | None = None
    _clients: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def open(cls, *, profile: str | None, region: str, endpoint_url: str | None) -> AwsSession:
        """The caller's session (profile or the default credential chain)."""
        with aws_errors("AWS session"):
            boto = boto3.Session(profile_name=profile, region_name=region)
        return cls(boto, region, endpoint_url)

    def client(self, service: str, *, retries: bool = True) -> Any:
        """A client of ``service`` (cached), bound to the region and endpoint; without
        ``retries``, each call is sent once (:data:`ONCE_CONFIG`)."""
        key = service if retries else f"{service}/once"
        if key not in self._clients:
            with aws_errors(f"{service} client"):
                self._clients[key] = self.boto.client(
                    service,  # type: ignore[call-overload]
                    region_name=self.region,
                    endpoint_url=self.endpoint_url,
                    config=CLIENT_CONFIG if retries else ONCE_CONFIG,
                )
        return self._clients[key]

    def account(self) -> str:
        """The account the credentials belong to (``sts:GetCallerIdentity``)."""
        with aws_errors("checking the AWS credentials"):
            return str(self.client("sts").get_caller_identity()["Account"])

    def assume(self, role_arn: str) -> AwsSession:
        """A session with the role's temporary credentials; ClientError propagates."""
        answer = self.client("sts").assume_role(RoleArn=role_arn, RoleSessionName=SESSION_NAME)
        credentials = answer["Credentials"]
        boto = boto3.Session(
            aws_access_key_id=credentials["AccessKeyId"],
            aws_secret_access_key=credentials["SecretAccessKey"],
            aws_session_token=credentials["SessionToken"],
            region_name=self.region,
        )
        return AwsSession(boto, self.region, self.endpoint_url, role_arn)

    def as_role(self, role_arn: str | None, account: str, *, purpose: str) -> AwsSession:
        """Assume ``role_arn`` as the CDK CLI does; if it cannot be assumed, carry on with the
        caller's own credentials only when they belong to ``account``."""
        if not role_arn:
            return self
        try:
            return self.assume(role_arn)
        except TRANSPORT_ERRORS as error:
            raise AwsFailure(f"assuming the {purpose} role: {describe_error(error)}") from None
        except ClientError as error:
            caller = self.account()
            if caller == account:
                return self
            raise AwsFailure(
                f"cannot assume the {purpose} role {role_arn} ({describe_error(error)}) and the "
                f"credentials are for account {caller}, not {account}"
            ) from None

    def in_account(
        self, role_arn: str | None, account: str, *, purpose: str, stack_name: str
    ) -> AwsSession:
        """:meth:`as_role`, then refuse credentials of another account than the stack's."""
        session = self.as_role(role_arn, account, purpose=purpose)
        actual = session.account()
        if actual != account:
            raise AwsFailure(
                f"the credentials are for account {actual}, but {stack_name} is in account "
                f"{account} (the environments file)"
            )
        return session
