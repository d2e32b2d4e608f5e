"""The fetcher against a real local server that lies, stalls, cuts and floods.

Each test scripts the server (``hostile_server.py``) and checks that the fetcher either
returns exactly the file its CID names, moving on to other sources and reusing blocks it
already has, or fails with a specific error — and that nothing unverified reaches the cache.
"""

from __future__ import annotations

import hashlib
import io
import os
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from arbiter_app.config import IpfsLimits
from arbiter_app.errors import Cancelled, LimitExceeded
from arbiter_app.ipfs.cache import Cache
from arbiter_app.ipfs.car import car_bytes
from arbiter_app.ipfs.cid import CID
from arbiter_app.ipfs.errors import SourcesUnreachable
from arbiter_app.ipfs.fetch import BlockUnavailable, Fetcher, GatewaySource, VerifiedFile
from arbiter_app.ipfs.importer import KUBO_V1, import_file
from arbiter_app.progress import CancelToken, Progress, run_to_end
from arbiter_app.retry import Backoff
from tests.integration.ipfs.gateway_clients import gateway
from tests.integration.ipfs.hostile_server import Reply, Script, serve

CAR = "application/vnd.ipld.car"
RAW = "application/vnd.ipld.raw"
FAST = Backoff(attempts=3, base=0.01, cap=0.05)


class Dag:
    """A 1 MiB + 1 file imported as Kubo --cid-version=1 (5 raw leaves and a root)."""

    def __init__(self) -> None:
        self.data = b"%PDF-1.7\n" + os.urandom(1024 * 1024 - 8)
        self.blocks: list[tuple[CID, bytes]] = []
        self.root = import_file(
            io.BytesIO(self.data), KUBO_V1, lambda c, b: self.blocks.append((c, b))
        )
        self.leaves = [c for c, _ in self.blocks if c != self.root]

    def car(self) -> bytes:
        return car_bytes([self.root], [self.blocks[-1], *self.blocks[:-1]])

    def serve_raw(self, script: Script) -> None:
        for c, b in self.blocks:
            script.set("raw", str(c), Reply(200, b, RAW))


@pytest.fixture
def dag() -> Dag:
    return Dag()


@pytest.fixture
def gateways() -> Iterator[tuple[Script, Script, str, str]]:
    one, two = Script(), Script()
    servers = serve(one), serve(two)
    urls = [next(s) for s in servers]
    yield one, two, urls[0], urls[1]
    for s in servers:
        next(s, None)


def fetch(fetcher: Fetcher, cid: CID, cancel: CancelToken | None = None) -> VerifiedFile:
    return run_to_end(fetcher.fetch(cid, cancel))


def cache_entries(cache: Cache) -> list[str]:
    return sorted(os.listdir(cache.root)) if cache.root.exists() else []


def test_whole_car_is_verified_cached_and_then_served_from_cache(
    dag: Dag, gateways: tuple[Script, Script, str, str], clients: list[httpx.Client], tmp_path: Path
) -> None:
    one, _, url, _ = gateways
    one.set("car", str(dag.root), Reply(200, dag.car(), f"{CAR}; version=1"))
    cache = Cache(tmp_path / "ipfs-cache")
    fetcher = Fetcher([gateway(url, clients)], IpfsLimits(), cache, FAST)
    got = fetch(fetcher, dag.root)
    assert got.read() == dag.data and got.media_type == "application/pdf"
    assert got.sha256 == hashlib.sha256(dag.data).hexdigest() and got.blocks == 6
    again = fetch(fetcher, dag.root)
    assert again.source == "cache" and sum(one.asked.values()) == 1
    assert cache_entries(cache) == [str(dag.root)]


