"""The publication proof on the devnet: after a ruling, the rationale and the receipt
are pinned on Kubo (``pin/ls`` lists them), read back by CID through the gateway, and their
state is kept and logged; with no publication target the ruling is refused before the
device; a node that cannot be reached leaves the document queued, and a retry pins it."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

import httpx
import msgspec
import pytest

from arbiter_app import config
from arbiter_app.case.models import Decision
from arbiter_app.cli import main
from arbiter_app.devnet.launcher import Devnet
from arbiter_app.errors import NetworkError, PolicyError
from arbiter_app.ipfs.cid import CID
from arbiter_app.ipfs.kubo import KuboSource
from arbiter_app.progress import run_to_end
from arbiter_app.services import publication
from arbiter_app.services.ruling import execute_ruling
from arbiter_app.services.session import Session
from arbiter_app.services.sync import sync_disputes
from arbiter_app.store import publications, rows
from tests.integration.services.helpers import devnet_settings, short_session, walk_to_ruling

CASE = 101


def ruled(devnet: Devnet, ledger: Any, data: Path, kubo: bool) -> Session:
    session = short_session(devnet_settings(devnet, data, ledger.ledger, kubo=kubo))
    run_to_end(sync_disputes(session))
    walk_to_ruling(session, CASE, Decision.RELEASE)
    return session


def execute(session: Session) -> Any:
    return run_to_end(execute_ruling(session, CASE, sleep=lambda s: None, poll_interval=0.0))


def test_rationale_and_receipt_are_pinned_read_back_and_logged(
        fresh_devnet: Devnet, ledger: Any, tmp_path: Path) -> None:
    with ruled(fresh_devnet, ledger, tmp_path / "data", kubo=True) as session:
        execute(session)
        kept = {p.document: p for p in publications.for_case(session.store, CASE)}
        assert set(kept) == {"rationale", "receipt", "bundle"}  # the bundle: test_bundle_devnet
        receipt = rows.load_receipt(session.store, CASE)
        ruling = rows.load_ruling(session.store, CASE)
        assert receipt is not None and ruling is not None
        assert kept["rationale"].cid == ruling.rationale_cid
        assert kept["receipt"].cid == publication.cid_of(receipt.document.encode())
        kubo = KuboSource(fresh_devnet.endpoints["ipfs_rpc"])
        gateway = fresh_devnet.endpoints["ipfs_gateway"].rstrip("/")
        for kind, pub in ((k, kept[k]) for k in ("rationale", "receipt")):
            assert pub.state == "pinned" and pub.target == "kubo", kind
            assert pub.verified_at is not None and pub.verified_via == gateway
            assert kubo.pin_type(CID.parse(pub.cid)) == "recursive"
            back = httpx.get(f"{gateway}/ipfs/{pub.cid}?format=raw")
            assert back.status_code == 200
            assert CID.raw_sha256(hashlib.sha256(back.content).digest()) == CID.parse(pub.cid)
        logged = [msgspec.json.decode(r[0]) for r in session.store.conn.execute(
            "SELECT body FROM log_entries WHERE kind = 'document-pinned' AND invoice_id = ?",
            (CASE,))]
        assert {(e["data"]["document"], e["data"]["state"]) for e in logged} == {
            ("rationale", "pinned"), ("receipt", "pinned"), ("bundle", "pinned")}


def test_no_publication_target_refuses_the_ruling_before_the_device(
        fresh_devnet: Devnet, ledger: Any, tmp_path: Path) -> None:
    with ruled(fresh_devnet, ledger, tmp_path / "data", kubo=False) as session:
        ledger.clear_display_log()
        with pytest.raises(PolicyError, match="no publication target is configured: set "
                                              "ipfs_rpc"):
            execute(session)
        assert ledger.display_log == []
        case = rows.load_case(session.store, CASE)
        assert case.transaction is None and case.ruling is not None
        assert case.ruling.rationale_hash is None
        assert publications.for_case(session.store, CASE) == []


def test_unreachable_node_keeps_the_document_queued_and_a_retry_pins_it(
        devnet: Devnet, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    settings = devnet_settings(devnet, tmp_path / "data")
    document = b'{"schema":"a document that must not be lost"}'
    cid = publication.cid_of(document)
    gone = msgspec.structs.replace(settings, ipfs_rpc="http://127.0.0.1:9")
    with short_session(gone) as session:
        with pytest.raises(NetworkError, match="Kubo did not answer block/put"):
            publication.publish(session, CASE, "receipt", document)
        [waiting] = publications.queued(session.store)
        assert (waiting.cid, waiting.state, waiting.pinned_at) == (cid, "queued", None)
        assert "Kubo did not answer block/put" in waiting.detail
        assert publication.retry_queued(session) == []
    still_gone, working = tmp_path / "gone.json", tmp_path / "working.json"
    config.save(gone, still_gone)
    config.save(settings, working)
    assert main(["--config", str(still_gone), "publish", "retry"]) == 1
    assert "NOT PINNED YET, queued for retry (Kubo did not answer" in capsys.readouterr().out
    assert main(["--config", str(working), "publish", "retry"]) == 0
    assert f"Receipt {cid} on kubo" in capsys.readouterr().out
    with short_session(settings) as session:
        [done] = publications.for_case(session.store, CASE)
        assert (done.cid, done.state) == (cid, "pinned")
        assert publications.queued(session.store) == []
        assert publications.data(session.store, cid, "kubo") == document
    assert KuboSource(settings.ipfs_rpc or "").pin_type(CID.parse(cid)) == "recursive"


TOKEN = "devnet-pinning-token"


def with_service(settings: Any, url: str, token: str = TOKEN) -> Any:
    return msgspec.structs.replace(settings, pinning_service=url, pinning_token=token)


def publish_one(settings: Any, text: bytes) -> tuple[str, dict[str, Any]]:
    with short_session(settings) as session:
        kept = publication.publish(session, CASE, "receipt", text)
        return kept.cid, {p.target: p for p in publications.for_case(session.store, CASE)}


def test_pinning_service_pins_each_document_after_kubo(devnet: Devnet, tmp_path: Path) -> None:
    from arbiter_app.ipfs.pinning import PinningService

    psa = devnet.endpoints["ipfs_rpc"] + "/psa"
    settings = with_service(devnet_settings(devnet, tmp_path / "data"), psa)
    cid, kept = publish_one(settings, b'{"schema":"pinned twice"}')
    remote = kept["pinning-service"]
    assert (remote.state, remote.endpoint) == ("pinned", psa) and remote.request_id
    assert kept["kubo"].state == "pinned"
    with httpx.Client(base_url=psa) as client:
        listed = PinningService(client, TOKEN).pins(cid)
    assert [(r.requestid, r.status, r.pin.cid) for r in listed.results] == [
        (remote.request_id, "pinned", cid)]


@pytest.mark.parametrize(("fault", "said"), [
    ("bad token", "refused the access token (UNAUTHORIZED: Access token is missing or invalid)"),
    ("500", "answered 500 to POST /pins (INTERNAL_SERVER_ERROR"),
    ("no answer", "did not answer POST /pins in time"),
], ids=["401", "500", "timeout"])
def test_a_failing_pinning_service_is_reported_and_the_document_stays_queued(
        devnet: Devnet, tmp_path: Path, fault: str, said: str) -> None:
    import socket

    psa = devnet.endpoints["ipfs_rpc"] + "/psa"
    settings = devnet_settings(devnet, tmp_path / "data")
    silent = socket.create_server(("127.0.0.1", 0))
    broken = {"bad token": with_service(settings, psa, "wrong"),
              "500": with_service(settings, psa),
              "no answer": with_service(settings, f"http://127.0.0.1:{silent.getsockname()[1]}")}
    if fault == "500":
        devnet.set_faults(fail_next=1, path_prefix="/psa/pins")
    document = f'{{"schema":"kept through {fault}"}}'.encode()
    with silent:
        cid, kept = publish_one(broken[fault], document)
    remote = kept["pinning-service"]
    assert (remote.cid, remote.state, remote.pinned_at) == (cid, "queued", None)
    assert said in remote.detail and kept["kubo"].state == "pinned"
    with short_session(with_service(settings, psa)) as session:
        [done] = publication.retry_queued(session)
        assert (done.cid, done.target, done.state) == (cid, "pinning-service", "pinned")
        assert publications.data(session.store, cid, "pinning-service") == document
