"""The case bundle on the devnet: after a release, a refund and a 60/40 split ruled on the
emulated Ledger, each case's bundle is published with its receipt (every block pinned on
Kubo, read back through the gateway, the root pinned on the pinning service, the state kept,
logged and shown), ``bundle export`` writes the very bundle published, and ``bundle verify``
passes offline and ``--online`` stating the award; a bundle whose node is gone stays queued
with its whole CAR, and ``publish retry`` pins it."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import httpx
import msgspec
import pytest

from arbiter_app import config
from arbiter_app.case.models import Decision
from arbiter_app.cli import main
from arbiter_app.devnet.launcher import Devnet
from arbiter_app.errors import NetworkError
from arbiter_app.ipfs.car import CarIndex
from arbiter_app.ipfs.cid import CID
from arbiter_app.ipfs.kubo import KuboSource
from arbiter_app.ipfs.pinning import PinningService
from arbiter_app.progress import run_to_end
from arbiter_app.records.bundle_car import LIMITS
from arbiter_app.services import bundle, publication
from arbiter_app.services.ruling import execute_ruling
from arbiter_app.services.sync import sync_disputes
from arbiter_app.store import publications, rows
from arbiter_app.store.db import open_store
from tests.fixtures.bundle import ruled_case, session_for
from tests.integration.services.helpers import devnet_settings, short_session, walk_to_ruling

TOKEN = "devnet-pinning-token"
RELEASE, REFUND, SPLIT = 101, 103, 102


def blocks(car: bytes) -> list[tuple[CID, bytes]]:
    import io

    index = CarIndex(io.BytesIO(car), LIMITS)
    return [(s.cid, bytes(index.get(s.cid) or b"")) for s in index.sections.values()]


def cli_json(argv: list[str], capsys: pytest.CaptureFixture[str]) -> Any:
    capsys.readouterr()
    assert main(argv) == 0, capsys.readouterr().err
    return json.loads(capsys.readouterr().out)


def test_bundles_of_release_refund_and_split_are_published_and_verify(
        fresh_devnet: Devnet, ledger: Any, tmp_path: Path,
        capsys: pytest.CaptureFixture[str]) -> None:
    psa = fresh_devnet.endpoints["ipfs_rpc"] + "/psa"
    settings = msgspec.structs.replace(
        devnet_settings(fresh_devnet, tmp_path / "data", ledger.ledger),
        pinning_service=psa, pinning_token=TOKEN)
    awards: dict[int, tuple[int, int]] = {}
    with short_session(settings) as session:
        run_to_end(sync_disputes(session))
        for case, decision in ((RELEASE, Decision.RELEASE), (REFUND, Decision.REFUND),
                               (SPLIT, Decision.SPLIT)):
            amount = rows.load_case(session.store, case).invoice.amount
            share = amount * 6 // 10 if decision is Decision.SPLIT else None
            walk_to_ruling(session, case, decision, payee_amount=share)
            run_to_end(execute_ruling(session, case, sleep=lambda s: None, poll_interval=0.0))
            awards[case] = {Decision.RELEASE: (amount, 0), Decision.REFUND: (0, amount),
                            Decision.SPLIT: (amount * 6 // 10, amount - amount * 6 // 10)
                            }[decision]
        published = {case: _published(session, fresh_devnet, case, psa) for case in awards}
    settings_file = tmp_path / "settings.json"
    config.save(settings, settings_file)
    for case, (payee, payer) in awards.items():
        out = tmp_path / f"bundle-{case}.car"
        assert main(["--config", str(settings_file), "bundle", "export", str(case), "-o",
                     str(out)]) == 0
        assert out.read_bytes() == published[case]  # the bundle published is the one exported
        arbiter = fresh_devnet.accounts["arbiter_1"]
        offline = cli_json(["bundle", "verify", str(out), "--arbiter", arbiter, "--json"],
                           capsys)
        online = cli_json(["--config", str(settings_file), "bundle", "verify", str(out),
                           "--online", "--json"], capsys)
        for facts in (offline, online):
            assert (facts["payee_amount"], facts["payer_amount"]) == (payee, payer)
            assert facts["invoice_id"] == case and facts["arbiter"] == arbiter
        assert online["online"] is True
    shown = cli_json(["--config", str(settings_file), "case", "show", str(SPLIT), "--json"],
                     capsys)
    assert {(p["document"], p["target"], p["state"]) for p in shown["publications"]
            if p["document"] == "bundle"} == {("bundle", "kubo", "pinned"),
                                              ("bundle", "pinning-service", "pinned")}


def _published(session: Any, devnet: Devnet, case: int, psa: str) -> bytes:
    """Check the case's bundle is pinned everywhere and readable by CID; return its CAR."""
    kept = {(p.document, p.target): p for p in publications.for_case(session.store, case)}
    local, remote = kept[("bundle", "kubo")], kept[("bundle", "pinning-service")]
    assert (local.state, remote.state) == ("pinned", "pinned")
    car = publications.data(session.store, local.cid, "kubo")
    root = CID.parse(local.cid, strict=False)
    assert KuboSource(devnet.endpoints["ipfs_rpc"]).pin_type(root) == "recursive"
    gateway = devnet.endpoints["ipfs_gateway"].rstrip("/")
    for cid, block in blocks(car):
        back = httpx.get(f"{gateway}/ipfs/{cid}?format=raw")
        assert back.status_code == 200 and hashlib.sha256(back.content).digest() == cid.digest
        assert back.content == block
    with httpx.Client(base_url=psa) as client:
        listed = PinningService(client, TOKEN).pins(local.cid)
    assert [(r.status, r.pin.cid) for r in listed.results] == [("pinned", local.cid)]
    logged = [msgspec.json.decode(r[0])["data"] for r in session.store.conn.execute(
        "SELECT body FROM log_entries WHERE kind = 'document-pinned' AND invoice_id = ?",
        (case,))]
    assert {(e["target"], e["state"]) for e in logged if e["document"] == "bundle"} == {
        ("kubo", "pinned"), ("pinning-service", "pinned")}
    items = report_of(car)["evidence"]
    assert items and all(len(i["submit_txid"] or "") == 64 for i in items)  # --online checks each
    return car


