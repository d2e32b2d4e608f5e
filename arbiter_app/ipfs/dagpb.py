"""Strict readers (and the small writers) for dag-pb nodes and the UnixFS ``Data`` message.

Our own protobuf handling for two tiny schemas (docs/ipfs.md §2.1–§2.2)::

    PBNode { Links = 2 (repeated PBLink); Data = 1 (bytes) }   -- Links written first
    PBLink { Hash = 1 (CID bytes); Name = 2 (string); Tsize = 3 (uint64) }
    Data   { Type = 1; Data = 2; filesize = 3; blocksizes = 4 (repeated); hashType = 5;
             fanout = 6; mode = 7; mtime = 8 }

Decoding is stricter than generic protobuf, as the dag-pb spec asks: PBLink fields must come
in order and at most once, unknown fields and wrong wire types are refused. Byte fields are
returned as memoryview slices so a 1 MiB leaf is never copied while decoding. The decoded
records are named tuples: a file node's up to 174 links are made faster than dataclasses.
"""

from __future__ import annotations

from typing import NamedTuple

from arbiter_app.ipfs.cid import CID, CODEC_NAMES, DAG_PB
from arbiter_app.ipfs.errors import CidError, NodeError
from arbiter_app.ipfs.multibase import decode_varint, encode_varint

UNIXFS_RAW, DIRECTORY, FILE, METADATA, SYMLINK, HAMT_SHARD = range(6)
TYPE_NAMES = ["raw", "directory", "file", "metadata", "symlink", "HAMT shard"]

_VARINT, _FIXED64, _BYTES, _FIXED32 = 0, 1, 2, 5


class PBLink(NamedTuple):
    """One dag-pb link: the child's CID, its name, and the ``Tsize`` hint."""

    cid: CID
    name: str | None
    tsize: int | None


class PBNode(NamedTuple):
    """A decoded dag-pb node."""

    links: tuple[PBLink, ...]
    data: memoryview | None


class UnixFSData(NamedTuple):
    """The UnixFS ``Data`` message of a node (only what file verification needs)."""

    type: int
    data: memoryview | None = None
    filesize: int | None = None
    blocksizes: tuple[int, ...] = ()


def _varint(buf: memoryview, pos: int, what: str) -> tuple[int, int]:
    try:
        return decode_varint(buf, pos)
    except CidError as e:
        raise NodeError(what, e.offset, "a varint") from e


def _fields(buf: memoryview, what: str) -> list[tuple[int, int, int | memoryview, int]]:
    """Split a protobuf message into ``(field number, wire type, value, offset)``."""
    out: list[tuple[int, int, int | memoryview, int]] = []
    pos = 0
    while pos < len(buf):
        start = pos
        key, pos = _varint(buf, pos, what)
        number, wire = key >> 3, key & 7
        value: int | memoryview
        if wire == _VARINT:
            value, pos = _varint(buf, pos, what)
        elif wire == _BYTES:
            length, pos = _varint(buf, pos, what)
            if pos + length > len(buf):
                raise NodeError(what, pos, f"{length} bytes of field {number}, found the end")
            value, pos = buf[pos : pos + length], pos + length
        elif wire == _FIXED32 and pos + 4 <= len(buf):
            value, pos = int.from_bytes(buf[pos : pos + 4], "little"), pos + 4
        elif wire == _FIXED64 and pos + 8 <= len(buf):
            value, pos = int.from_bytes(buf[pos : pos + 8], "little"), pos + 8
        else:
            raise NodeError(what, start, f"a known wire type, found {wire}")
        out.append((number, wire, value, start))
    return out


