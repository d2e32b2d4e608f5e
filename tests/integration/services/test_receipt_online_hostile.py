"""``receipt verify --online`` against a receipt that names a real transaction of the chain
that is not this ruling: the arbiter's store is rewritten so that the receipt, signed on the
emulated Ledger by the true arbiter, names another invoice's confirmed evidence submission at
its true block. Every offline check holds; only the chain's word can refuse it.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

from arbiter_app import config
from arbiter_app.case.models import Decision
from arbiter_app.cli import main
from arbiter_app.devnet.launcher import Devnet
from arbiter_app.progress import run_to_end
from arbiter_app.services import receipts
from arbiter_app.services.chain import ChainReader
from arbiter_app.services.ruling import execute_ruling
from arbiter_app.services.session import Session
from arbiter_app.services.sync import sync_disputes
from arbiter_app.store import log
from tests.integration.services.helpers import devnet_settings, short_session, walk_to_ruling

RULED = 101


def other_submission(session: Session) -> tuple[str, int]:
    """(txid, block height) of a confirmed evidence submission of another invoice."""
    reader = ChainReader(session.api, session.contract_id, session.signer.address())
    events = run_to_end(reader.new_events(None))
    event = next(e for e in events if e.name == "evidence-submitted" and e.invoice_id != RULED)
    tx = session.api.get_transaction(event.tx_id)
    assert tx is not None and tx.confirmed and tx.block_height is not None
    return tx.tx_id, tx.block_height


def name_other_transaction(session: Session, txid: str, height: int, now: int) -> str:
    """Rewrite the store's ruling transaction and its log entry, then issue a receipt."""
    store = session.store
    with store.atomic():
        store.conn.execute("UPDATE transactions SET txid = ?, block_height = ? "
                           "WHERE invoice_id = ?", (txid, height, RULED))
        confirmed = [e for e in log.entries(store, invoice_id=RULED)
                     if e.kind == "transaction-confirmed"][-1]
        log.append(store, "transaction-confirmed",
                   {**confirmed.data, "txid": txid, "block_height": height},
                   invoice_id=RULED, at=now)
    return receipts.issue_receipt(session, RULED, now)


def test_receipt_naming_another_invoices_confirmed_txid_is_refused_online(
    fresh_devnet: Devnet, ledger: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    settings = devnet_settings(fresh_devnet, Path(os.environ["ARBITER_APP_DATA"]),
                               ledger.ledger, kubo=True)
    config.save(settings)
    with short_session(settings) as session:
        run_to_end(sync_disputes(session))
        walk_to_ruling(session, RULED, Decision.RELEASE)
        run_to_end(execute_ruling(session, RULED, sleep=lambda s: None, poll_interval=0.0))
        txid, height = other_submission(session)
        forged = name_other_transaction(session, txid, height, now=2_000_000_000)
        arbiter = session.signer.address()
    path = tmp_path / "receipt.json"
    path.write_text(forged, encoding="utf-8")
    assert main(["receipt", "verify", str(path), "--arbiter", arbiter]) == 0  # offline: intact
    capsys.readouterr()
    assert main(["receipt", "verify", str(path), "--online"]) == 1
    err = capsys.readouterr().err
    assert f"transaction {txid}" in err and ("not by the receipt's arbiter" in err
                                             or "not a call of resolve-dispute" in err)
