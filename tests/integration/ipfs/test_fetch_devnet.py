"""Verified fetching from the devnet's Kubo RPC and trustless gateway, with its fault switches.

Files are added through the devnet's ``/api/v0/add`` (its UnixFS importer) with Kubo's
defaults and with ``cid-version=1``; the Python importer must reach the same CIDs, and the
fetcher must return the exact bytes through either interface, survive 500s and truncated
bodies, time out on a slow node, refuse a withheld block, and pass over a lying gateway.
"""

from __future__ import annotations

import hashlib
import io
import json
import os

import httpx
import pytest

from arbiter_app.config import IpfsLimits
from arbiter_app.devnet.launcher import Devnet
from arbiter_app.ipfs.cache import Cache
from arbiter_app.ipfs.car import car_bytes
from arbiter_app.ipfs.cid import CID
from arbiter_app.ipfs.fetch import BlockUnavailable, Fetcher, KuboSource
from arbiter_app.ipfs.importer import KUBO_V0, KUBO_V1, Profile, import_file
from arbiter_app.progress import run_to_end
from arbiter_app.retry import Backoff
from tests.integration.ipfs.gateway_clients import gateway
from tests.integration.ipfs.hostile_server import Reply, Script, serve

FAST = Backoff(attempts=3, base=0.01, cap=0.05)


def add(devnet: Devnet, data: bytes, profile: Profile) -> CID:
    """Add through the devnet's Kubo RPC with Kubo's flags for ``profile``."""
    params = {"cid-version": str(profile.cid_version)}
    with httpx.Client(trust_env=False, timeout=30) as client:
        r = client.post(
            f"{devnet.endpoints['ipfs_rpc']}/api/v0/add",
            params=params,
            files={"file": ("evidence.bin", data, "application/octet-stream")},
        )
    r.raise_for_status()
    return CID.parse(json.loads(r.text.strip().splitlines()[-1])["Hash"])


@pytest.mark.parametrize("profile", [KUBO_V0, KUBO_V1], ids=["kubo-v0", "kubo-v1"])
def test_gateway_and_kubo_fetches_are_verified(
    devnet: Devnet, clients: list[httpx.Client], profile: Profile, tmp_path: object
) -> None:
    data = os.urandom(700_001)
    cid = add(devnet, data, profile)
    assert cid == import_file(io.BytesIO(data), profile)  # the devnet's importer agrees
    via_gateway = run_to_end(
        Fetcher(
            [gateway(devnet.endpoints["ipfs_gateway"], clients)], IpfsLimits(), None, FAST
        ).fetch(cid)
    )
    via_kubo = run_to_end(
        Fetcher([KuboSource(devnet.endpoints["ipfs_rpc"])], IpfsLimits(), None, FAST).fetch(cid)
    )
    assert via_gateway.data == data and via_kubo.data == data


def test_withheld_block_is_named(devnet: Devnet, clients: list[httpx.Client]) -> None:
    data = os.urandom(600_000)
    blocks: list[tuple[CID, bytes]] = []
    cid = import_file(io.BytesIO(data), KUBO_V1, lambda c, b: blocks.append((c, b)))
    assert add(devnet, data, KUBO_V1) == cid
    devnet.set_faults(withhold_blocks=[str(blocks[1][0])])
    sources = [
        gateway(devnet.endpoints["ipfs_gateway"], clients),
        KuboSource(devnet.endpoints["ipfs_rpc"]),
    ]
    with pytest.raises(BlockUnavailable, match=str(blocks[1][0])):
        run_to_end(Fetcher(sources, IpfsLimits(), None, FAST).fetch(cid))


@pytest.mark.parametrize(
    "faults",
    [
        {"truncate_next": 1, "path_prefix": "/ipfs/"},
        {"fail_next": 2, "path_prefix": "/ipfs/"},
        {"truncate_next": 1, "path_prefix": "/api/v0/dag/export"},
    ],
    ids=["truncated-car-200", "two-500s", "truncated-dag-export"],
)
def test_faults_are_survived(
    devnet: Devnet, clients: list[httpx.Client], faults: dict[str, object], tmp_path: object
) -> None:
    data = b"%PDF-1.4\n" + os.urandom(900_000)
    cid = add(devnet, data, KUBO_V0)
    devnet.set_faults(**faults)
    source = (
        KuboSource(devnet.endpoints["ipfs_rpc"])
        if "dag" in str(faults["path_prefix"])
        else gateway(devnet.endpoints["ipfs_gateway"], clients)
    )
    cache = Cache(tmp_path / "cache")  # type: ignore[operator]
    got = run_to_end(Fetcher([source], IpfsLimits(), cache, FAST).fetch(cid))
    assert got.read() == data and got.media_type == "application/pdf"
    assert hashlib.sha256(got.read()).hexdigest() == got.sha256


def test_slow_node_times_out(devnet: Devnet, clients: list[httpx.Client]) -> None:
    cid = add(devnet, b"slow evidence", KUBO_V1)
    devnet.set_faults(delay_ms=600)
    source = gateway(devnet.endpoints["ipfs_gateway"], clients, read=0.2)
    with pytest.raises(BlockUnavailable, match="timed out"):
        run_to_end(Fetcher([source], IpfsLimits(), None, Backoff(attempts=2, base=0.01)).fetch(cid))


def test_lying_gateway_first_then_the_devnet(devnet: Devnet, clients: list[httpx.Client]) -> None:
    data = os.urandom(300_000)
    blocks: list[tuple[CID, bytes]] = []
    cid = import_file(io.BytesIO(data), KUBO_V1, lambda c, b: blocks.append((c, b)))
    assert add(devnet, data, KUBO_V1) == cid
    liar = Script()
    wrong = [(c, b[::-1]) for c, b in blocks]
    liar.set("car", str(cid), Reply(200, car_bytes([cid], wrong), "application/vnd.ipld.car"))
    for c, b in wrong:
        liar.set("raw", str(c), Reply(200, b, "application/vnd.ipld.raw"))
    server = serve(liar)
    try:
        liar_url = next(server)
        sources = [gateway(liar_url, clients), gateway(devnet.endpoints["ipfs_gateway"], clients)]
        got = run_to_end(Fetcher(sources, IpfsLimits(), None, FAST).fetch(cid))
    finally:
        next(server, None)
    assert got.data == data and liar_url not in got.source
    assert devnet.endpoints["ipfs_gateway"].rstrip("/") in got.source


def test_put_raw_block_on_the_devnet_then_fetch_it(
    devnet: Devnet, clients: list[httpx.Client]
) -> None:
    doc = json.dumps({"schema": "bitmind-rationale/1", "ruling": "refund"}).encode()
    cid = KuboSource(devnet.endpoints["ipfs_rpc"]).put_raw_block(doc)
    assert cid == CID.raw_sha256(hashlib.sha256(doc).digest())
    got = run_to_end(
        Fetcher(
            [gateway(devnet.endpoints["ipfs_gateway"], clients)], IpfsLimits(), None, FAST
        ).fetch(cid)
    )
    assert got.data == doc and got.media_type == "application/json"