def decode_node(block: bytes | memoryview) -> PBNode:
    """Decode a dag-pb block (fields in either order, as old data has both).

    :raises NodeError: on anything the dag-pb spec does not allow
    """
    buf = memoryview(block)
    if len(buf) > 1 and buf[0] == 0x0A:  # a leaf: one Data field (1, bytes) filling the block
        length, start = _varint(buf, 1, "dag-pb node")
        if start + length == len(buf):
            return PBNode((), buf[start:])
    usual = _usual_node(buf)
    if usual is not None:
        return usual
    links: list[PBLink] = []
    data: memoryview | None = None
    for number, wire, value, offset in _fields(buf, "dag-pb node"):
        if number == 2 and wire == _BYTES and isinstance(value, memoryview):
            if data is not None:
                raise NodeError("dag-pb node", offset, "Links before Data")
            links.append(_decode_link(value, offset))
        elif number == 1 and wire == _BYTES and isinstance(value, memoryview) and data is None:
            data = value
        else:
            raise NodeError("dag-pb node", offset, "one Data field (1) and Links fields (2)")
    return PBNode(tuple(links), data)


def _usual_node(buf: memoryview) -> PBNode | None:
    """A node laid out as Kubo and the JS encoder write one (links, then Data), each link a
    sha2-256 CID, an empty Name or none, and a Tsize, read by that fixed shape; ``None`` for
    anything else, which the general decoder then reads or refuses. A file node has up to
    174 links: parsing each through the general field splitter cost ~10 % of a verification.
    """
    links: list[PBLink] = []
    pos, end = 0, len(buf)
    try:
        while pos < end and buf[pos] == 0x12:
            length, start = decode_varint(buf, pos + 1)
            pos = start + length
            link = _usual_link(buf, start, pos)
            if link is None or pos > end:
                return None
            links.append(link)
        if pos == end:
            return PBNode(tuple(links), None)
        length, start = decode_varint(buf, pos + 1)
        if buf[pos] != 0x0A or start + length != end:
            return None
        return PBNode(tuple(links), buf[start:end])
    except (CidError, IndexError):
        return None


def _usual_link(buf: memoryview, pos: int, stop: int) -> PBLink | None:
    if buf[pos] != 0x0A:
        return None
    size, at = buf[pos + 1], pos + 2
    if size == 34:
        version, codec = 0, DAG_PB
    elif size == 36 and buf[at] == 1 and buf[at + 1] in CODEC_NAMES:
        version, codec, at = 1, buf[at + 1], at + 2
    else:
        return None
    if buf[at] != 0x12 or buf[at + 1] != 0x20:  # sha2-256, 32 bytes
        return None
    cid = CID(version, codec, bytes(buf[at : at + 34]))
    pos = at + 34
    name = None
    if buf[pos] == 0x12 and buf[pos + 1] == 0:
        name, pos = "", pos + 2
    if buf[pos] != 0x18:
        return None
    tsize, pos = decode_varint(buf, pos + 1)
    return PBLink(cid, name, tsize) if pos == stop else None


def _decode_link(buf: memoryview, base: int) -> PBLink:
    cid: CID | None = None
    name: str | None = None
    tsize: int | None = None
    last = 0
    for number, wire, value, offset in _fields(buf, "dag-pb link"):
        if number <= last or (number, wire) not in ((1, _BYTES), (2, _BYTES), (3, _VARINT)):
            raise NodeError("dag-pb link", base + offset, "Hash, Name, Tsize in order, once")
        last = number
        if number == 1 and isinstance(value, memoryview):
            try:
                cid = CID.from_bytes(bytes(value))
            except CidError as e:
                raise NodeError("dag-pb link", base + offset, f"a binary CID ({e})") from e
        elif number == 2 and isinstance(value, memoryview):
            try:
                name = bytes(value).decode("utf-8")
            except UnicodeDecodeError as e:
                raise NodeError("dag-pb link", base + offset, "a UTF-8 name") from e
        elif isinstance(value, int):
            tsize = value
    if cid is None:
        raise NodeError("dag-pb link", base, "a Hash field")
    return PBLink(cid, name, tsize)


