"""A bundle's zip read as ``bundle`` writes it, every byte of it accounted for.

``bundle`` writes one plain layout (PKWARE's APPNOTE 6.3.10, sections 4.3 to 4.5:
https://pkwaredownloads.blob.core.windows.net/pem/APPNOTE.txt): from the first byte, each
entry's local header and its deflated bytes, back to back; the central directory; its end
record (zip64's before it when the zip is that large), without a comment. Each entry is a
regular file of mode 0644 made on Unix, its sizes and CRC in its local header as in the
central directory, not encrypted, with no extra field but zip64's sizes. An extractor may read
the central directory or walk the local headers, and may honour an extra field (Info-ZIP's
Unicode path names another file) or a mode (a link): so every byte outside that layout, a
local header that says otherwise than the central directory, and any other kind of entry is
something someone added, and a problem. Only then is what ``verify`` hashes what every
extractor extracts.

Reading is bounded: the central directory is parsed here, entry by entry, and refused past
:data:`MAX_ENTRIES`; an entry is inflated here, never past its declared size (one more byte
tells that it goes on), and its deflate stream must end exactly where its stored bytes do.
Nothing is extracted: a name is only compared.
"""

from __future__ import annotations

import struct
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, replace
from typing import BinaryIO, Final

from compliance.outputs.bundle.manifest import MAX_FILES, MAX_PATH, OWN_FILES

#: The entries a bundle can hold: its files, the manifest and the statement.
MAX_ENTRIES: Final = MAX_FILES + len(OWN_FILES)
#: The one mode of a bundle's entries: a regular file, rw-r--r--, made on Unix (system 3).
MODE: Final = 0o100644
UNIX: Final = 3
STORED, DEFLATED = 0, 8
CHUNK: Final = 1 << 20
STORED_CHUNK: Final = 1 << 16
#: The most an entry's extra field and comment hold together: zip64's sizes and offset.
MAX_EXTRA: Final = 32
ENCRYPTED: Final = 0x0001
DESCRIPTOR: Final = 0x0008
UTF8: Final = 0x0800
ZIP64_EXTRA: Final = 0x0001
END: Final = struct.Struct("<4s4H2LH")
END64_LOCATOR: Final = struct.Struct("<4sLQL")
END64: Final = struct.Struct("<4sQ2H2L4Q")
CENTRAL: Final = struct.Struct("<4s6H3L5H2L")
LOCAL: Final = struct.Struct("<4s5H3L2H")
KINDS: Final = {0o120000: "a link", 0o040000: "a folder", 0o010000: "a pipe"}


class NotAZip(ValueError):
    """The file is no zip, or one with more entries than a bundle holds: the message says."""


class Unreadable(ValueError):
    """An entry's bytes cannot be read as it declares them; the message says why."""


@dataclass(frozen=True)
class Entry:
    """One entry of the central directory."""

    name: str
    raw_name: bytes
    flags: int
    method: int
    crc: int
    stored: int
    size: int
    offset: int
    system: int
    mode: int
    extra: bytes
    comment: bytes
    #: How the entry differs from the ones ``bundle`` writes (its kind, its local header).
    problems: tuple[str, ...] = ()


@dataclass(frozen=True)
class Archive:
    """A zip's entries, in central directory order, and how its bytes differ from what
    ``bundle`` writes outside them (each entry says how it differs itself)."""

    entries: list[Entry]
    problems: list[str]
    handle: BinaryIO

    def contents(self, entry: Entry) -> Iterator[bytes]:
        """The entry's bytes: exactly its declared size, its CRC, from a stream that ends where
        its stored bytes do; :class:`Unreadable` at the first that is not so."""
        if entry.method not in (STORED, DEFLATED):
            raise Unreadable(f"compressed by method {entry.method}; a bundle deflates")
        if entry.flags & ENCRYPTED:
            raise Unreadable("an encrypted entry")
        inflater = zlib.decompressobj(-15) if entry.method == DEFLATED else None
        size, crc = 0, 0
        for stored in self._stored(entry):
            while stored:
                if inflater is None:
                    out, stored = stored, b""
                else:
                    try:
                        out = inflater.decompress(stored, CHUNK)
                    except zlib.error as error:
                        raise Unreadable(f"not a deflate stream: {error}") from None
                    stored = inflater.unconsumed_tail
                size += len(out)
                if size > entry.size:
                    raise Unreadable(f"inflates past the {entry.size} bytes it declares")
                crc = zlib.crc32(out, crc)
                yield out
        if inflater is not None and not inflater.eof:
            raise Unreadable("its deflate stream is cut short")
        if inflater is not None and inflater.unused_data:
            raise Unreadable("bytes after the end of its deflate stream")
        if size != entry.size:
            raise Unreadable(f"{size} bytes, not the {entry.size} it declares")
        if crc != entry.crc:
            raise Unreadable(f"CRC-32 {crc:08x}, not the {entry.crc:08x} it declares")

    def _stored(self, entry: Entry) -> Iterator[bytes]:
        local = _local(self.handle, entry.offset)
        if local is None:
            raise Unreadable(f"no local header at byte {entry.offset}")
        self.handle.seek(entry.offset + LOCAL.size + local[9] + local[10])
        left = entry.stored
        while left:
            # Small reads: deflate's 1:1032 turns 64 KiB into up to 64 MiB, taken a CHUNK at a time.
            chunk = self.handle.read(min(STORED_CHUNK, left))
            if not chunk:
                raise Unreadable("its stored bytes are cut short")
            left -= len(chunk)
            yield chunk


