"""Before the device: every fact a ruling rests on is read again immediately before
the Ledger is asked, on a fresh devnet with the emulated Ledger. Each test starts from a
finalized and reviewed ruling, then changes the world the way it changes for real (the
admins pause the escrow, the same key settles the invoice elsewhere or spends the nonce, the
token leaves the whitelist, the deadline passes); the ruling stops with a message naming
the change, and the device is never asked."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

import pytest

from arbiter_app import config
from arbiter_app.case.models import Award, Decision
from arbiter_app.devnet.launcher import Devnet
from arbiter_app.progress import run_to_end
from arbiter_app.services.recheck import RulingChanged
from arbiter_app.services.ruling import RulingPreview, execute_ruling, preview_ruling
from arbiter_app.services.session import Session
from arbiter_app.services.signatures import transaction_subject
from arbiter_app.services.sync import sync_disputes
from arbiter_app.stacks import clarity, escrow
from arbiter_app.stacks import transaction as txn
from arbiter_app.store import rows
from tests.integration.services.helpers import (
    account_signer,
    call_as,
    devnet_settings,
    govern,
    nonce_of,
    pause_escrow,
    short_session,
    walk_to_ruling,
)

CASE = 101


def reviewed(devnet: Devnet, ledger: Any, data: Path) -> tuple[Session, RulingPreview]:
    session = short_session(devnet_settings(devnet, data, ledger.ledger))
    run_to_end(sync_disputes(session))
    walk_to_ruling(session, CASE, Decision.RELEASE)
    return session, preview_ruling(session, CASE)


def execute(session: Session, preview: RulingPreview) -> Any:
    return run_to_end(execute_ruling(session, CASE, reviewed=preview, sleep=lambda s: None,
                                     poll_interval=0.0))


def assert_nothing_signed(session: Session, ledger: Any, nonce: int) -> None:
    assert rows.load_case(session.store, CASE).transaction is None
    assert not [d for d in ledger.display_log if d.get("kind") == "transaction"]
    assert nonce_of(session, session.signer.address()) == nonce


def settle_elsewhere(session: Session) -> None:
    """The same arbiter key resolves the invoice from another app (a software copy)."""
    signer = account_signer("arbiter_1")
    invoice = rows.load_case(session.store, CASE).invoice
    nonce = session.api.get_nonces(signer.address()).next_nonce
    call = escrow.resolve_dispute_call(config.DEVNET, session.contract_id, invoice,
                                       Award(0, invoice.amount),
                                       hashlib.sha256(b"elsewhere").digest(),
                                       hashlib.sha256(b"another log").digest(),
                                       signer.public_key(), nonce, 5000)
    signed = signer.sign_transaction(call)
    session.api.broadcast(txn.serialize(signed), txn.txid(signed))


def unlist_token(session: Session) -> None:
    token = rows.load_case(session.store, CASE).invoice.token
    govern(session, "remove-token-from-whitelist", (clarity.principal(token),))


@pytest.mark.parametrize(
    ("change", "said"),
    [(pause_escrow, "paused by its admins"),
     (settle_elsewhere, "now REFUNDED, not DISPUTED"),
     (unlist_token, "no longer whitelisted")],
    ids=["escrow-paused-after-review", "invoice-settled-by-another-path",
         "token-removed-from-whitelist"],
)
def test_a_change_after_the_review_stops_the_ruling_before_the_device(
        fresh_devnet: Devnet, ledger: Any, tmp_path: Path, change: Any, said: str) -> None:
    session, preview = reviewed(fresh_devnet, ledger, tmp_path / "data")
    with session:
        change(session)
        nonce = nonce_of(session, session.signer.address())
        ledger.clear_display_log()
        with pytest.raises(RulingChanged, match="nothing was signed") as stopped:
            execute(session, preview)
        assert said in str(stopped.value)
        assert_nothing_signed(session, ledger, nonce)


def test_a_passed_deadline_stops_the_ruling(fresh_devnet: Devnet, ledger: Any,
                                            tmp_path: Path) -> None:
    session, preview = reviewed(fresh_devnet, ledger, tmp_path / "data")
    with session:
        deadline = rows.load_case(session.store, CASE).invoice.deadline
        tip = session.api.get_info().stacks_tip_height
        fresh_devnet.mine(deadline - tip + 1, seconds_per_block=1)
        with pytest.raises(RulingChanged, match=f"deadline \\(block {deadline}\\) has passed"):
            execute(session, preview)
        assert_nothing_signed(session, ledger, nonce_of(session, session.signer.address()))


def test_a_nonce_taken_by_the_same_key_is_detected_and_rebuilt_after_review(
        fresh_devnet: Devnet, ledger: Any, tmp_path: Path) -> None:
    session, preview = reviewed(fresh_devnet, ledger, tmp_path / "data")
    with session:
        # Another transaction of the arbiter's key (refused by the contract, but mined, so
        # its nonce is spent) lands between the review and the signature.
        call_as(session, "arbiter_1", "propose-pause", ())
        with pytest.raises(RulingChanged,
                           match=f"next nonce is now {preview.nonce + 1}, not the reviewed "
                                 f"{preview.nonce}"):
            execute(session, preview)
        assert rows.load_case(session.store, CASE).transaction is None
        again = preview_ruling(session, CASE)
        assert again.nonce == preview.nonce + 1
        result = execute(session, again)
        assert result.status == "success"
        signed = txn.deserialize(bytes.fromhex(rows.load_case(session.store, CASE)
                                               .transaction.raw_hex))
        assert signed.auth.nonce == again.nonce


def test_the_review_lists_every_signature_in_order(fresh_devnet: Devnet, ledger: Any,
                                                   tmp_path: Path) -> None:
    session, preview = reviewed(fresh_devnet, ledger, tmp_path / "data")
    with session:
        assert preview.signatures[0] == transaction_subject(preview.words, CASE)
        assert "unlocking" in preview.signatures[1] and "binding" in preview.signatures[2]
        assert preview.signatures[3].endswith(f"receipt for invoice {CASE}")
        execute(session, preview)
        walk_to_ruling(session, 103, Decision.REFUND)
        later = preview_ruling(session, 103)
        assert len(later.signatures) == 2  # unlocked and bound now: asked once per session
