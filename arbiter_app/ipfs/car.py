"""CAR v1 reading (CARv2 wrapper recognised) and writing, indexed by multihash.

Layout (ipld CARv1 spec; docs/ipfs.md §3): ``varint(len) | DAG-CBOR header
{roots, version} | (varint(len) | CID | block)*``. The reader walks a seekable file once,
reading only each section's length and CID and checking the size limit before any block is
read, and records where each block lies, keyed by **multihash** (producers label codecs
wrongly; the codec comes from the parent link, docs/ipfs.md §2.4). Blocks may come in any
order (ipfs-car writes the root last). A stream that ends inside its header or a section is a
:class:`TruncatedCar`, whatever HTTP status came with it (docs/ipfs.md §4). Block hashes are
not checked here: the verifier checks every block it uses.
"""

from __future__ import annotations

import io
import mmap
from collections.abc import Iterable
from typing import BinaryIO, NamedTuple

from arbiter_app.config import IpfsLimits
from arbiter_app.errors import InputError
from arbiter_app.ipfs.cid import CID
from arbiter_app.ipfs.errors import BlockTooLarge, CarError, CidError, TooManyBlocks, TruncatedCar
from arbiter_app.ipfs.multibase import decode_varint, encode_varint

CARV2_PRAGMA = bytes.fromhex("0aa16776657273696f6e02")
V2_HEADER_END = len(CARV2_PRAGMA) + 40  # pragma, then characteristics, offsets and sizes
MAX_HEADER = 64 * 1024
MAX_CID_BYTES = 200
MAX_VARINT = 9  # a CID is at most ~140 bytes with a 128-byte identity digest


def _cbor_item(buf: bytes, pos: int, depth: int = 0) -> tuple[object, int]:
    """Decode the few DAG-CBOR shapes a CAR header uses (uint, bytes, text, array, map, tag 42)."""
    if pos >= len(buf) or depth > 4:
        raise CarError(pos, "a CBOR item of the CAR header")
    major, info = buf[pos] >> 5, buf[pos] & 31
    pos += 1
    if info < 24:
        arg = info
    elif info in (24, 25, 26, 27):
        size = 1 << (info - 24)
        if pos + size > len(buf):
            raise CarError(pos, "a CBOR length")
        arg, pos = int.from_bytes(buf[pos : pos + size], "big"), pos + size
    else:
        raise CarError(pos - 1, "a definite-length CBOR item")
    if major == 0:
        return arg, pos
    if major in (2, 3):
        if pos + arg > len(buf):
            raise CarError(pos, f"{arg} bytes of CBOR string")
        raw = buf[pos : pos + arg]
        return (raw if major == 2 else raw.decode("utf-8", "replace")), pos + arg
    if major == 4:
        items = []
        for _ in range(arg):
            item, pos = _cbor_item(buf, pos, depth + 1)
            items.append(item)
        return items, pos
    if major == 5:
        mapping = {}
        for _ in range(arg):
            key, pos = _cbor_item(buf, pos, depth + 1)
            mapping[str(key)], pos = _cbor_item(buf, pos, depth + 1)
        return mapping, pos
    if major == 6 and arg == 42:
        link, end = _cbor_item(buf, pos, depth + 1)
        if not isinstance(link, bytes) or link[:1] != b"\0":
            raise CarError(pos, "a CID link as bytes with a 0x00 prefix")
        try:
            return CID.from_bytes(link[1:], strict=False), end
        except CidError as e:
            raise CarError(pos, f"a root CID ({e})") from e
    raise CarError(pos - 1, "only uint, bytes, text, array, map and CID items")


def _read_exact(stream: BinaryIO, size: int, offset: int, what: str) -> bytes:
    data = stream.read(size)
    if len(data) != size:
        raise TruncatedCar(offset + len(data), f"{size} bytes of {what}, the CAR ends early")
    return data


def _read_varint(stream: BinaryIO, offset: int) -> tuple[int, int] | None:
    """Read a varint from a stream; ``None`` at a clean end of stream."""
    raw = b""
    while True:
        byte = stream.read(1)
        if not byte:
            if raw:
                raise TruncatedCar(offset + len(raw), "the rest of a section length")
            return None
        raw += byte
        if not byte[0] & 0x80 or len(raw) >= 9:
            try:
                value, _ = decode_varint(raw)
            except CidError as e:
                raise CarError(offset, "a section length varint") from e
            return value, offset + len(raw)


