"""Publish the gated bytes of each file asset to the buckets the asset manifest names.

An object already at the key is trusted for its content, never for its key: it is kept only
when S3's SHA-256 checksum of it equals the gated SHA-256; otherwise the gated bytes are put
over it. Each put carries its SHA-256, which S3 checks against the body received (AWS docs,
"Checking object integrity in Amazon S3": the upload fails on a mismatch)."""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

from botocore.exceptions import ClientError

from compliance.aws.bootstrap import bootstrap_command
from compliance.aws.errors import TRANSPORT_ERRORS, AwsFailure, describe_error, error_code
from compliance.aws.session import AwsSession
from compliance.aws.target import FileAsset

#: uploaded: the key was free; replaced: an object with other (or unproven) content was there;
#: exists: the object there has the gated SHA-256.
Action = Literal["uploaded", "replaced", "exists"]


@dataclass(frozen=True)
class Published:
    """What happened to one asset destination."""

    asset_id: str
    bucket: str
    key: str
    action: Action
    sha256: str
    bytes: int


def publish_assets(
    session: AwsSession,
    assets: tuple[FileAsset, ...],
    *,
    account: str,
    contents: dict[str, bytes],
    report: Callable[[Published], None] = lambda _: None,
) -> list[Published]:
    """Put the gated bytes (``contents``, by asset id) at every destination, unless the
    object there already has their SHA-256."""
    roles: dict[str | None, AwsSession] = {}
    done = []
    for asset in assets:
        content = contents[asset.id]
        digest = hashlib.sha256(content).digest()
        for destination in asset.destinations:
            if destination.role_arn not in roles:
                roles[destination.role_arn] = session.as_role(
                    destination.role_arn, account, purpose="file publishing"
                )
            s3 = roles[destination.role_arn].client("s3")
            where = f"s3://{destination.bucket}/{destination.key}"
            try:
                found = _checksum(s3, destination.bucket, destination.key)
                action: Action = "exists"
                if found != base64.b64encode(digest).decode():
                    s3.put_object(
                        Bucket=destination.bucket,
                        Key=destination.key,
                        Body=content,
                        ChecksumAlgorithm="SHA256",
                        ChecksumSHA256=base64.b64encode(digest).decode(),
                    )
                    action = "uploaded" if found is None else "replaced"
            except ClientError as error:
                hint = ""
                if error_code(error) in ("NoSuchBucket", "404"):
                    command = bootstrap_command(account, session.region)
                    hint = f" (the CDK bootstrap bucket is missing: run `{command}`)"
                raise AwsFailure(f"publishing {where}: {describe_error(error)}{hint}") from None
            except TRANSPORT_ERRORS as error:
                raise AwsFailure(f"publishing {where}: {describe_error(error)}") from None
            published = Published(
                asset.id, destination.bucket, destination.key, action, digest.hex(), len(content)
            )
            report(published)
            done.append(published)
    return done


def _checksum(s3: object, bucket: str, key: str) -> str | None:
    """The object's SHA-256 checksum as S3 stores it (base64); "" when the object has none
    (its content unproven); ``None`` when there is no object."""
    try:
        head = s3.head_object(Bucket=bucket, Key=key, ChecksumMode="ENABLED")  # type: ignore[attr-defined]
    except ClientError as error:
        if error_code(error) in ("404", "NoSuchKey", "NotFound"):
            return None
        raise
    return str(head.get("ChecksumSHA256") or "")
