"""After broadcast, from a finalized ruling on a fresh devnet with the emulated Ledger:
a ruling transaction that aborts on chain, leaves the mempool unmined, or loses its nonce to
another transaction of the same key is recorded with its reason and the case returns to
step 6; after a fresh review a new transaction for the same ruling succeeds (new attempt,
same rationale hash), or step 5 is reopened. The log keeps every attempt and verifies; one
receipt, for the attempt that succeeded. A receipt the device refused is issued later."""

from __future__ import annotations

import os
from collections.abc import Callable, Generator
from pathlib import Path
from typing import Any

import pytest

from arbiter_app import config
from arbiter_app.case.models import Decision, Step, TxStatus
from arbiter_app.cli import main
from arbiter_app.devnet.launcher import Devnet
from arbiter_app.errors import PolicyError
from arbiter_app.progress import Progress, run_to_end
from arbiter_app.services import receipts, steps
from arbiter_app.services.ruling import (
    ReceiptNotIssued,
    RulingFailed,
    execute_ruling,
    issue_pending_receipt,
    preview_ruling,
)
from arbiter_app.services.session import Session
from arbiter_app.services.sync import sync_disputes
from arbiter_app.stacks import clarity_repr
from arbiter_app.stacks import transaction as txn
from arbiter_app.store import log, rows
from tests.integration.services.helpers import (
    account_signer,
    devnet_settings,
    finalize,
    govern,
    pause_in_mempool,
    short_session,
    token_balance,
    walk_to_ruling,
)

CASE = 101


def prepared(devnet: Devnet, ledger: Any, data: Path) -> Session:
    session = short_session(devnet_settings(devnet, data, ledger.ledger))
    run_to_end(sync_disputes(session))
    walk_to_ruling(session, CASE, Decision.RELEASE)
    return session


def until_waiting(run: Generator[Progress, None, Any]) -> None:
    """Drive an execution until its transaction is broadcast and being polled."""
    while next(run).label != "waiting for confirmation":
        pass


def executing(session: Session, sleep: Callable[[float], Any] = lambda s: None
              ) -> Generator[Progress, None, Any]:
    return execute_ruling(session, CASE, reviewed=preview_ruling(session, CASE),
                          sleep=sleep, poll_interval=0.0)


def kinds(session: Session) -> list[str]:
    return [e.kind for e in log.entries(session.store, invoice_id=CASE)]


def retry_succeeds(session: Session, failed_txid: str, same_nonce: bool = False) -> None:
    """After a fresh review a new transaction of the same ruling succeeds; both are kept.

    :param same_nonce: the failed one never used its nonce (it was dropped), so the rebuilt
        transaction is byte for byte the same one, signed again
    """
    ruling = rows.load_ruling(session.store, CASE)
    result = run_to_end(executing(session))
    assert result.status == "success" and (result.txid == failed_txid) is same_nonce
    case = rows.load_case(session.store, CASE)
    if same_nonce:
        (again,) = case.attempts
        assert [e.status for e in again.history] == [
            TxStatus.SIGNED, TxStatus.BROADCAST, TxStatus.DROPPED, TxStatus.SIGNED,
            TxStatus.BROADCAST, TxStatus.SUCCESS]
    else:
        assert [a.txid for a in case.attempts] == [failed_txid, result.txid]
    assert case.current is None and rows.load_ruling(session.store, CASE) == ruling
    signed = txn.deserialize(bytes.fromhex(case.attempts[-1].raw_hex))
    assert clarity_repr.repr_value(signed.payload.args[3]).endswith(ruling.rationale_hash)
    assert kinds(session).count("transaction-signed") == 2
    assert kinds(session).count("transaction-confirmed") == 1
    assert kinds(session).count("receipt-issued") == 1
    assert log.verify_log(session.store) > 0


def test_an_abort_on_chain_returns_to_step_6_and_a_new_attempt_succeeds(
        fresh_devnet: Devnet, ledger: Any, tmp_path: Path) -> None:
    with prepared(fresh_devnet, ledger, tmp_path / "data") as session:
        inv = rows.load_case(session.store, CASE).invoice
        pause_in_mempool(session, fresh_devnet)  # the admins' pause is mined first
        with pytest.raises(RulingFailed, match=r"abort_by_response .*\(err u101\).* step 6"):
            run_to_end(executing(session, sleep=lambda s: fresh_devnet.mine(0)))
        case = rows.load_case(session.store, CASE)
        (failed,) = case.attempts
        assert case.transaction is None and case.current is Step.EXECUTION
        assert failed.status is TxStatus.ABORTED and "(err u101)" in failed.history[-1].detail
        assert rows.load_receipt(session.store, CASE) is None
        with pytest.raises(PolicyError, match="fresh review"):
            run_to_end(execute_ruling(session, CASE, sleep=lambda s: None, poll_interval=0.0))
        fresh_devnet.reset_faults()
        govern(session, "unpause")
        before = token_balance(session, inv.token, inv.payee)
        retry_succeeds(session, failed.txid)
        assert token_balance(session, inv.token, inv.payee) == before + inv.amount


