"""Build a UnixFS file DAG from bytes with a known profile (balanced layout).

Used to check a *plain file* against a CID when no blocks are at hand (docs/ipfs.md §2.4
"re-import" check), to write evidence as a CAR, and by the bench. It reproduces the profiles
of docs/ipfs.md §2.3: Kubo's defaults (CIDv0, dag-pb leaves, 256 KiB, 174 links), Kubo's
``--cid-version=1`` (raw leaves, 256 KiB, 174) and ``unixfs-v1-2025`` (raw, 1 MiB, 1024).
Every link writes an empty Name and its Tsize, as Go and JS importers do (docs/ipfs.md §2.1).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import BinaryIO

from arbiter_app.ipfs.cid import CID, DAG_PB, RAW
from arbiter_app.ipfs.dagpb import PBLink, encode_node, encode_unixfs_file

BlockWriter = Callable[[CID, bytes], object]


@dataclass(frozen=True)
class Profile:
    """Importer parameters that decide the root CID."""

    name: str
    cid_version: int
    raw_leaves: bool
    chunk_size: int
    max_links: int


KUBO_V0 = Profile("Kubo defaults (CIDv0)", 0, False, 262144, 174)
KUBO_V1 = Profile("Kubo --cid-version=1", 1, True, 262144, 174)
UNIXFS_V1_2025 = Profile("unixfs-v1-2025", 1, True, 1048576, 1024)
PROFILES = (KUBO_V0, KUBO_V1, UNIXFS_V1_2025)


@dataclass(frozen=True)
class _Entry:
    cid: CID
    size: int
    tsize: int


def _chunks(stream: BinaryIO, size: int) -> Iterator[bytes]:
    first = True
    while True:
        chunk = stream.read(size)
        if not chunk and not first:
            return
        first = False
        yield chunk
        if len(chunk) < size:
            return


def _leaf(chunk: bytes, profile: Profile, put: BlockWriter) -> _Entry:
    if profile.raw_leaves:
        cid = CID.for_block(chunk, RAW, 1)
        put(cid, chunk)
        return _Entry(cid, len(chunk), len(chunk))
    # Kubo omits the Data field of an empty file: block 0a 04 08 02 18 00 (docs/ipfs.md §2.3).
    block = encode_node([], encode_unixfs_file(chunk or None, len(chunk), []))
    cid = CID.for_block(block, DAG_PB, profile.cid_version)
    put(cid, block)
    return _Entry(cid, len(chunk), len(block))


def _parent(children: list[_Entry], profile: Profile, put: BlockWriter) -> _Entry:
    links = [PBLink(c.cid, "", c.tsize) for c in children]
    sizes = [c.size for c in children]
    block = encode_node(links, encode_unixfs_file(None, sum(sizes), sizes))
    cid = CID.for_block(block, DAG_PB, profile.cid_version)
    put(cid, block)
    return _Entry(cid, sum(sizes), len(block) + sum(c.tsize for c in children))


def import_file(stream: BinaryIO, profile: Profile, put: BlockWriter | None = None) -> CID:
    """Chunk ``stream`` and build its balanced DAG; blocks go to ``put`` leaves first, root last.

    :param stream: the file's bytes
    :param profile: the importer parameters
    :param put: receives each block with its CID (omit to compute the root CID only)
    :returns: the root CID
    """
    writer: BlockWriter = put if put is not None else (lambda cid, block: None)
    level = [_leaf(chunk, profile, writer) for chunk in _chunks(stream, profile.chunk_size)]
    while len(level) > 1:
        step = profile.max_links
        level = [_parent(level[i : i + step], profile, writer) for i in range(0, len(level), step)]
    return level[0].cid