def _section_length(head: bytes | memoryview, offset: int) -> tuple[int, int]:
    """The section length varint at the start of ``head`` (read at ``offset``), and where the
    section's body starts."""
    try:
        value, used = decode_varint(head[:MAX_VARINT])
    except CidError as e:
        if len(head) < MAX_VARINT and all(byte & 0x80 for byte in head):
            raise TruncatedCar(offset + len(head), "the rest of a section length") from e
        raise CarError(offset, "a section length varint") from e
    return value, offset + used


def _section_cid(head: bytes | memoryview, at: int, size: int, offset: int) -> tuple[bytes, int]:
    """The binary CID at ``head[at:]`` (at most ``size`` bytes; the file offset is
    ``offset``): its bytes and its multihash's start within them.

    A sha2-256 CIDv0 (``12 20``) or CIDv1 with a one-byte codec is read by its fixed shape;
    any other is parsed in full.
    """
    if size >= 34 and head[at] == 0x12 and head[at + 1] == 0x20:
        return bytes(head[at : at + 34]), 0
    if size >= 36 and head[at] == 1 and head[at + 1] < 0x80 and head[at + 2] == 0x12 \
            and head[at + 3] == 0x20:
        return bytes(head[at : at + 36]), 2
    try:
        cid, end = CID.read(head[at : at + size], 0, strict=False)
    except CidError as e:
        raise CarError(offset + e.offset, "a section CID") from e
    return bytes(head[at : at + end]), end - len(cid.multihash)


class Section(NamedTuple):
    """Where one block lies in the file, and the binary CID the CAR labels it with."""

    label: bytes
    offset: int
    length: int

    @property
    def cid(self) -> CID:
        """The CID the CAR labels the block with (the verifier takes the codec from the
        parent link instead)."""
        return CID.from_bytes(self.label, strict=False)


class CarIndex:
    """A CAR file's roots and its blocks' places, keyed by multihash.

    :param stream: a seekable binary file holding a CARv1, or a CARv2 around one
    :param limits: block size and block count limits, checked before reading
    :param tolerant: keep the sections read before a truncation (in :attr:`truncated`)
        instead of raising, so a fetcher can reuse them and ask elsewhere for the rest
    :raises TruncatedCar: the file ends inside the header or a section
    :raises BlockTooLarge / TooManyBlocks: a section or the section count is over a limit
    """

    def __init__(self, stream: BinaryIO, limits: IpfsLimits, tolerant: bool = False) -> None:
        self._stream = stream
        self._mapped = memoryview(b"")
        self.limits = limits
        self.sections: dict[bytes, Section] = {}
        self.count = 0
        self.truncated: TruncatedCar | None = None
        start = self._unwrap_v2()
        self.roots, self.version = self._read_header(start)
        try:
            self._index(stream.tell())
        except TruncatedCar as e:
            if not tolerant:
                raise
            self.truncated = e

    def _unwrap_v2(self) -> int:
        head = self._stream.read(len(CARV2_PRAGMA))
        if head != CARV2_PRAGMA:
            self._stream.seek(0)
            self._end: int | None = None
            return 0
        header = _read_exact(self._stream, 40, 11, "the CARv2 header")
        data_offset = int.from_bytes(header[16:24], "little")
        data_size = int.from_bytes(header[24:32], "little")
        size = self._stream.seek(0, io.SEEK_END)
        # Both numbers come from the file: check them against its real size before any seek.
        if not V2_HEADER_END <= data_offset <= size:
            raise CarError(27, f"a CARv2 data offset from {V2_HEADER_END} to {size}, "
                               f"found {data_offset}")
        if data_size > size - data_offset:
            raise CarError(35, f"a CARv2 data size of at most {size - data_offset}, "
                               f"found {data_size}")
        self._stream.seek(data_offset)
        self._end = data_offset + data_size
        return data_offset

    def _read_header(self, offset: int) -> tuple[list[CID], int]:
        got = _read_varint(self._stream, offset)
        if got is None:
            raise TruncatedCar(offset, "a CAR header, found an empty stream")
        length, pos = got
        if length > MAX_HEADER:
            raise CarError(offset, f"a header under {MAX_HEADER} bytes, found {length}")
        raw = _read_exact(self._stream, length, pos, "the CAR header")
        header, _ = _cbor_item(raw, 0)
        if not isinstance(header, dict) or header.get("version") != 1:
            raise CarError(pos, "a header map with version 1")
        roots = header.get("roots", [])
        if not isinstance(roots, list) or not all(isinstance(r, CID) for r in roots):
            raise CarError(pos, "a list of root CIDs")
        return list(roots), 1

    def _index(self, pos: int) -> None:
        limit = self.limits.max_block_size + MAX_CID_BYTES
        self._size = self._stream.seek(0, io.SEEK_END)
        if self._end is not None:
            self._size = min(self._size, self._end)
        self._mapped = _map(self._stream)
        sections = self.sections
        while self._end is None or pos < self._end:
            head = self._read_at(pos, MAX_VARINT + MAX_CID_BYTES)
            if not head:
                return
            length, body = _section_length(head, pos)
            if length > limit:
                raise BlockTooLarge(length, self.limits.max_block_size)
            want = min(length, MAX_CID_BYTES)
            if len(head) - (body - pos) < want:
                raise TruncatedCar(pos + len(head), f"{want} bytes of a section, the CAR ends "
                                   "early")
            label, multihash_at = _section_cid(head, body - pos, want, body)
            if length - len(label) > self.limits.max_block_size:
                raise BlockTooLarge(length - len(label), self.limits.max_block_size)
            self.count += 1
            if self.count > self.limits.max_blocks:
                raise TooManyBlocks(self.count, self.limits.max_blocks)
            if body + length > self._size:
                raise TruncatedCar(self._size, f"{length} bytes of a section, the CAR ends early")
            sections.setdefault(label[multihash_at:],
                                Section(label, body + len(label), length - len(label)))
            pos = body + length

    def _read_at(self, pos: int, size: int) -> bytes | memoryview:
        """Up to ``size`` bytes at ``pos`` (fewer at the end), from the mapping if there is one."""
        if self._mapped:
            return self._mapped[pos : pos + size]
        self._stream.seek(pos)
        return self._stream.read(size)

    def close(self) -> None:
        """Close the underlying file (a mapping lasts only as long as blocks handed out)."""
        self._mapped = memoryview(b"")
        self._stream.close()

    def get(self, cid: CID) -> bytes | memoryview | None:
        """The bytes of the block with this CID's multihash, or ``None`` if the CAR lacks it.

        From a file, the block is a read-only view into the file mapped once (no copy, no
        system call per block: ~8 % of a 256 MiB verification); from any other stream, bytes.
        """
        section = self.sections.get(cid.multihash)
        if section is None:
            return None
        if self._mapped:
            return self._mapped[section.offset : section.offset + section.length]
        self._stream.seek(section.offset)
        return _read_exact(self._stream, section.length, section.offset, "a block")