def test_a_transaction_dropped_from_the_mempool_returns_to_step_6(
        fresh_devnet: Devnet, ledger: Any, tmp_path: Path) -> None:
    with prepared(fresh_devnet, ledger, tmp_path / "data") as session:
        fresh_devnet.set_faults(hold_txs=True)
        run = executing(session)
        until_waiting(run)
        pending = rows.load_case(session.store, CASE).transaction
        assert pending is not None
        fresh_devnet.drop_transaction(pending.txid)
        with pytest.raises(RulingFailed, match="left the mempool without being mined"):
            run_to_end(run)
        (failed,) = rows.load_case(session.store, CASE).attempts
        assert failed.status is TxStatus.DROPPED
        fresh_devnet.reset_faults()
        retry_succeeds(session, failed.txid, same_nonce=True)


def test_a_nonce_taken_after_broadcast_is_recorded_as_replaced(
        fresh_devnet: Devnet, ledger: Any, tmp_path: Path) -> None:
    with prepared(fresh_devnet, ledger, tmp_path / "data") as session:
        fresh_devnet.set_faults(hold_txs=True)
        run = executing(session, sleep=lambda s: fresh_devnet.mine(0))
        until_waiting(run)
        pending = rows.load_case(session.store, CASE).transaction
        assert pending is not None
        ours = txn.deserialize(bytes.fromhex(pending.raw_hex))
        # Another app holding the same key sends its own call with the same nonce and a
        # higher fee: the mempool replaces ours, and the other call is mined.
        other = account_signer("arbiter_1")
        rival = txn.make_contract_call(session.network, session.contract_id, "propose-pause",
                                       (), other.public_key(), ours.auth.nonce,
                                       ours.auth.fee + 1000)
        signed = other.sign_transaction(rival)
        session.api.broadcast(txn.serialize(signed), txn.txid(signed))
        with pytest.raises(RulingFailed, match=f"nonce {ours.auth.nonce} was used by another"):
            run_to_end(run)
        (failed,) = rows.load_case(session.store, CASE).attempts
        assert failed.status is TxStatus.REPLACED
        fresh_devnet.reset_faults()
        retry_succeeds(session, failed.txid)


def test_reopening_step_5_after_a_failure_rules_again(fresh_devnet: Devnet, ledger: Any,
                                                      tmp_path: Path) -> None:
    with prepared(fresh_devnet, ledger, tmp_path / "data") as session:
        pause_in_mempool(session, fresh_devnet)
        with pytest.raises(RulingFailed):
            run_to_end(executing(session, sleep=lambda s: fresh_devnet.mine(0)))
        fresh_devnet.reset_faults()
        govern(session, "unpause")
        old = rows.load_ruling(session.store, CASE)
        steps.reopen_step(session, CASE, Step.RULING, now=0)
        draft = rows.load_draft(session.store, CASE)
        assert draft is not None and draft.text == old.rationale  # nothing written is lost
        finalize(session, CASE, Decision.REFUND)
        result = run_to_end(executing(session))
        assert result.status == "success"
        new = rows.load_ruling(session.store, CASE)
        assert new.decision is Decision.REFUND and new.rationale_hash != old.rationale_hash
        assert len(rows.load_case(session.store, CASE).attempts) == 2
        assert log.verify_log(session.store) > 0


def test_a_refused_receipt_is_issued_later(fresh_devnet: Devnet, ledger: Any,
                                           tmp_path: Path) -> None:
    with prepared(fresh_devnet, ledger, tmp_path / "data") as session:
        run = executing(session)
        until_waiting(run)
        receipts.bind_log_key(session, now=0)
        ledger.mode = "reject"
        with pytest.raises(ReceiptNotIssued, match="issue it later"):
            run_to_end(run)
        case = rows.load_case(session.store, CASE)
        assert case.current is None and rows.load_receipt(session.store, CASE) is None
        ledger.mode = "approve"
        receipt = run_to_end(issue_pending_receipt(session, CASE))
        assert rows.load_receipt(session.store, CASE).document == receipt
        assert kinds(session).count("receipt-issued") == 1
        assert "signature-failed" in kinds(session)
        with pytest.raises(PolicyError, match="already has its receipt"):
            run_to_end(issue_pending_receipt(session, CASE))


def test_a_refused_receipt_is_issued_later_from_the_command_line(
        fresh_devnet: Devnet, ledger: Any, capsys: pytest.CaptureFixture[str]) -> None:
    data = Path(os.environ["ARBITER_APP_DATA"])  # where the command line finds the store
    config.save(devnet_settings(fresh_devnet, data, ledger.ledger))
    with prepared(fresh_devnet, ledger, data) as session:
        run = executing(session)
        until_waiting(run)
        receipts.bind_log_key(session, now=0)
        ledger.mode = "reject"
        with pytest.raises(ReceiptNotIssued):
            run_to_end(run)
    capsys.readouterr()
    assert main(["receipt", "issue", str(CASE)]) == 1  # still refused: said, nothing stored
    assert "rejected" in capsys.readouterr().err.lower()
    ledger.mode = "approve"
    assert main(["receipt", "issue", str(CASE)]) == 0
    assert f"receipt of invoice {CASE} issued" in capsys.readouterr().err
    assert main(["receipt", "issue", str(CASE)]) == 1
    assert "already has its receipt" in capsys.readouterr().err
