"""The verifier against DAGs and CARs made in this run by the JavaScript UnixFS importer.

The Python verifier must reproduce every file from every reference CAR (root first and root
last, balanced and trickle, dag-pb and raw leaves, 0 B to 20 MiB with the chunk boundaries),
the Python importer must reach the same root CID for the balanced profiles, and the roots
must equal the CIDs Kubo publishes (fixture: ``tests/fixtures/unixfs.py``).
"""

from __future__ import annotations

import hashlib
import io
from pathlib import Path

import pytest

from arbiter_app.config import IpfsLimits
from arbiter_app.ipfs.car import CarIndex
from arbiter_app.ipfs.cid import CID
from arbiter_app.ipfs.importer import import_file
from arbiter_app.ipfs.verify import Verified, verify_car
from arbiter_app.progress import run_to_end
from tests.fixtures.unixfs import KNOWN, MIB, PY_PROFILES, Vector, cases


def _verify(car: Path, root: str, limits: IpfsLimits | None = None) -> tuple[bytes, Verified]:
    out = io.BytesIO()
    with car.open("rb") as f:
        result = run_to_end(verify_car(CID.parse(root), f, out, limits or IpfsLimits()))
    return out.getvalue(), result


IDS = [f"{p}-{s}B" for (seed, p, s) in cases() if seed == "unixfs-vectors"]


@pytest.mark.parametrize("order", ["root-first", "root-last"])
@pytest.mark.parametrize("name", IDS)
def test_reference_car_verifies(unixfs_vectors: dict[str, Vector], name: str, order: str) -> None:
    v = unixfs_vectors[name]
    car = v.root_first if order == "root-first" else v.root_last
    data, result = _verify(car, v.root)
    assert data == v.input.read_bytes()
    assert result.size == v.size and result.blocks == v.blocks


@pytest.mark.parametrize("name", [i for i in IDS if not i.startswith("trickle")])
def test_python_importer_reaches_the_reference_root(
    unixfs_vectors: dict[str, Vector], name: str
) -> None:
    v = unixfs_vectors[name]
    with v.input.open("rb") as f:
        assert str(import_file(f, PY_PROFILES[v.profile])) == v.root


@pytest.mark.parametrize(("seed", "size", "profile"), list(KNOWN), ids=lambda x: str(x))
def test_reference_roots_equal_kubo_published_cids(
    unixfs_vectors: dict[str, Vector], seed: str, size: int, profile: str
) -> None:
    v = unixfs_vectors[f"{profile}-{size}B-{seed}"]
    assert v.root == KNOWN[(seed, size, profile)]
    data, _ = _verify(v.root_last, v.root)
    assert hashlib.sha256(data).digest() == hashlib.sha256(v.input.read_bytes()).digest()


def test_layouts_are_reported(unixfs_vectors: dict[str, Vector]) -> None:
    _, balanced = _verify(
        unixfs_vectors[f"kubo-v0-{5 * MIB + 3}B"].root_first,
        unixfs_vectors[f"kubo-v0-{5 * MIB + 3}B"].root,
    )
    _, trickle = _verify(
        unixfs_vectors[f"trickle-v1-{MIB + 1}B"].root_last,
        unixfs_vectors[f"trickle-v1-{MIB + 1}B"].root,
    )
    _, single = _verify(
        unixfs_vectors["v1-2025-11B"].root_first, unixfs_vectors["v1-2025-11B"].root
    )
    assert balanced.layout == "balanced, dag-pb leaves"
    assert trickle.layout.startswith("unbalanced")
    assert single.layout == "single block, raw leaves"


def test_blocks_are_found_by_multihash_when_labels_lie(unixfs_vectors: dict[str, Vector]) -> None:
    # This CAR labels every dag-pb block as raw, as a MemoryBlockstore would (§7.1).
    v = unixfs_vectors[f"kubo-v0-{MIB + 1}B"]
    with v.root_first.open("rb") as f:
        labels = {s.cid.codec for s in CarIndex(f, IpfsLimits()).sections.values()}
    assert labels == {0x55} and CID.parse(v.root).codec == 0x70
    data, result = _verify(v.root_first, v.root)
    assert data == v.input.read_bytes() and result.layout == "balanced, dag-pb leaves"
