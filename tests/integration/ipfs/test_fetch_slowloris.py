"""A slow-loris gateway (one byte every two seconds) costs a fetch only its deadline: the CAR
and each block request end at their total deadlines, and the next gateway serves the file."""

from __future__ import annotations

import io

import httpx

from arbiter_app.config import IpfsLimits
from arbiter_app.ipfs.car import car_bytes
from arbiter_app.ipfs.cid import CID
from arbiter_app.ipfs.fetch import Fetcher, GatewaySource
from arbiter_app.ipfs.importer import KUBO_V1, import_file
from arbiter_app.progress import run_to_end
from arbiter_app.retry import Backoff
from tests.fixtures.slowloris import SlowLoris
from tests.integration.ipfs.gateway_clients import gateway
from tests.integration.ipfs.hostile_server import Reply, Script, serve


def test_slow_loris_gateway_ends_at_its_deadlines_and_the_next_gateway_serves(
    slow_loris: SlowLoris, clients: list[httpx.Client]
) -> None:
    data = b"evidence from a slow place " * 100
    blocks: list[tuple[CID, bytes]] = []
    root = import_file(io.BytesIO(data), KUBO_V1, lambda c, b: blocks.append((c, b)))
    honest = Script()
    honest.set("car", str(root), Reply(200, car_bytes([root], blocks),
                                       "application/vnd.ipld.car"))
    server = serve(honest)
    try:
        slow = gateway(slow_loris.url, clients)
        slow = GatewaySource(slow.client, car_deadline=3.0, block_deadline=3.0)
        fetcher = Fetcher([slow, gateway(next(server), clients)], IpfsLimits(), None,
                          Backoff(attempts=1))
        got = run_to_end(fetcher.fetch(root))
    finally:
        next(server, None)
    assert got.data == data and slow_loris.connections == 1