def decode_unixfs(data: memoryview | bytes) -> UnixFSData:
    """Decode the UnixFS ``Data`` message held in a node's Data field.

    :raises NodeError: on a malformed message or an unknown type
    """
    buf = memoryview(data)
    leaf = _file_leaf(buf)
    if leaf is not None:
        return leaf
    kind: int | None = None
    inline: memoryview | None = None
    filesize: int | None = None
    sizes: list[int] = []
    for number, wire, value, offset in _fields(buf, "UnixFS data"):
        if number == 1 and wire == _VARINT and isinstance(value, int):
            kind = value
        elif number == 2 and wire == _BYTES and isinstance(value, memoryview):
            inline = value
        elif number == 3 and wire == _VARINT and isinstance(value, int):
            filesize = value
        elif number == 4 and wire == _VARINT and isinstance(value, int):
            sizes.append(value)
        elif number == 4 and wire == _BYTES and isinstance(value, memoryview):
            sizes.extend(_packed(value, offset))
        elif number in (5, 6, 7) and wire == _VARINT or number == 8 and wire == _BYTES:
            continue  # HAMT and metadata fields: not needed to read a file's bytes
        else:
            raise NodeError("UnixFS data", offset, "a known field with its wire type")
    if kind is None or not 0 <= kind <= HAMT_SHARD:
        raise NodeError("UnixFS data", 0, "a Type field of 0 to 5")
    return UnixFSData(kind, inline, filesize, tuple(sizes))


def _file_leaf(buf: memoryview) -> UnixFSData | None:
    """A file node exactly as Kubo writes one (Type File, Data or none, filesize, then
    blocksizes), read by that fixed shape; ``None`` for anything else, which the general
    decoder then reads or refuses."""
    if len(buf) < 4 or buf[0] != 0x08 or buf[1] != FILE:
        return None
    pos, end = 2, len(buf)
    inline: memoryview | None = None
    sizes: list[int] = []
    try:
        if buf[pos] == 0x12:
            length, start = decode_varint(buf, pos + 1)
            inline, pos = buf[start : start + length], start + length
        if pos >= end or buf[pos] != 0x18:
            return None
        filesize, pos = decode_varint(buf, pos + 1)
        while pos < end:
            if buf[pos] != 0x20:
                return None
            size, pos = decode_varint(buf, pos + 1)
            sizes.append(size)
    except CidError:
        return None
    return UnixFSData(FILE, inline, filesize, tuple(sizes))


def _packed(buf: memoryview, base: int) -> list[int]:
    out, pos = [], 0
    while pos < len(buf):
        value, pos = _varint(buf, pos, "UnixFS blocksizes")
        out.append(value)
    return out


def _key(number: int, wire: int) -> bytes:
    return encode_varint(number << 3 | wire)


def _bytes_field(number: int, value: bytes) -> bytes:
    return _key(number, _BYTES) + encode_varint(len(value)) + value


def encode_unixfs_file(data: bytes | None, filesize: int, blocksizes: list[int]) -> bytes:
    """The UnixFS Data of a File node, field order Type, Data, filesize, blocksizes (as Kubo)."""
    out = _key(1, _VARINT) + encode_varint(FILE)
    if data is not None:
        out += _bytes_field(2, data)
    out += _key(3, _VARINT) + encode_varint(filesize)
    for size in blocksizes:
        out += _key(4, _VARINT) + encode_varint(size)
    return out


def encode_node(links: list[PBLink], data: bytes | None) -> bytes:
    """A dag-pb block: Links first, then Data; every link writes Name and Tsize (as Go does)."""
    out = b""
    for link in links:
        body = _bytes_field(1, bytes(link.cid))
        body += _bytes_field(2, (link.name or "").encode("utf-8"))
        body += _key(3, _VARINT) + encode_varint(link.tsize or 0)
        out += _bytes_field(2, body)
    if data is not None:
        out += _bytes_field(1, data)
    return out
