"""The verifier on DAGs built here to be wrong in ways no honest importer produces.

Tsize and filesize lies, a chunk link with a name, a directory in place of a file, an
inline (identity) leaf, and a link cycle — which real hashes make impossible, so that test
injects a broken hash function to prove the path check itself works.
"""

from __future__ import annotations

import hashlib
import io

import pytest

from arbiter_app.config import IpfsLimits
from arbiter_app.errors import ArbiterError, Cancelled
from arbiter_app.ipfs import errors as e
from arbiter_app.ipfs.cid import CID, DAG_CBOR, DAG_PB, IDENTITY, RAW, SHA2_256
from arbiter_app.ipfs.dagpb import PBLink, encode_node, encode_unixfs_file
from arbiter_app.ipfs.verify import HASHERS, Verified, verify_dag
from arbiter_app.progress import CancelToken, Progress, run_to_end


class Blocks:
    """A dict-backed block source keyed by multihash."""

    def __init__(self) -> None:
        self.blocks: dict[bytes, bytes] = {}

    def add(self, block: bytes, codec: int = DAG_PB) -> CID:
        cid = CID.for_block(block, codec)
        self.blocks[cid.multihash] = block
        return cid

    def get(self, cid: CID, offset: int, size: int | None) -> bytes | None:
        return self.blocks.get(cid.multihash)


def parent(
    children: list[tuple[CID, int, int]],
    filesize: int | None = None,
    names: list[str] | None = None,
) -> bytes:
    links = [
        PBLink(c, (names or [""] * len(children))[i], t) for i, (c, _, t) in enumerate(children)
    ]
    sizes = [s for _, s, _ in children]
    return encode_node(
        links, encode_unixfs_file(None, sum(sizes) if filesize is None else filesize, sizes)
    )


def run(root: CID, source: Blocks, **kw: object) -> tuple[bytes, Verified]:
    out = io.BytesIO()
    limits = kw.pop("limits", IpfsLimits())
    result = run_to_end(verify_dag(root, source, out, limits, **kw))  # type: ignore[arg-type]
    return out.getvalue(), result


def two_leaf_file(
    store: Blocks, tsize_lie: int = 0, filesize: int | None = None, names: list[str] | None = None
) -> CID:
    a, b = store.add(b"alpha", RAW), store.add(b"beta!", RAW)
    return store.add(parent([(a, 5, 5 + tsize_lie), (b, 5, 5)], filesize, names))


def test_an_honest_two_leaf_file_verifies() -> None:
    store = Blocks()
    data, result = run(two_leaf_file(store), store)
    assert data == b"alphabeta!" and result.blocks == 3 and result.layout == "balanced, raw leaves"


@pytest.mark.parametrize(
    ("build", "error"),
    [
        (lambda s: two_leaf_file(s, tsize_lie=1), e.TsizeMismatch),
        (lambda s: two_leaf_file(s, filesize=11), e.FileSizeMismatch),
        (lambda s: s.add(parent([(s.add(b"alpha", RAW), 4, 5)])), e.FileSizeMismatch),
        (lambda s: two_leaf_file(s, names=["", "x.txt"]), e.NodeError),
        (lambda s: s.add(encode_node([], b"\x08\x01")), e.NotAFile),
        (lambda s: s.add(b""), e.NotAFile),
        (lambda s: s.add(encode_node([], encode_unixfs_file(None, 0, [5]))), e.NodeError),
        (lambda s: s.add(b"\xa0", DAG_CBOR), e.NotAFile),
        (lambda s: s.add(b"\x0a\x05\x08\x02", DAG_PB), e.NodeError),
    ],
    ids=[
        "tsize-lie",
        "filesize-lie",
        "blocksize-lie",
        "named-chunk-link",
        "directory",
        "empty-dagpb-node",
        "blocksizes-without-links",
        "dag-cbor-root",
        "cut-protobuf",
    ],
)
def test_dishonest_dags_are_refused(build: object, error: type[ArbiterError]) -> None:
    store = Blocks()
    root = build(store)  # type: ignore[operator]
    with pytest.raises(error):
        run(root, store)


def test_identity_leaf_is_read_inline() -> None:
    store = Blocks()
    inline = CID(1, RAW, bytes([IDENTITY, 5]) + b"hello")
    b = store.add(b" world", RAW)
    root = store.add(parent([(inline, 5, 5), (b, 6, 6)]))
    data, result = run(root, store)
    assert data == b"hello world" and result.blocks == 3


def test_a_link_cycle_is_named_even_when_hashes_collide() -> None:
    # With a constant "hash", a node whose link names the digest of itself is a real cycle.
    store = Blocks()
    fixed = b"\x07" * 32
    me = CID(1, DAG_PB, b"\x12\x20" + fixed)
    block = encode_node([PBLink(me, "", 10)], encode_unixfs_file(None, 10, [10]))
    store.blocks[me.multihash] = block
    broken = {**HASHERS, SHA2_256: lambda _: fixed}
    with pytest.raises(e.LinkCycle):
        run(me, store, hashers=broken)


def test_missing_block_names_its_place() -> None:
    store = Blocks()
    root = two_leaf_file(store)
    del store.blocks[CID.for_block(b"beta!", RAW).multihash]
    with pytest.raises(e.BlockMissing, match="root/link 1"):
        run(root, store)


def test_progress_counts_bytes_of_the_declared_total_once_per_mib_and_cancel_stops() -> None:
    store = Blocks()
    root = two_leaf_file(store)
    steps = list(_collect(verify_dag(root, store, io.BytesIO(), IpfsLimits())))
    assert [(p.done, p.total) for p in steps] == [(5, 10), (10, 10)]  # first block, the end
    token = CancelToken()
    token.cancel()
    with pytest.raises(Cancelled):
        run(root, store, cancel=token)


def test_progress_of_a_3_mib_file_in_256_kib_leaves_comes_once_per_mib() -> None:
    store = Blocks()
    leaf = store.add(bytes(256 << 10), RAW)
    root = store.add(parent([(leaf, 256 << 10, 256 << 10)] * 12))
    steps = _collect(verify_dag(root, store, io.BytesIO(), IpfsLimits()))
    assert [p.done >> 10 for p in steps] == [256, 1280, 2304, 3072]  # KiB verified
    assert steps[-1].label == f"verified 13 blocks of {root}"


def _collect(gen: object) -> list[Progress]:
    out: list[Progress] = []
    run_to_end(gen, out.append)  # type: ignore[arg-type]
    return out


def test_sha256_of_single_raw_block_is_its_cid_digest() -> None:
    store = Blocks()
    root = store.add(b"hello world", RAW)
    assert root.digest == hashlib.sha256(b"hello world").digest()
    assert run(root, store)[0] == b"hello world"
