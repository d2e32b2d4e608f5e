"""KuboSource's RPC calls against a local server announcing Kubo 0.42: ``dag/export`` as CAR,
``block/get`` per block, ``block/put`` whose answer is checked against the CID computed here,
and the RPC addresses it accepts. (The slow-loris node is in ``test_kubo_slowloris.py``.)
"""

from __future__ import annotations

import hashlib
import io
import os
from collections.abc import Iterator

import pytest

from arbiter_app.config import IpfsLimits
from arbiter_app.errors import NetworkError, ResponseError
from arbiter_app.ipfs.car import car_bytes
from arbiter_app.ipfs.cid import CID
from arbiter_app.ipfs.fetch import Fetcher, KuboSource
from arbiter_app.ipfs.importer import KUBO_V0, import_file
from arbiter_app.ipfs.sources import kubo_url
from arbiter_app.progress import run_to_end
from arbiter_app.retry import Backoff
from tests.integration.ipfs.hostile_server import Reply, Script, serve

FAST = Backoff(attempts=3, base=0.01, cap=0.05)


@pytest.fixture
def kubo() -> Iterator[tuple[Script, str]]:
    script = Script()
    server = serve(script)
    url = next(server)
    yield script, url
    next(server, None)


@pytest.fixture
def dag() -> tuple[bytes, CID, list[tuple[CID, bytes]]]:
    data = os.urandom(600_000)
    blocks: list[tuple[CID, bytes]] = []
    root = import_file(io.BytesIO(data), KUBO_V0, lambda c, b: blocks.append((c, b)))
    return data, root, blocks


def test_dag_export_car_is_verified(
    kubo: tuple[Script, str], dag: tuple[bytes, CID, list[tuple[CID, bytes]]]
) -> None:
    script, url = kubo
    data, root, blocks = dag
    script.set(
        "dag/export", str(root), Reply(200, car_bytes([root], blocks), "application/vnd.ipld.car")
    )
    got = run_to_end(Fetcher([KuboSource(url)], IpfsLimits(), None, FAST).fetch(root))
    assert got.data == data and got.layout == "balanced, dag-pb leaves"


def test_block_get_fallback_and_a_lying_block(
    kubo: tuple[Script, str], dag: tuple[bytes, CID, list[tuple[CID, bytes]]]
) -> None:
    script, url = kubo
    data, root, blocks = dag
    script.set(
        "dag/export",
        str(root),
        Reply(500, b'{"Message":"boom","Code":0,"Type":"error"}', "application/json"),
    )
    for c, b in blocks:
        script.set("block/get", str(c), Reply(200, b))
    got = run_to_end(Fetcher([KuboSource(url)], IpfsLimits(), None, FAST).fetch(root))
    assert got.data == data and script.asked[("dag/export", str(root))] == 3


def test_put_raw_block_returns_the_computed_cid(kubo: tuple[Script, str]) -> None:
    _, url = kubo
    data = b'{"schema": "bitmind-rationale/1"}'
    cid = KuboSource(url).put_raw_block(data)
    assert cid == CID.raw_sha256(hashlib.sha256(data).digest()) and str(cid).startswith("bafkrei")


def test_put_raw_block_refuses_a_kubo_that_answers_another_cid(kubo: tuple[Script, str]) -> None:
    script, url = kubo
    script.put_key = str(CID.raw_sha256(hashlib.sha256(b"something else").digest()))
    with pytest.raises(ResponseError, match="stored the block as"):
        KuboSource(url, retry=FAST).put_raw_block(b"the rationale")


@pytest.mark.parametrize(
    ("addr", "expected"),
    [
        ("http://127.0.0.1:5001", "http://127.0.0.1:5001/api/v0/"),
        ("http://localhost:8080/api/v0", "http://localhost:8080/api/v0/"),
        ("/ip4/10.0.0.1/tcp/5001/http", "http://10.0.0.1:5001/api/v0/"),
        ("/ip6/::1/tcp/5001", "http://[::1]:5001/api/v0/"),
        ("/dns/kubo.example/tcp/443/https", "https://kubo.example:443/api/v0/"),
    ],
    ids=["url", "url-with-base", "multiaddr", "ip6-multiaddr", "dns-https-multiaddr"],
)
def test_rpc_addresses(addr: str, expected: str) -> None:
    assert kubo_url(addr) == expected


@pytest.mark.parametrize("addr", ["ftp://host:5001", "/ip4/10.0.0.1/udp/5001",
                                  "/ip4/10.0.0.1/tcp/port/http", "localhost:5001"],
                         ids=["ftp-url", "udp-multiaddr", "port-not-a-number", "no-scheme"])
def test_an_address_that_is_not_kubo_rpc_is_refused(addr: str) -> None:
    with pytest.raises(NetworkError, match="cannot use"):
        kubo_url(addr)


def test_block_get_of_a_block_the_node_lacks_is_none(kubo: tuple[Script, str]) -> None:
    script, url = kubo
    cid = CID.raw_sha256(hashlib.sha256(b"absent").digest())
    script.set("block/get", str(cid), Reply(500, b'{"Message":"block was not found locally '
                                                 b'(offline): ipld: could not find","Code":0,'
                                                 b'"Type":"error"}', "application/json"))
    assert KuboSource(url).get_block(cid, 1024) is None
