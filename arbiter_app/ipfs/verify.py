"""Verify a whole UnixFS file against its root CID, block by block, under limits.

This is docs/ipfs.md §2.4 steps 1–8: every block is size-checked before it is hashed,
hashed with the function its CID names, interpreted with the codec of the link that pointed
to it, and the file's bytes are written to a sink only after the block holding them passed.
Layouts are not assumed: balanced, trickle and the ``unixfs-v1-2025`` shapes all verify,
because the walk follows links depth-first in order and checks ``blocksizes``, ``filesize``
and ``Tsize`` at every node. Each way of failing raises its own class from
:mod:`arbiter_app.ipfs.errors`, naming the first failing block and where it sits.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Generator, Mapping
from dataclasses import dataclass, field
from typing import BinaryIO, Protocol

from arbiter_app.config import IpfsLimits
from arbiter_app.errors import DecodeError
from arbiter_app.ipfs.car import CarIndex
from arbiter_app.ipfs.cid import (
    CID,
    DAG_CBOR,
    DAG_PB,
    IDENTITY,
    RAW,
    SHA2_256,
    decode_multihash,
)
from arbiter_app.ipfs.dagpb import (
    FILE,
    TYPE_NAMES,
    UNIXFS_RAW,
    PBLink,
    decode_node,
    decode_unixfs,
)
from arbiter_app.ipfs.errors import (
    BlockMissing,
    BlockTooLarge,
    DagTooDeep,
    FileSizeMismatch,
    FileTooLarge,
    HashMismatch,
    LeafHashMismatch,
    LinkCycle,
    NodeError,
    NodeHashMismatch,
    NotAFile,
    TooManyBlocks,
    TooManyLinks,
    TsizeMismatch,
    UnexpectedRoot,
    UnsupportedHash,
)
from arbiter_app.progress import CancelToken, Progress

Hasher = Callable[[bytes | memoryview], bytes]
REPORT_BYTES = 1 << 20
HASHERS: Mapping[int, Hasher] = {
    SHA2_256: lambda block: hashlib.sha256(block).digest(),
    IDENTITY: bytes,
}


class BlockSource(Protocol):
    """Where the verifier gets blocks; it trusts none of them."""

    def get(self, cid: CID, offset: int, size: int | None) -> bytes | memoryview | None:
        """The block for ``cid``, or ``None`` when the source lacks it.

        :param offset: where the block's file bytes start in the file
        :param size: the file bytes the parent says it holds (``None`` for the root)
        """
        ...


class Sink(Protocol):
    """Where verified file bytes go (a file, a BytesIO, a hashing writer)."""

    def write(self, data: bytes | memoryview, /) -> object: ...


class NullSink:
    """Discards the bytes (verification only)."""

    def write(self, data: bytes | memoryview, /) -> int:
        return len(data)


@dataclass(frozen=True)
class Verified:
    """What a successful verification established."""

    root: CID
    size: int
    blocks: int
    depth: int
    layout: str


@dataclass
class _Walk:
    root: CID
    source: BlockSource
    sink: Sink
    limits: IpfsLimits
    cancel: CancelToken | None
    hashers: Mapping[int, Hasher]
    blocks: int = 0
    produced: int = 0
    next_report: int = 0
    total: int | None = None
    leaf_depths: set[int] = field(default_factory=set)
    leaf_kinds: set[str] = field(default_factory=set)
    path: list[bytes] = field(default_factory=list)
    root_name: str = field(init=False)

    def __post_init__(self) -> None:
        # Named once: encoding the CID for every block's progress label cost ~10 % of a walk.
        self.root_name = str(self.root)

    def load(self, cid: CID, where: str, size: int | None) -> bytes | memoryview:
        self.blocks += 1
        if self.blocks > self.limits.max_blocks:
            raise TooManyBlocks(self.blocks, self.limits.max_blocks)
        multihash = cid.multihash
        if multihash[:2] == b"\x12\x20" and len(multihash) == 34:
            code, digest = SHA2_256, multihash[2:]
        else:
            code, digest, _ = decode_multihash(multihash)
        block = digest if code == IDENTITY else self.source.get(cid, self.produced, size)
        if block is None:
            raise BlockMissing(str(cid), where)
        if len(block) > self.limits.max_block_size:
            raise BlockTooLarge(len(block), self.limits.max_block_size)
        hasher = self.hashers.get(code)
        if hasher is None:
            raise UnsupportedHash(code, len(digest))
        if hasher(block) != digest:
            raise _mismatch(cid, block, where)
        return block

    def emit(self, data: bytes | memoryview) -> None:
        if self.produced + len(data) > self.limits.max_total_bytes:
            raise FileTooLarge(self.produced + len(data), self.limits.max_total_bytes)
        if data:
            self.sink.write(data)
        self.produced += len(data)

    def due(self, depth: int) -> bool:
        """Whether to report progress now: after each MiB of file bytes, and at the end (a
        label per 256 KiB block cost ~1.5 % of a verification; cancel is checked per block)."""
        if depth and self.produced < self.next_report:
            return False
        self.next_report = self.produced + REPORT_BYTES
        return True

    def progress(self) -> Progress:
        return Progress(f"verified {self.blocks} blocks of {self.root_name}", self.produced,
                        self.total)

    def node(
        self, cid: CID, depth: int, where: str, size: int | None = None
    ) -> Generator[Progress, None, tuple[int, int]]:
        """Verify one sub-DAG; returns (file bytes it holds, its cumulative Tsize)."""
        if self.cancel is not None:
            self.cancel.check()
        if depth > self.limits.max_depth:
            raise DagTooDeep(depth, self.limits.max_depth)
        block = self.load(cid, where, size)
        if cid.codec == RAW:
            self.emit(block)
            self.leaf_depths.add(depth)
            self.leaf_kinds.add("raw")
            if self.due(depth):
                yield self.progress()
            return len(block), len(block)
        if cid.codec != DAG_PB:
            raise NotAFile(f"{cid} ({cid.codec_name}) at {where} is not a UnixFS file block")
        return (yield from self.file_node(cid, block, depth, where))

    def file_node(
        self, cid: CID, block: bytes | memoryview, depth: int, where: str
    ) -> Generator[Progress, None, tuple[int, int]]:
        node = decode_node(block)
        if node.data is None:
            raise NotAFile(f"{cid} at {where} is a dag-pb node without UnixFS data")
        unixfs = decode_unixfs(node.data)
        if unixfs.type not in (FILE, UNIXFS_RAW):
            raise NotAFile(f"{cid} at {where} is a UnixFS {TYPE_NAMES[unixfs.type]}, not a file")
        links = node.links
        if len(links) > self.limits.max_links:
            raise TooManyLinks(len(links), self.limits.max_links)
        if len(links) != len(unixfs.blocksizes):
            raise NodeError("UnixFS file node", 0, "one blocksizes entry per link")
        inline = unixfs.data if unixfs.data is not None else memoryview(b"")
        declared = unixfs.filesize or 0
        if depth == 0:
            self.total = declared
            if declared > self.limits.max_total_bytes:
                raise FileTooLarge(declared, self.limits.max_total_bytes)
        if declared != len(inline) + sum(unixfs.blocksizes):
            raise FileSizeMismatch(
                f"node {cid} at {where} declares filesize {declared} but its data and "
                f"blocksizes add up to {len(inline) + sum(unixfs.blocksizes)}"
            )
        self.emit(inline)
        if not links:
            self.leaf_depths.add(depth)
            self.leaf_kinds.add("dag-pb")
            if self.due(depth):
                yield self.progress()
            return len(inline), len(block)
        if len(inline):
            self.leaf_kinds.add("inner data")  # trickle-style: data held by an inner node
        self.path.append(cid.multihash)
        tsize = len(block)
        for index, link in enumerate(links):
            yield from self.child(cid, link, index, unixfs.blocksizes[index], depth, where)
            tsize += link.tsize or 0
        self.path.pop()
        if self.due(depth):
            yield self.progress()
        return declared, tsize

    def child(
        self, parent: CID, link: PBLink, index: int, blocksize: int, depth: int, where: str
    ) -> Generator[Progress, None, None]:
        here = f"{where}/link {index}"
        if link.name:
            raise NodeError("UnixFS file node", 0, f"unnamed chunk links, found {link.name!r}")
        if link.cid.multihash in self.path or link.cid.multihash == parent.multihash:
            raise LinkCycle(f"{link.cid} at {here} links back to a block on its own path")
        size, tsize = yield from self.node(link.cid, depth + 1, here, blocksize)
        if size != blocksize:
            raise FileSizeMismatch(
                f"{link.cid} at {here} holds {size} bytes but its parent's blocksizes say "
                f"{blocksize}"
            )
        if link.tsize is not None and link.tsize != tsize:
            raise TsizeMismatch(
                f"{link.cid} at {here} has a sub-DAG of {tsize} bytes but its link's Tsize "
                f"says {link.tsize}"
            )

    def layout(self) -> str:
        if self.blocks == 1:
            shape = "single block"
        elif len(self.leaf_depths) == 1 and "inner data" not in self.leaf_kinds:
            shape = "balanced"
        else:
            shape = "unbalanced (trickle or similar)"
        kinds = sorted(self.leaf_kinds - {"inner data"})
        return f"{shape}, {' and '.join(kinds)} leaves"


def _mismatch(cid: CID, block: bytes | memoryview, where: str) -> HashMismatch:
    """Name a hash mismatch by what the altered block looks like (for the user and tests)."""
    if cid.codec == RAW:
        return LeafHashMismatch(str(cid), where)
    try:
        links = decode_node(block).links
    except DecodeError:
        return NodeHashMismatch(str(cid), where)
    return NodeHashMismatch(str(cid), where) if links else LeafHashMismatch(str(cid), where)


def verify_dag(
    root: CID,
    source: BlockSource,
    sink: Sink,
    limits: IpfsLimits,
    cancel: CancelToken | None = None,
    hashers: Mapping[int, Hasher] = HASHERS,
) -> Generator[Progress, None, Verified]:
    """Verify the file under ``root``, writing its bytes to ``sink`` as they pass.

    :param root: the file's CID (raw or dag-pb)
    :param source: gives blocks by CID; nothing it gives is trusted
    :param sink: receives the file bytes, in order, each only after its block passed
    :param limits: total bytes, block count, block size, depth and links per node
    :param cancel: checked before each block
    :param hashers: hash functions by multihash code (tests inject broken ones)
    :returns: what was verified
    :raises VerificationError: a hash, size or structure mismatch (a subclass names which)
    :raises LimitExceeded: a limit was reached (a subclass names which)
    :raises InputError: the CID or a block cannot be handled
    """
    root.check_supported()
    if root.codec == DAG_CBOR:
        raise NotAFile(f"{root} is dag-cbor data, not a UnixFS file")
    walk = _Walk(root, source, sink, limits, cancel, hashers)
    size, _ = yield from walk.node(root, 0, "root")
    depth = max(walk.leaf_depths, default=0)
    return Verified(root, size, walk.blocks, depth, walk.layout())


class CarSource:
    """A :class:`BlockSource` over an indexed CAR."""

    def __init__(self, index: CarIndex) -> None:
        self.index = index

    def get(self, cid: CID, offset: int, size: int | None) -> bytes | memoryview | None:
        return self.index.get(cid)


def check_roots(index: CarIndex, root: CID) -> None:
    """A CAR may name no root or the expected one; any other root is refused.

    :raises UnexpectedRoot: the header names a root other than ``root``
    """
    others = [r for r in index.roots if r.multihash != root.multihash]
    if others:
        names = ", ".join(str(r) for r in others)
        raise UnexpectedRoot(f"the CAR's header names root(s) {names}, not only {root}")


def verify_car(
    root: CID,
    stream: BinaryIO,
    sink: Sink,
    limits: IpfsLimits,
    cancel: CancelToken | None = None,
) -> Generator[Progress, None, Verified]:
    """Verify a file held in a CAR (any block order; extra unneeded blocks are ignored).

    :raises TruncatedCar: the CAR ends early
    :raises UnexpectedRoot: the header names another root
    """
    index = CarIndex(stream, limits)
    check_roots(index, root)
    return (yield from verify_dag(root, CarSource(index), sink, limits, cancel))
