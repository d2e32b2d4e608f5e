"""A fetch whose cache sits on a full disk fails with "the disk is full; nothing was saved"
(a WriteFailed, which a sync reports as it is), not with a traceback from the cache write."""

from __future__ import annotations

import io
import os

import httpx
import pytest

from arbiter_app.config import IpfsLimits
from arbiter_app.ipfs.cache import Cache
from arbiter_app.ipfs.car import car_bytes
from arbiter_app.ipfs.cid import CID
from arbiter_app.ipfs.fetch import Fetcher
from arbiter_app.ipfs.importer import KUBO_V1, import_file
from arbiter_app.progress import run_to_end
from arbiter_app.retry import Backoff
from arbiter_app.writes import FULL, WriteFailed
from tests.fixtures.disks import SmallDisk
from tests.integration.ipfs.gateway_clients import gateway
from tests.integration.ipfs.hostile_server import Reply, Script, serve


def test_fetch_into_a_cache_on_a_full_disk_says_the_disk_is_full(
    small_disk: SmallDisk, clients: list[httpx.Client]
) -> None:
    data = os.urandom(300_000)
    blocks: list[tuple[CID, bytes]] = []
    root = import_file(io.BytesIO(data), KUBO_V1, lambda c, b: blocks.append((c, b)))
    script = Script()
    script.set("car", str(root), Reply(200, car_bytes([root], blocks), "application/vnd.ipld.car"))
    server = serve(script)
    cache = Cache(small_disk.root / "ipfs-cache")
    cache.root.mkdir()
    small_disk.fill(8192)
    try:
        fetcher = Fetcher([gateway(next(server), clients)], IpfsLimits(), cache,
                          Backoff(attempts=1))
        with pytest.raises(WriteFailed, match=FULL):
            run_to_end(fetcher.fetch(root))
    finally:
        next(server, None)
    assert [p.name for p in cache.root.iterdir()] == []
