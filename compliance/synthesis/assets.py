"""The file assets of a stack (its ``*.assets.json``) and the exact bytes each one publishes:
a file as is, a folder as a deterministic zip (the same folder always zips to the same bytes).

The gate records each asset's SHA-256 from here; the deployer publishes only bytes with that
SHA-256."""

from __future__ import annotations

import hashlib
import io
import os
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from compliance.errors import InputError
from compliance.synthesis.assembly import read_json

#: Every zip entry carries this timestamp: the same folder always zips to the same bytes.
ZIP_EPOCH = (1980, 1, 1, 0, 0, 0)


@dataclass(frozen=True)
class AssetSource:
    """One file asset as its manifest declares it (destinations still with CDK's
    ``${AWS::AccountId}`` placeholders)."""

    id: str
    #: The source as the manifest names it, relative to the assembly.
    path: str
    #: The file or folder in the assembly.
    source: Path
    packaging: Literal["file", "zip"]
    destinations: tuple[dict[str, Any], ...]


def asset_sources(manifest: Path) -> list[AssetSource]:
    """The file assets of one asset manifest (its container images are not among them)."""
    document = read_json(manifest)
    if not isinstance(document, dict):
        raise InputError(manifest, "not a JSON object")
    found = []
    for asset_id, entry in (document.get("files") or {}).items():
        if not isinstance(entry, dict):
            raise InputError(manifest, f"asset {asset_id}: not an object")
        source = entry.get("source") or {}
        packaging = source.get("packaging", "file")
        if packaging not in ("file", "zip") or not isinstance(source.get("path"), str):
            raise InputError(manifest, f"asset {asset_id}: unsupported source {source}")
        destinations = tuple(
            d for d in (entry.get("destinations") or {}).values() if isinstance(d, dict)
        )
        found.append(
            AssetSource(
                asset_id, source["path"], manifest.parent / source["path"], packaging, destinations
            )
        )
    return found


def asset_content(asset: AssetSource) -> bytes:
    """The bytes the asset publishes; an unreadable source is an :class:`InputError`."""
    try:
        if asset.packaging == "zip" and asset.source.is_dir():
            return deterministic_zip(asset.source)
        return asset.source.read_bytes()  # a file, or an already zipped one
    except OSError as error:
        raise InputError(asset.source, f"cannot read the asset: {error.strerror}") from None


def sha256(content: bytes) -> str:
    """The hex SHA-256 the record names content by."""
    return hashlib.sha256(content).hexdigest()


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
