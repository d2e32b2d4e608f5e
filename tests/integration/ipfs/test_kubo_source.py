"""KuboSource through the real ipfshttpclient against a local server announcing Kubo 0.42.

Shows the library's version refusal (``connect()`` raises ``VersionMismatch`` for any Kubo
≥ 0.8) and that the app's ``Client(addr)`` path works: ``dag/export`` as CAR, ``block/get``
per block, and ``block/put`` whose answer is checked against the CID computed here.
"""

from __future__ import annotations

import hashlib
import io
import os
from collections.abc import Iterator

import ipfshttpclient
import pytest

from arbiter_app.config import IpfsLimits
from arbiter_app.errors import ResponseError
from arbiter_app.ipfs.car import car_bytes
from arbiter_app.ipfs.cid import CID
from arbiter_app.ipfs.fetch import Fetcher, KuboSource
from arbiter_app.ipfs.importer import KUBO_V0, import_file
from arbiter_app.ipfs.sources import kubo_multiaddr
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


def test_connect_refuses_modern_kubo_but_client_works(kubo: tuple[Script, str]) -> None:
    _, url = kubo
    addr, base = kubo_multiaddr(url)
    with pytest.raises(ipfshttpclient.exceptions.VersionMismatch):
        ipfshttpclient.connect(addr, base)
    client = ipfshttpclient.Client(addr, base)
    assert client.version()["Version"] == "0.42.0"


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
        ("http://127.0.0.1:5001", ("/ip4/127.0.0.1/tcp/5001/http", "api/v0")),
        ("http://localhost:8080/api/v0", ("/dns/localhost/tcp/8080/http", "api/v0")),
        ("/ip4/10.0.0.1/tcp/5001/http", ("/ip4/10.0.0.1/tcp/5001/http", "api/v0")),
    ],
    ids=["url", "url-with-base", "multiaddr"],
)
def test_rpc_addresses(addr: str, expected: tuple[str, str]) -> None:
    assert kubo_multiaddr(addr) == expected