def report_of(car: bytes) -> Any:
    """The evidence report a bundle's index links."""
    found = dict(blocks(car))
    index = json.loads(found[blocks(car)[0][0]])
    return json.loads(found[CID.parse(index["report"]["/"])])


def test_a_bundle_whose_node_is_gone_stays_queued_and_a_retry_pins_it(
        devnet: Devnet, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data_dir = tmp_path / "data"
    data_dir.mkdir(mode=0o700)
    store = open_store(data_dir / "cases.sqlite")
    arbiter = ruled_case(store)
    root, car = run_to_end(bundle.build(session_for(store, arbiter), 1))
    store.close()
    settings = devnet_settings(devnet, data_dir)
    gone = msgspec.structs.replace(settings, ipfs_rpc="http://127.0.0.1:9")
    with short_session(gone) as session:
        with pytest.raises(NetworkError, match="Kubo did not answer block/put"):
            publication.publish_car(session, 1, "bundle", car)
        [waiting] = publications.queued(session.store)
        assert (waiting.cid, waiting.document, waiting.state) == (str(root), "bundle", "queued")
        assert publications.data(session.store, str(root), "kubo") == car  # nothing lost
    working = tmp_path / "working.json"
    config.save(settings, working)
    capsys.readouterr()
    assert main(["--config", str(working), "publish", "retry"]) == 0
    assert f"Bundle {root} on kubo" in capsys.readouterr().out
    kubo = KuboSource(settings.ipfs_rpc or "")
    assert kubo.pin_type(root) == "recursive"
    assert all(kubo.get_block(cid, len(block)) == block for cid, block in blocks(car))


def test_online_refuses_a_bundle_whose_ruling_the_chain_never_saw(
        devnet: Devnet, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Intact and signed offline, but its transaction was never broadcast: --online says so."""
    store = open_store(tmp_path / "cases.sqlite")
    arbiter = ruled_case(store)
    _, car = run_to_end(bundle.build(session_for(store, arbiter), 1))
    store.close()
    path, settings_file = tmp_path / "bundle-1.car", tmp_path / "settings.json"
    path.write_bytes(car)
    config.save(msgspec.structs.replace(devnet_settings(devnet, tmp_path / "data"),
                                        escrow_contract=config.Settings().escrow_contract),
                settings_file)
    capsys.readouterr()
    assert main(["bundle", "verify", str(path), "--arbiter", arbiter.address()]) == 0
    assert main(["--config", str(settings_file), "bundle", "verify", str(path),
                 "--online"]) == 1
    assert "is unknown to the chain" in capsys.readouterr().err