def read_archive(handle: BinaryIO, size: int) -> Archive:
    """The zip in ``handle`` (``size`` bytes long): its entries and how its bytes differ from
    what ``bundle`` writes; :class:`NotAZip` when it is none, or too large for a bundle."""
    end = _end(handle, size)
    start = end.records_start - end.directory_size
    # A zip behind other bytes (a self-extractor's): its offsets count from its own start,
    # as readers take them; those bytes are then named as bytes before the first entry.
    entries = _directory(handle, start, end.directory_size, max(0, start - end.directory_offset))
    problems = []
    if end.count != len(entries):
        problems.append(f"changed: its end record counts {end.count} entries, not {len(entries)}")
    checked, outside = _layout(handle, entries, end)
    return Archive(checked, problems + outside, handle)


@dataclass(frozen=True)
class _End:
    """What the end records say: the central directory's entries, size and offset, and where
    they themselves start; the comment's length and the bytes after it."""

    count: int
    directory_size: int
    directory_offset: int
    records_start: int
    comment: int
    trailing: int


def _end(handle: BinaryIO, size: int) -> _End:
    """The end of central directory record (and zip64's, when it defers to it), found as
    readers find it: the last one in the file's final 64 KiB."""
    handle.seek(max(0, size - END.size - 0xFFFF))
    tail = handle.read()
    at = tail.rfind(b"PK\x05\x06")
    if at < 0 or len(tail) - at < END.size:
        raise NotAZip("not a zip file (no end of central directory: not a zip, or cut short)")
    _, _, _, _, count, directory_size, directory_offset, comment = END.unpack_from(tail, at)
    position = size - len(tail) + at
    records_start = position
    if count == 0xFFFF or 0xFFFFFFFF in (directory_size, directory_offset):
        handle.seek(max(0, position - END64_LOCATOR.size))
        locator = handle.read(END64_LOCATOR.size)
        if len(locator) == END64_LOCATOR.size and locator[:4] == b"PK\x06\x07":
            records_start = position - END64_LOCATOR.size - END64.size
            handle.seek(max(0, records_start))
            record = handle.read(END64.size)
            if len(record) != END64.size or record[:4] != b"PK\x06\x06":
                raise NotAZip("not a readable zip file (its zip64 end record is missing)")
            count, directory_size, directory_offset = END64.unpack(record)[7:]
    if count > MAX_ENTRIES:
        raise NotAZip(f"{count} entries: more than a bundle holds ({MAX_ENTRIES})")
    return _End(
        count=count,
        directory_size=directory_size,
        directory_offset=directory_offset,
        records_start=records_start,
        comment=comment,
        trailing=size - (position + END.size + comment),
    )


def _directory(handle: BinaryIO, start: int, length: int, shift: int) -> list[Entry]:
    """The central directory's entries, read where it lies (``length`` bytes at ``start``,
    just before the end records), their offsets ``shift`` bytes further on. An entry larger
    than any a bundle writes (a name past :data:`MAX_PATH` bytes, more than zip64's extra
    field) stops the reading: a bundle's reader never holds more than a bundle's size."""
    if start < 0:
        raise NotAZip("not a readable zip file (its central directory lies before its start)")
    handle.seek(start)
    entries: list[Entry] = []
    read = 0
    while read < length:
        if len(entries) == MAX_ENTRIES:
            raise NotAZip(f"more entries than a bundle holds ({MAX_ENTRIES})")
        fixed = handle.read(CENTRAL.size)
        if len(fixed) != CENTRAL.size or fixed[:4] != b"PK\x01\x02":
            raise NotAZip(f"not a readable zip file (its central directory is broken at {read})")
        fields = CENTRAL.unpack(fixed)
        name_length, extra_length, comment_length = fields[10:13]
        if name_length > MAX_PATH or extra_length + comment_length > MAX_EXTRA:
            raise NotAZip(f"an entry larger than any a bundle writes (at {start + read})")
        raw_name = handle.read(name_length)
        extra = handle.read(extra_length)
        comment = handle.read(comment_length)
        read += CENTRAL.size + name_length + extra_length + comment_length
        flags = fields[3]
        stored, size, offset = _zip64(fields[8], fields[9], fields[16], extra)
        entries.append(
            Entry(
                name=raw_name.decode("utf-8" if flags & UTF8 else "cp437", "surrogateescape"),
                raw_name=raw_name,
                flags=flags,
                method=fields[4],
                crc=fields[7],
                stored=stored,
                size=size,
                offset=offset + shift,
                system=fields[1] >> 8,
                mode=fields[15] >> 16,
                extra=extra,
                comment=comment,
            )
        )
    if read != length:
        raise NotAZip("not a readable zip file (its central directory is cut short)")
    return entries


