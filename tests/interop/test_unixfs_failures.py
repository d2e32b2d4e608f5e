"""Each way a reference CAR can be wrong is refused with its own error class.

The CARs come from the JavaScript importer in this run (``unixfs_vectors``); each test alters
one thing — a byte of a leaf, a byte of an inner node, a missing block, an extra root, a cut —
or tightens one limit, and checks the verifier names that failure and no other.
"""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from arbiter_app.config import IpfsLimits
from arbiter_app.errors import ArbiterError
from arbiter_app.ipfs import errors as ipfs_errors
from arbiter_app.ipfs.car import CarIndex, car_bytes
from arbiter_app.ipfs.cid import CID
from arbiter_app.ipfs.verify import verify_car
from arbiter_app.progress import run_to_end
from tests.fixtures.unixfs import MIB, Vector

V0 = f"kubo-v0-{MIB + 1}B"  # 5 dag-pb leaves under one root (sections labelled raw)
V1 = f"kubo-v1-{MIB + 1}B"  # 5 raw leaves under one root
TRICKLE = f"trickle-v1-{MIB + 1}B"


def sections(car: Path) -> tuple[list[CID], list[tuple[CID, bytes]]]:
    """The header roots and the (label, block) sections of a CAR, in file order."""
    with car.open("rb") as f:
        index = CarIndex(f, IpfsLimits())
        return index.roots, [(s.cid, bytes(index.get(s.cid) or b""))
                             for s in index.sections.values()]


def verify(data: bytes, root: str, limits: IpfsLimits | None = None) -> None:
    run_to_end(verify_car(CID.parse(root), io.BytesIO(data), io.BytesIO(), limits or IpfsLimits()))


def flip(block: bytes, at: int) -> bytes:
    return block[:at] + bytes([block[at] ^ 0x01]) + block[at + 1 :]


def altered(v: Vector, which: str) -> bytes:
    roots, blocks = sections(v.root_first)
    root = CID.parse(v.root)
    leaves = [i for i, (c, _) in enumerate(blocks) if c.multihash != root.multihash]
    if which == "flip leaf":
        i = leaves[2]
        blocks[i] = (blocks[i][0], flip(blocks[i][1], len(blocks[i][1]) - 7))
    elif which == "flip inner":
        i = next(i for i, (c, _) in enumerate(blocks) if c.multihash == root.multihash)
        blocks[i] = (blocks[i][0], flip(blocks[i][1], 20))  # inside the first link's CID
    elif which == "missing block":
        del blocks[leaves[1]]
    elif which == "extra root":
        roots = [*roots, CID.for_block(b"an unrelated root")]
    data = car_bytes(roots, blocks)
    if which == "truncated":
        data = data[: len(data) - max(1, len(blocks[-1][1]) // 2)]  # cut inside the last section
    return data


@pytest.mark.parametrize(
    ("name", "which", "error"),
    [
        (V1, "flip leaf", ipfs_errors.LeafHashMismatch),
        (V0, "flip leaf", ipfs_errors.LeafHashMismatch),
        (V1, "flip inner", ipfs_errors.NodeHashMismatch),
        (V0, "flip inner", ipfs_errors.NodeHashMismatch),
        (TRICKLE, "flip inner", ipfs_errors.NodeHashMismatch),
        (V1, "missing block", ipfs_errors.BlockMissing),
        (V0, "extra root", ipfs_errors.UnexpectedRoot),
        (V1, "truncated", ipfs_errors.TruncatedCar),
    ],
    ids=lambda x: x if isinstance(x, str) else getattr(x, "__name__", str(x)),
)
def test_altered_car_is_refused_with_its_own_error(
    unixfs_vectors: dict[str, Vector], name: str, which: str, error: type[ArbiterError]
) -> None:
    v = unixfs_vectors[name]
    verify(altered(v, "none"), v.root)  # the same rewrite, unaltered, passes
    with pytest.raises(error) as caught:
        verify(altered(v, which), v.root)
    assert type(caught.value) is error


def test_first_failing_block_is_named(unixfs_vectors: dict[str, Vector]) -> None:
    v = unixfs_vectors[V1]
    with pytest.raises(ipfs_errors.LeafHashMismatch, match=r"at root/link 2\)"):
        verify(altered(v, "flip leaf"), v.root)


@pytest.mark.parametrize(
    ("name", "limits", "error"),
    [
        (V1, IpfsLimits(max_block_size=200_000), ipfs_errors.BlockTooLarge),
        (V1, IpfsLimits(max_total_bytes=MIB), ipfs_errors.FileTooLarge),
        (V0, IpfsLimits(max_total_bytes=MIB), ipfs_errors.FileTooLarge),
        (V1, IpfsLimits(max_blocks=3), ipfs_errors.TooManyBlocks),
        (TRICKLE, IpfsLimits(max_depth=1), ipfs_errors.DagTooDeep),
        (V1, IpfsLimits(max_links=4), ipfs_errors.TooManyLinks),
    ],
    ids=[
        "block-over-size",
        "file-over-total-raw",
        "file-over-total-dagpb",
        "too-many-blocks",
        "too-deep",
        "too-many-links",
    ],
)
def test_limits_are_refused_with_their_own_error(
    unixfs_vectors: dict[str, Vector], name: str, limits: IpfsLimits, error: type[ArbiterError]
) -> None:
    v = unixfs_vectors[name]
    with pytest.raises(error) as caught:
        verify(v.root_last.read_bytes(), v.root, limits)
    assert type(caught.value) is error


def test_unsupported_hash_is_refused(unixfs_vectors: dict[str, Vector]) -> None:
    v = unixfs_vectors[V1]
    sha3 = CID(1, 0x55, b"\x16\x20" + bytes(32))
    with pytest.raises(ipfs_errors.UnsupportedHash):
        verify(v.root_last.read_bytes(), sha3.encode())