def _map(stream: BinaryIO) -> memoryview:
    """The whole file mapped read-only, or an empty view for a stream that is no file.

    The sections were checked against the file's size when it was indexed; the app owns the
    files it maps (spooled downloads, its cache), and nothing truncates them meanwhile.
    """
    try:
        return memoryview(mmap.mmap(stream.fileno(), 0, access=mmap.ACCESS_READ))
    except (OSError, ValueError):  # no file descriptor (BytesIO), or nothing to map
        return memoryview(b"")


def write_car(out: BinaryIO, roots: list[CID], blocks: Iterable[tuple[CID, bytes]]) -> None:
    """Write a CARv1 (header with ``roots``, then the blocks in the given order)."""
    header = b"\xa2\x65roots" + _cbor_array_head(len(roots))
    for root in roots:
        link = b"\0" + bytes(root)
        header += b"\xd8\x2a" + _cbor_bytes_head(len(link)) + link
    header += b"\x67version\x01"
    out.write(encode_varint(len(header)) + header)
    for cid, block in blocks:
        write_section(out, cid, block)


def write_section(out: BinaryIO, cid: CID, block: bytes | memoryview) -> None:
    """Append one ``varint(len) | CID | block`` section."""
    raw = bytes(cid)
    out.write(encode_varint(len(raw) + len(block)) + raw)
    out.write(block)


def _cbor_array_head(n: int) -> bytes:
    return bytes([0x80 | n]) if n < 24 else bytes([0x98, n])


def _cbor_bytes_head(n: int) -> bytes:
    return bytes([0x40 | n]) if n < 24 else bytes([0x58, n])


def car_bytes(roots: list[CID], blocks: Iterable[tuple[CID, bytes]]) -> bytes:
    """:returns: a CARv1 as bytes (for tests and small documents)."""
    out = io.BytesIO()
    write_car(out, roots, blocks)
    return out.getvalue()


def is_car(head: bytes) -> bool:
    """Whether these first bytes look like a CAR (v1 header map or the v2 pragma)."""
    if head.startswith(CARV2_PRAGMA):
        return True
    try:
        length, pos = decode_varint(head)
    except InputError:
        return False
    return 0 < length <= MAX_HEADER and head[pos : pos + 1] in (b"\xa2", b"\xa1")
