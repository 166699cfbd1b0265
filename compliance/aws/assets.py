"""Publish the assembly's file assets to the buckets the asset manifest names (once each)."""

from __future__ import annotations

import io
import os
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from botocore.exceptions import ClientError

from compliance.aws.errors import TRANSPORT_ERRORS, AwsFailure, describe_error, error_code
from compliance.aws.session import AwsSession
from compliance.aws.target import FileAsset

#: Every zip entry carries this timestamp: the same folder always zips to the same bytes.
ZIP_EPOCH = (1980, 1, 1, 0, 0, 0)


@dataclass(frozen=True)
class Published:
    """What happened to one asset destination."""

    asset_id: str
    bucket: str
    key: str
    action: str  # "uploaded" or "exists"


def deterministic_zip(folder: Path) -> bytes:
    """The folder as a zip: sorted entries, fixed timestamps and modes, no folder entries."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for root, dirs, files in os.walk(folder):
            dirs.sort()
            for name in sorted(files):
                path = Path(root, name)
                info = zipfile.ZipInfo(path.relative_to(folder).as_posix(), ZIP_EPOCH)
                info.compress_type = zipfile.ZIP_DEFLATED
                executable = os.access(path, os.X_OK)
                info.external_attr = (0o100755 if executable else 0o100644) << 16
                archive.writestr(info, path.read_bytes())
    return buffer.getvalue()


def asset_bytes(asset: FileAsset, known: dict[Path, bytes]) -> bytes:
    """The bytes to upload: ``known`` bytes of a file (the gated template), else read them."""
    resolved = asset.source.resolve()
    for path, content in known.items():
        if path.resolve() == resolved:
            return content
    if asset.packaging == "zip":
        if not asset.source.is_dir():
            return asset.source.read_bytes()  # an already zipped file
        return deterministic_zip(asset.source)
    return asset.source.read_bytes()


def publish_assets(
    session: AwsSession,
    assets: tuple[FileAsset, ...],
    *,
    account: str,
    known: dict[Path, bytes],
    report: Callable[[Published], None] = lambda _: None,
) -> list[Published]:
    """Upload every asset destination whose object is missing; skip those already there."""
    roles: dict[str | None, AwsSession] = {}
    done = []
    for asset in assets:
        for destination in asset.destinations:
            if destination.role_arn not in roles:
                roles[destination.role_arn] = session.as_role(
                    destination.role_arn, account, purpose="file publishing"
                )
            s3 = roles[destination.role_arn].client("s3")
            where = f"s3://{destination.bucket}/{destination.key}"
            try:
                if _exists(s3, destination.bucket, destination.key):
                    action = "exists"
                else:
                    s3.put_object(
                        Bucket=destination.bucket,
                        Key=destination.key,
                        Body=asset_bytes(asset, known),
                    )
                    action = "uploaded"
            except ClientError as error:
                hint = ""
                if error_code(error) in ("NoSuchBucket", "404"):
                    hint = " (the CDK bootstrap bucket is missing: run `npx aws-cdk bootstrap`)"
                raise AwsFailure(f"publishing {where}: {describe_error(error)}{hint}") from None
            except TRANSPORT_ERRORS as error:
                raise AwsFailure(f"publishing {where}: {describe_error(error)}") from None
            except OSError as error:
                raise AwsFailure(f"reading asset {asset.source}: {error.strerror}") from None
            published = Published(asset.id, destination.bucket, destination.key, action)
            report(published)
            done.append(published)
    return done


def _exists(s3: object, bucket: str, key: str) -> bool:
    try:
        s3.head_object(Bucket=bucket, Key=key)  # type: ignore[attr-defined]
    except ClientError as error:
        if error_code(error) in ("404", "NoSuchKey", "NotFound"):
            return False
        raise
    return True