def _zip64(stored: int, size: int, offset: int, extra: bytes) -> tuple[int, int, int]:
    """The sizes and offset, each taken from the zip64 extra field when it defers to it
    (APPNOTE 4.5.3: only the values set to 0xFFFFFFFF are there, in this order)."""
    values = [stored, size, offset]
    for kind, body in _fields(extra):
        if kind == ZIP64_EXTRA:
            found = iter(struct.unpack_from(f"<{len(body) // 8}Q", body))
            order = (1, 0, 2)  # uncompressed size, compressed size, offset
            for index in order:
                if values[index] == 0xFFFFFFFF:
                    values[index] = next(found, values[index])
    return values[0], values[1], values[2]


def _fields(extra: bytes) -> Iterator[tuple[int, bytes]]:
    """An extra field's (kind, body) pairs; a field cut short is one of kind -1."""
    while extra:
        if len(extra) < 4:
            yield -1, extra
            return
        kind, length = struct.unpack_from("<2H", extra)
        body, extra = extra[4 : 4 + length], extra[4 + length :]
        yield (kind if len(body) == length else -1), body


def _layout(handle: BinaryIO, entries: list[Entry], end: _End) -> tuple[list[Entry], list[str]]:
    """The entries, each with how it differs from the ones ``bundle`` writes, and how the
    zip's bytes outside them differ from its layout, walked in the order they lie in."""
    checked = list(entries)
    problems = []
    cursor = 0
    for index in sorted(range(len(entries)), key=lambda i: entries[i].offset):
        entry = entries[index]
        name = shown(entry.name)
        if entry.offset > cursor:
            where = "before the first entry" if cursor == 0 else f"before the entry {name}"
            problems.append(f"added: {entry.offset - cursor} bytes {where}")
        elif entry.offset < cursor:
            problems.append(f"added: the entry {name}, overlapping the one before it")
        local = _local(handle, entry.offset)
        checked[index] = replace(entry, problems=_entry_problems(handle, entry, local))
        header = LOCAL.size + (local[9] + local[10] if local else 0)
        cursor = max(cursor, entry.offset + header + entry.stored)
    directory_start = end.records_start - end.directory_size
    if directory_start > cursor:
        problems.append(f"added: {directory_start - cursor} bytes before the central directory")
    if end.directory_offset > directory_start:
        problems.append(
            f"changed: its end record places the central directory at byte "
            f"{end.directory_offset}, not at {directory_start} where it is"
        )
    if end.comment:
        problems.append(f"added: a zip comment of {end.comment} bytes")
    if end.trailing > 0:
        problems.append(f"added: {end.trailing} bytes after the end of the zip")
    return checked, problems


def _entry_problems(
    handle: BinaryIO, entry: Entry, local: tuple[int, ...] | None
) -> tuple[str, ...]:
    """How one entry differs from what ``bundle`` writes."""
    problems = []
    if entry.flags & DESCRIPTOR:
        problems.append("its sizes deferred to a data descriptor")
    if (entry.system, entry.mode) != (UNIX, MODE):
        kind = KINDS.get(entry.mode & 0o170000, "a file of other permissions")
        problems.append(
            f"mode {entry.mode:o} from system {entry.system}: {kind}, "
            "not the regular file of mode 644 a bundle holds"
        )
    if local is None:
        return (*problems, f"no local header at byte {entry.offset}")
    _, _, flags, method, _, _, crc, stored, size, name_length, extra_length = local
    handle.seek(entry.offset + LOCAL.size)
    name = handle.read(name_length)
    extra = handle.read(extra_length)
    if name != entry.raw_name:
        problems.append(f"its local header names it {shown(name.decode('utf-8', 'replace'))}")
    sizes = (stored, size)
    if (flags, method, crc) != (entry.flags, entry.method, entry.crc) or sizes not in (
        (entry.stored, entry.size),
        (0xFFFFFFFF, 0xFFFFFFFF),
    ):
        problems.append("its local header says otherwise than the central directory")
    if entry.comment or any(
        kind != ZIP64_EXTRA for kind, _ in (*_fields(entry.extra), *_fields(extra))
    ):
        problems.append("an extra field or a comment, which a bundle's entries never carry")
    return tuple(problems)


def _local(handle: BinaryIO, offset: int) -> tuple[int, ...] | None:
    """The local header at ``offset``; None when there is none."""
    handle.seek(offset)
    data = handle.read(LOCAL.size)
    if len(data) != LOCAL.size or data[:4] != b"PK\x03\x04":
        return None
    return LOCAL.unpack(data)


#: The longest a name is shown (a hostile statement's can be megabytes long).
SHOWN: Final = 300


def shown(name: str) -> str:
    """A name as it can be printed on one line: quoted when it holds control characters or
    bytes that are no text, cut after :data:`SHOWN` characters."""
    text = name if name.isprintable() else ascii(name)
    return text if len(text) <= SHOWN else f"{text[:SHOWN]}... ({len(text)} characters)"
