"""A gateway serving a CARv2 whose header claims a data offset of 10^15 bytes.

The claim must cost the fetch nothing but that source's CAR: the file still comes, block by
block, verified, and the error never escapes as an ``OSError`` from a seek.
"""

from __future__ import annotations

import io
from collections.abc import Iterator

import httpx
import pytest

from arbiter_app.config import IpfsLimits
from arbiter_app.ipfs.car import CARV2_PRAGMA, car_bytes
from arbiter_app.ipfs.cid import CID
from arbiter_app.ipfs.fetch import Fetcher
from arbiter_app.ipfs.importer import KUBO_V1, import_file
from arbiter_app.progress import run_to_end
from arbiter_app.retry import Backoff
from tests.integration.ipfs.gateway_clients import gateway
from tests.integration.ipfs.hostile_server import Reply, Script, serve

CAR = "application/vnd.ipld.car"
RAW = "application/vnd.ipld.raw"


@pytest.fixture
def script() -> Iterator[tuple[Script, str]]:
    one = Script()
    server = serve(one)
    yield one, next(server)
    next(server, None)


def test_carv2_with_data_offset_1e15_is_passed_over_and_blocks_come_one_by_one(
    script: tuple[Script, str], clients: list[httpx.Client]
) -> None:
    one, url = script
    data = b"evidence " * 40_000
    blocks: list[tuple[CID, bytes]] = []
    root = import_file(io.BytesIO(data), KUBO_V1, lambda c, b: blocks.append((c, b)))
    inner = car_bytes([root], blocks)
    header = bytes(16) + (10**15).to_bytes(8, "little") + len(inner).to_bytes(8, "little")
    one.set("car", str(root), Reply(200, CARV2_PRAGMA + header + bytes(8) + inner, CAR))
    for c, b in blocks:
        one.set("raw", str(c), Reply(200, b, RAW))
    fetcher = Fetcher([gateway(url, clients)], IpfsLimits(), None, Backoff(attempts=2, base=0.01))
    got = run_to_end(fetcher.fetch(root))
    assert got.data == data
    assert sum(n for (kind, _), n in one.asked.items() if kind == "raw") == len(blocks)
