"""The verified cache: atomic landing, cheap check, torn entries evicted, full re-verify,
CIDv0/v1 sharing."""

from __future__ import annotations

import hashlib
import io
import json
import os
from collections.abc import Generator
from pathlib import Path
from typing import BinaryIO

import pytest

from arbiter_app.config import IpfsLimits
from arbiter_app.errors import VerificationError
from arbiter_app.ipfs.cache import Cache
from arbiter_app.ipfs.cid import CID
from arbiter_app.ipfs.errors import BlockUnavailable, LeafHashMismatch
from arbiter_app.ipfs.fetch import Fetcher, VerifiedFile
from arbiter_app.ipfs.importer import KUBO_V0, KUBO_V1, Profile, import_file
from arbiter_app.progress import CancelToken, run_to_end


class MemorySource:
    """A source holding blocks in memory; it has no CAR to offer."""

    name = "memory"

    def __init__(self, blocks: dict[bytes, bytes]) -> None:
        self.blocks = blocks

    def fetch_car(
        self, cid: CID, spool: BinaryIO, limit: int, cancel: CancelToken | None
    ) -> Generator[int, None, None]:
        from arbiter_app.ipfs.sources import CarUnsupported

        raise CarUnsupported("memory source has no CARs")
        yield 0

    def get_block(self, cid: CID, limit: int) -> bytes | None:
        return self.blocks.get(cid.multihash)


def landed(
    tmp_path: Path, profile: Profile, size: int = 700_000
) -> tuple[Cache, VerifiedFile, bytes]:
    data = os.urandom(size)
    blocks: dict[bytes, bytes] = {}
    root = import_file(io.BytesIO(data), profile, lambda c, b: blocks.__setitem__(c.multihash, b))
    cache = Cache(tmp_path / "ipfs-cache")
    got = run_to_end(Fetcher([MemorySource(blocks)], IpfsLimits(), cache).fetch(root))
    return cache, got, data


@pytest.mark.parametrize("profile", [KUBO_V0, KUBO_V1], ids=["dagpb-leaves", "raw-leaves"])
def test_landed_entry_passes_both_checks(tmp_path: Path, profile: Profile) -> None:
    cache, got, data = landed(tmp_path, profile)
    assert got.path is not None and got.path.read_bytes() == data
    assert cache.lookup(got.cid) is not None
    result = run_to_end(cache.reverify(got.cid, IpfsLimits()))
    assert result.size == len(data) and result.blocks == got.blocks


def test_changed_content_fails_the_cheap_check_and_is_evicted(tmp_path: Path) -> None:
    cache, got, _ = landed(tmp_path, KUBO_V1)
    assert got.path is not None
    with got.path.open("r+b") as f:
        f.seek(1000)
        f.write(b"X")
    assert cache.lookup(got.cid) is None and not cache.entry(got.cid).exists()


@pytest.mark.parametrize("cut", [0, 1, 40, -1], ids=["empty", "one-byte", "half", "all-but-one"])
def test_a_meta_file_torn_by_a_power_cut_is_evicted(tmp_path: Path, cut: int) -> None:
    # Only the content is fsynced before the rename: a torn meta.json must never pass.
    cache, got, _ = landed(tmp_path, KUBO_V1)
    meta = cache.entry(got.cid) / "meta.json"
    meta.write_bytes(meta.read_bytes()[:cut])
    assert cache.lookup(got.cid) is None and not cache.entry(got.cid).exists()


@pytest.mark.parametrize("profile", [KUBO_V0, KUBO_V1], ids=["dagpb-leaves", "raw-leaves"])
def test_full_reverify_catches_what_the_cheap_check_cannot(
    tmp_path: Path, profile: Profile
) -> None:
    # Content and its stored digest changed together: only the DAG walk can tell.
    cache, got, data = landed(tmp_path, profile)
    entry = cache.entry(got.cid)
    changed = data[:5000] + bytes([data[5000] ^ 0xFF]) + data[5001:]  # always a different byte
    (entry / "content").write_bytes(changed)
    meta = json.loads((entry / "meta.json").read_text())
    meta["sha256"] = hashlib.sha256(changed).hexdigest()
    (entry / "meta.json").write_text(json.dumps(meta))
    assert cache.lookup(got.cid) is not None
    error = LeafHashMismatch if profile.raw_leaves else VerificationError
    with pytest.raises(error, match="altered" if profile.raw_leaves else "differs"):
        run_to_end(cache.reverify(got.cid, IpfsLimits()))
    assert not entry.exists()


def test_a_failed_fetch_leaves_nothing(tmp_path: Path) -> None:
    data = os.urandom(600_000)
    blocks: dict[bytes, bytes] = {}
    root = import_file(io.BytesIO(data), KUBO_V1, lambda c, b: blocks.__setitem__(c.multihash, b))
    blocks.pop(next(iter(blocks)))
    cache = Cache(tmp_path / "ipfs-cache")
    with pytest.raises(BlockUnavailable):
        run_to_end(Fetcher([MemorySource(blocks)], IpfsLimits(), cache).fetch(root))
    assert os.listdir(cache.root) == []


def test_cidv0_and_its_v1_share_one_entry(tmp_path: Path) -> None:
    cache, got, data = landed(tmp_path, KUBO_V0)
    v1 = got.cid.to_v1()
    assert str(v1).startswith("bafy") and cache.entry(v1) == cache.entry(got.cid)
    found = cache.lookup(v1)
    assert found is not None and found.path.read_bytes() == data