def test_truncated_car_with_status_200_is_completed_block_by_block(
    dag: Dag, gateways: tuple[Script, Script, str, str], clients: list[httpx.Client], tmp_path: Path
) -> None:
    one, _, url, _ = gateways
    whole = dag.car()
    one.set("car", str(dag.root), Reply(200, whole[: len(whole) // 2], CAR))
    dag.serve_raw(one)
    fetcher = Fetcher([gateway(url, clients)], IpfsLimits(), Cache(tmp_path / "c"), FAST)
    assert fetch(fetcher, dag.root).read() == dag.data
    raw_asks = sum(n for (kind, _), n in one.asked.items() if kind == "raw")
    assert 0 < raw_asks < len(dag.blocks)  # blocks before the cut were reused


def test_a_gateway_serving_wrong_bytes_is_passed_over(
    dag: Dag, gateways: tuple[Script, Script, str, str], clients: list[httpx.Client], tmp_path: Path
) -> None:
    liar, honest, url1, url2 = gateways
    wrong = [(c, b"\0" * len(b)) if c == dag.leaves[2] else (c, b) for c, b in dag.blocks]
    liar.set("car", str(dag.root), Reply(200, car_bytes([dag.root], wrong), CAR))
    for c, b in wrong:
        liar.set("raw", str(c), Reply(200, b, RAW))
    dag.serve_raw(honest)
    fetcher = Fetcher(
        [gateway(url1, clients), gateway(url2, clients)], IpfsLimits(), Cache(tmp_path / "c"), FAST
    )
    got = fetch(fetcher, dag.root)
    assert got.read() == dag.data
    assert honest.asked[("raw", str(dag.leaves[2]))] == 1
    assert sum(n for (k, _), n in honest.asked.items() if k == "raw") == 1


def test_when_no_source_has_a_true_block_nothing_is_cached(
    dag: Dag, gateways: tuple[Script, Script, str, str], clients: list[httpx.Client], tmp_path: Path
) -> None:
    liar, _, url, _ = gateways
    for c, b in dag.blocks:
        liar.set("raw", str(c), Reply(200, b if c != dag.leaves[-1] else b + b"!", RAW))
    cache = Cache(tmp_path / "c")
    fetcher = Fetcher([gateway(url, clients)], IpfsLimits(), cache, FAST)
    with pytest.raises(BlockUnavailable, match=str(dag.leaves[-1])):
        fetch(fetcher, dag.root)
    assert cache_entries(cache) == []


UNREACHABLE = "http://127.0.0.1:9"  # the discard port: nothing listens here


def test_sources_that_cannot_be_connected_to_say_offline_not_missing(
    dag: Dag, clients: list[httpx.Client]
) -> None:
    fetcher = Fetcher([gateway(UNREACHABLE, clients)], IpfsLimits(), None, FAST)
    with pytest.raises(SourcesUnreachable, match=r"connection failed \(ConnectError\)"):
        fetch(fetcher, dag.root)


def test_a_source_that_answers_it_has_nothing_makes_the_block_missing_not_offline(
    dag: Dag, gateways: tuple[Script, Script, str, str], clients: list[httpx.Client]
) -> None:
    _, _, url, _ = gateways  # its script serves nothing: 404 for every CID
    sources = [gateway(UNREACHABLE, clients), gateway(url, clients)]
    with pytest.raises(BlockUnavailable) as failure:
        fetch(Fetcher(sources, IpfsLimits(), None, FAST), dag.root)
    assert not isinstance(failure.value, SourcesUnreachable)


def test_500s_are_retried_with_backoff(
    dag: Dag, gateways: tuple[Script, Script, str, str], clients: list[httpx.Client]
) -> None:
    one, _, url, _ = gateways
    fail = Reply(500, b"boom", "text/plain")
    one.set("car", str(dag.root), fail, fail, Reply(200, dag.car(), CAR))
    got = fetch(Fetcher([gateway(url, clients)], IpfsLimits(), None, FAST), dag.root)
    assert got.data == dag.data and one.asked[("car", str(dag.root))] == 3


def test_car_refused_by_the_gateway_falls_back_to_raw_blocks(
    dag: Dag, gateways: tuple[Script, Script, str, str], clients: list[httpx.Client]
) -> None:
    one, _, url, _ = gateways
    one.set("car", str(dag.root), Reply(406, b"no car here", "text/plain"))
    dag.serve_raw(one)
    got = fetch(Fetcher([gateway(url, clients)], IpfsLimits(), None, FAST), dag.root)
    assert got.data == dag.data


def test_a_huge_body_is_cut_at_the_limit(
    dag: Dag, gateways: tuple[Script, Script, str, str], clients: list[httpx.Client]
) -> None:
    one, _, url, _ = gateways
    one.set("car", str(dag.root), Reply(200, b"", CAR, endless=True))
    for c, _ in dag.blocks:
        one.set("raw", str(c), Reply(200, b"", RAW, endless=True))
    limits = IpfsLimits(max_total_bytes=2 * 1024 * 1024)
    with pytest.raises(BlockUnavailable, match="block size"):
        fetch(Fetcher([gateway(url, clients)], limits, None, FAST), dag.root)


def test_a_slow_gateway_times_out_and_the_next_one_serves(
    dag: Dag, gateways: tuple[Script, Script, str, str], clients: list[httpx.Client]
) -> None:
    slow, fast, url1, url2 = gateways
    slow.set("car", str(dag.root), Reply(200, dag.car(), CAR, delay=1.0))
    for c, b in dag.blocks:
        slow.set("raw", str(c), Reply(200, b, RAW, delay=1.0))
    fast.set("car", str(dag.root), Reply(200, dag.car(), CAR))
    sources = [gateway(url1, clients, read=0.2), gateway(url2, clients)]
    got = fetch(Fetcher(sources, IpfsLimits(), None, Backoff(attempts=2, base=0.01)), dag.root)
    assert got.data == dag.data and slow.asked[("car", str(dag.root))] == 2


def test_over_the_total_limit_is_refused_before_download_ends(
    dag: Dag, gateways: tuple[Script, Script, str, str], clients: list[httpx.Client]
) -> None:
    one, _, url, _ = gateways
    one.set("car", str(dag.root), Reply(200, dag.car(), CAR))
    with pytest.raises(LimitExceeded, match="file size"):
        fetch(
            Fetcher([gateway(url, clients)], IpfsLimits(max_total_bytes=1024 * 1024), None, FAST),
            dag.root,
        )


def test_cancel_stops_the_fetch_and_leaves_no_entry(
    dag: Dag, gateways: tuple[Script, Script, str, str], clients: list[httpx.Client], tmp_path: Path
) -> None:
    one, _, url, _ = gateways
    one.set("car", str(dag.root), Reply(406, b"", "text/plain"))
    dag.serve_raw(one)
    cache = Cache(tmp_path / "c")
    token = CancelToken()

    def on_progress(step: Progress) -> None:
        if step.done > 0:
            token.cancel()

    with pytest.raises(Cancelled):
        run_to_end(
            Fetcher([gateway(url, clients)], IpfsLimits(), cache, FAST).fetch(dag.root, token),
            on_progress,
        )
    assert [e for e in cache_entries(cache) if not e.startswith(".partial")] == []
    assert [e for e in cache_entries(cache) if e.startswith(".partial")] == []


def test_a_trickling_gateway_hits_the_total_deadline(
    dag: Dag, gateways: tuple[Script, Script, str, str], clients: list[httpx.Client]
) -> None:
    one, two, url1, url2 = gateways
    one.set("car", str(dag.root), Reply(200, dag.car(), CAR, trickle=True))
    two.set("car", str(dag.root), Reply(200, dag.car(), CAR))
    trickling = GatewaySource(gateway(url1, clients, read=5.0).client, car_deadline=0.3)
    got = fetch(Fetcher([trickling, gateway(url2, clients)], IpfsLimits(), None, FAST), dag.root)
    assert got.data == dag.data and one.asked[("car", str(dag.root))] == FAST.attempts
    assert got.source == f"{url2} (CAR)"


def test_a_redirect_to_another_host_is_not_followed(
    dag: Dag, gateways: tuple[Script, Script, str, str], clients: list[httpx.Client]
) -> None:
    one, two, url1, url2 = gateways
    moved = Reply(302, b"", "text/plain", headers={"Location": f"{url2}/ipfs/{dag.root}"})
    one.set("car", str(dag.root), moved)
    for c, _ in dag.blocks:
        one.set("raw", str(c), moved)
    two.set("car", str(dag.root), Reply(200, dag.car(), CAR))
    with pytest.raises(BlockUnavailable, match="302"):
        fetch(Fetcher([gateway(url1, clients)], IpfsLimits(), None, FAST), dag.root)
    assert sum(two.asked.values()) == 0
