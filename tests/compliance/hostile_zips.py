"""Zips written byte by byte (APPNOTE 6.3.10, sections 4.3.7, 4.3.12, 4.3.16), so a test can
make what no zip library writes: a local header that disagrees with the central directory,
two entries of one name, bytes before, between or after the entries, a symlink entry, an
encrypted flag, an entry that inflates far beyond its declared size."""

from __future__ import annotations

import struct
import zlib
from dataclasses import dataclass, field

#: What ``tap-compliance bundle`` writes: a regular file, rw-r--r--, made on Unix.
REGULAR = 0o100644
SYMLINK = 0o120777
DOS_1980 = (0, (0 << 9) | (1 << 5) | 1)  # 00:00:00, 1980-01-01 as (time, date)


@dataclass
class Entry:
    """One entry; ``data`` is what it inflates to, ``raw`` (when given) its stored bytes."""

    name: str
    data: bytes = b""
    method: int = 8
    flags: int = 0
    mode: int = REGULAR
    extra: bytes = b""
    raw: bytes | None = None
    #: Overrides of the central directory's view (name bytes, declared size, CRC).
    central_name: bytes | None = None
    local_name: bytes | None = None
    declared_size: int | None = None
    crc: int | None = None
    gap_after: bytes = field(default=b"")

    def stored(self) -> bytes:
        if self.raw is not None:
            return self.raw
        if self.method == 0:
            return self.data
        packer = zlib.compressobj(6, zlib.DEFLATED, -15)
        return packer.compress(self.data) + packer.flush()


def build(
    entries: list[Entry], prefix: bytes = b"", suffix: bytes = b"", comment: bytes = b""
) -> bytes:
    """The zip of ``entries``: ``prefix``, each entry's local header and data (and its
    ``gap_after``), the central directory, its end record with ``comment``, ``suffix``."""
    out = bytearray(prefix)
    central = bytearray()
    for entry in entries:
        stored = entry.stored()
        name = entry.name.encode("utf-8")
        flags = entry.flags | (0x800 if not entry.name.isascii() else 0)
        crc = zlib.crc32(entry.data) if entry.crc is None else entry.crc
        size = len(entry.data) if entry.declared_size is None else entry.declared_size
        offset = len(out) - len(prefix)
        local = entry.local_name if entry.local_name is not None else name
        out += (
            struct.pack(
                "<IHHHHHIIIHH",
                0x04034B50,
                20,
                flags,
                entry.method,
                *DOS_1980,
                crc,
                len(stored),
                size,
                len(local),
                len(entry.extra),
            )
            + local
            + entry.extra
            + stored
            + entry.gap_after
        )
        cname = entry.central_name if entry.central_name is not None else name
        central += (
            struct.pack(
                "<IHHHHHHIIIHHHHHII",
                0x02014B50,
                (3 << 8) | 20,
                20,
                flags,
                entry.method,
                *DOS_1980,
                crc,
                len(stored),
                size,
                len(cname),
                len(entry.extra),
                0,
                0,
                0,
                entry.mode << 16,
                offset,
            )
            + cname
            + entry.extra
        )
    start = len(out) - len(prefix)
    out += central
    out += (
        struct.pack(
            "<IHHHHIIH",
            0x06054B50,
            0,
            0,
            len(entries),
            len(entries),
            len(central),
            start,
            len(comment),
        )
        + comment
    )
    return bytes(out + suffix)
