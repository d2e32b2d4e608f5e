"""The ruling proof on a fresh devnet with the emulated Ledger: a full case from sync to
a confirmed ruling for release and for refund (balances move exactly as ruled, the receipt
and the exported log verify), and the faults at the worst moments: the broadcast reply
lost, a 500 on broadcast, a lying call-read, and the device saying no."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest

from arbiter_app import config
from arbiter_app.case.models import Decision, InvoiceStatus, Step, TxStatus
from arbiter_app.cli import main
from arbiter_app.devnet.launcher import Devnet
from arbiter_app.errors import ApiError, DeviceRejected, NetworkError, PolicyError
from arbiter_app.progress import run_to_end
from arbiter_app.services.ruling import RulingFailed, execute_ruling
from arbiter_app.services.session import Session
from arbiter_app.services.sync import sync_disputes
from arbiter_app.stacks import clarity
from arbiter_app.store import parties, rows
from tests.integration.services.helpers import (
    devnet_settings,
    nonce_of,
    pause_escrow,
    pause_in_mempool,
    short_session,
    token_balance,
    walk_to_ruling,
)

RELEASE_CASE, REFUND_CASE = 101, 103


def prepared(devnet: Devnet, ledger: Any, data_dir: Path, invoice_id: int,
             decision: Decision, kubo: bool = True) -> Session:
    session = short_session(devnet_settings(devnet, data_dir, ledger.ledger, kubo))
    run_to_end(sync_disputes(session))
    walk_to_ruling(session, invoice_id, decision)
    return session


def execute(session: Session, invoice_id: int) -> Any:
    return run_to_end(execute_ruling(session, invoice_id, sleep=lambda s: None,
                                     poll_interval=0.0))


def balances(session: Session, invoice_id: int) -> dict[str, int]:
    inv = rows.load_case(session.store, invoice_id).invoice
    return {who: token_balance(session, inv.token, addr) for who, addr in
            (("payer", inv.payer), ("payee", inv.payee), ("escrow", session.contract_id))}


@pytest.mark.parametrize(
    ("invoice_id", "decision", "winner"),
    [(RELEASE_CASE, Decision.RELEASE, "payee"), (REFUND_CASE, Decision.REFUND, "payer")],
    ids=["release", "refund"],
)
def test_full_case_through_the_services(fresh_devnet: Devnet, ledger: Any, tmp_path: Path,
                                        invoice_id: int, decision: Decision, winner: str) -> None:
    data = tmp_path / "data"
    with prepared(fresh_devnet, ledger, data, invoice_id, decision, kubo=True) as session:
        amount = rows.load_case(session.store, invoice_id).invoice.amount
        before = balances(session, invoice_id)
        result = execute(session, invoice_id)
        after = balances(session, invoice_id)
        loser = "payer" if winner == "payee" else "payee"
        assert after[winner] - before[winner] == amount
        assert after["escrow"] == before["escrow"] - amount and after[loser] == before[loser]
        case = rows.load_case(session.store, invoice_id)
        assert Step.EXECUTION in case.completed and case.current is None
        assert case.transaction is not None and case.transaction.status is TxStatus.SUCCESS
        assert case.transaction.txid == result.txid and result.broadcasts == 1
        assert rows.load_receipt(session.store, invoice_id) is not None
        kinds = [r[0] for r in session.store.conn.execute(
            "SELECT kind FROM log_entries WHERE invoice_id = ? ORDER BY idx", (invoice_id,))]
        for kind in ("rationale-published", "transaction-signed", "transaction-broadcast",
                     "transaction-confirmed", "receipt-issued"):
            assert kind in kinds
        check_published_rationale(session, invoice_id)
        signed = [d for d in ledger.display_log if d.get("kind") == "transaction"]
        assert len(signed) == 1 and "resolve-dispute" in json.dumps(signed[0])


def test_a_60_40_split_pays_both_parties_and_puts_the_log_root_on_chain(
        fresh_devnet: Devnet, ledger: Any, tmp_path: Path) -> None:
    from arbiter_app.records import receipt as receipts
    from arbiter_app.records.receipt_checks import verify_online
    from arbiter_app.services.ruling import ruling_log_root

    session = short_session(devnet_settings(fresh_devnet, tmp_path / "data", ledger.ledger,
                                            True))
    run_to_end(sync_disputes(session))
    amount = rows.load_case(session.store, RELEASE_CASE).invoice.amount
    share = amount * 6 // 10
    walk_to_ruling(session, RELEASE_CASE, Decision.SPLIT, payee_amount=share)
    with session:
        before = balances(session, RELEASE_CASE)
        execute(session, RELEASE_CASE)
        after = balances(session, RELEASE_CASE)
        assert after["payee"] - before["payee"] == share
        assert after["payer"] - before["payer"] == amount - share
        assert before["escrow"] - after["escrow"] == amount
        case = rows.load_case(session.store, RELEASE_CASE)
        assert case.invoice.status is InvoiceStatus.SPLIT and case.current is None
        indexed = parties.indexed(session.store, session.contract_id, RELEASE_CASE)
        assert indexed is not None and indexed.status == InvoiceStatus.SPLIT  # before a sync
        award = session.api.call_read_only(
            session.contract_id, "get-award", (clarity.UInt(RELEASE_CASE),), case.invoice.arbiter)
        fields = award.value.fields  # type: ignore[attr-defined]
        assert fields["payee-amount"] == clarity.UInt(share)
        assert fields["log-root"] == clarity.Some(clarity.Buffer(
            ruling_log_root(session, RELEASE_CASE)))
        stored = rows.load_receipt(session.store, RELEASE_CASE)
        assert stored is not None
        facts = receipts.verify(stored.document, arbiter=case.invoice.arbiter)
        assert (facts.ruling, facts.payee_amount) == ("split", share)
        verify_online(facts, session.api, session.contract_id)
        signed = [d for d in ledger.display_log if d.get("kind") == "transaction"]
        assert len(signed) == 1 and "resolve-dispute-split" in json.dumps(signed[0])


def check_published_rationale(session: Session, invoice_id: int) -> None:
    """The rationale published through Kubo hashes to what the contract stored."""
    import hashlib

    from arbiter_app.ipfs.cid import CID
    from arbiter_app.services.chain import ChainReader

    ruling = rows.load_ruling(session.store, invoice_id)
    assert ruling is not None and ruling.rationale_cid is not None
    on_chain = ChainReader(session.api, session.contract_id, session.signer.address()).ruling(
        invoice_id)
    assert on_chain is not None and on_chain.rationale_hash == ruling.rationale_hash
    published = run_to_end(session.fetcher.fetch(CID.parse(ruling.rationale_cid)))
    document = json.loads(published.read())
    assert hashlib.sha256(published.read()).hexdigest() == on_chain.rationale_hash
    assert document["schema"] == "bitmind-rationale/1" and document["invoice_id"] == invoice_id
    assert [s["step"] for s in document["steps"]] == [1, 2, 3, 4, 5]


@pytest.mark.parametrize(
    ("invoice_id", "decision", "status"),
    [(RELEASE_CASE, Decision.RELEASE, "RELEASED"), (REFUND_CASE, Decision.REFUND, "REFUNDED")],
    ids=["release", "refund"],
)
def test_full_case_through_the_cli(fresh_devnet: Devnet, ledger: Any, tmp_path: Path,
                                   capsys: pytest.CaptureFixture[str], invoice_id: int,
                                   decision: Decision, status: str) -> None:
    data = Path(os.environ["ARBITER_APP_DATA"])
    settings = devnet_settings(fresh_devnet, data, ledger.ledger)
    config.save(settings)
    assert main(["sync"]) == 0
    with Session(settings) as session:
        walk_to_ruling(session, invoice_id, decision)
        execute(session, invoice_id)
        receipt = rows.load_receipt(session.store, invoice_id)
        assert receipt is not None
        arbiter = session.signer.address()
    receipt_file = tmp_path / "receipt.json"
    receipt_file.write_text(receipt.document, encoding="utf-8")
    assert main(["receipt", "verify", str(receipt_file), "--online"]) == 0
    log_file = tmp_path / "log.jsonl"
    assert main(["log", "export", "-o", str(log_file)]) == 0
    assert main(["log", "verify", str(log_file), "--arbiter", arbiter]) == 0
    capsys.readouterr()
    assert main(["log", "verify", str(log_file), "--arbiter", arbiter, "--online"]) == 0
    assert f"case {invoice_id}: the log root on chain matches" in capsys.readouterr().err
    assert main(["disputes", "--json"]) == 0
    row = next(r for r in json.loads(capsys.readouterr().out) if r["invoice_id"] == invoice_id)
    assert row["status"] == status and row["steps_done"] == [1, 2, 3, 4, 5, 6]
    assert row["transaction"]["status"] == "success"


def rewrite_history(store: Any) -> None:
    """What an arbiter holding the log key could do after a ruling: change an early entry,
    rebuild the tree and drop the old checkpoints, so the re-signed log verifies offline."""
    from arbiter_app.decisionlog import merkle
    from arbiter_app.decisionlog.canonical import canonical_json

    body = bytes(store.conn.execute("SELECT body FROM log_entries WHERE idx = 1").fetchone()[0])
    entry = json.loads(body)
    entry["at"] += 1
    forged = canonical_json(entry)
    with store.atomic():
        store.conn.execute("UPDATE log_entries SET body = ?, leaf = ? WHERE idx = 1",
                           (forged, merkle.leaf_hash(forged)))
        leaves = [bytes(r[0]) for r in store.conn.execute(
            "SELECT leaf FROM log_entries ORDER BY idx")]
        frontier: list[bytes] = []
        for size, leaf in enumerate(leaves):
            frontier = merkle.extend_range(frontier, size, leaf)
        store.conn.execute("UPDATE log_head SET frontier = ?", (b"".join(frontier),))
        store.conn.execute("DELETE FROM log_checkpoints")


def test_a_log_rewritten_after_the_ruling_fails_log_verify_online(
        fresh_devnet: Devnet, ledger: Any, tmp_path: Path,
        capsys: pytest.CaptureFixture[str]) -> None:
    data = Path(os.environ["ARBITER_APP_DATA"])
    settings = devnet_settings(fresh_devnet, data, ledger.ledger)
    config.save(settings)
    with prepared(fresh_devnet, ledger, data, REFUND_CASE, Decision.REFUND, kubo=True) as session:
        execute(session, REFUND_CASE)
        arbiter = session.signer.address()
        rewrite_history(session.store)
    log_file = tmp_path / "rewritten.jsonl"
    assert main(["log", "export", "-o", str(log_file)]) == 0
    assert main(["log", "verify", str(log_file), "--arbiter", arbiter]) == 0  # re-signed
    capsys.readouterr()
    assert main(["log", "verify", str(log_file), "--arbiter", arbiter, "--online"]) == 1
    assert "the log was rewritten after the ruling" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("fault", "sends"),
    [({"drop_reply_next": 1, "path_prefix": "/v2/transactions"}, 1),
     ({"truncate_next": 1, "path_prefix": "/v2/transactions"}, 1),
     ({"reset_next": 1, "path_prefix": "/v2/transactions"}, 2),
     ({"fail_next": 1, "path_prefix": "/v2/transactions"}, 2)],
    ids=["reply-dropped-after-acceptance", "reply-cut-after-acceptance",
         "connection-reset-before-acceptance", "500-before-acceptance"],
)
def test_broadcast_fault_executes_the_ruling_once(fresh_devnet: Devnet, ledger: Any,
                                                  tmp_path: Path, fault: dict[str, Any],
                                                  sends: int) -> None:
    data = tmp_path / "data"
    with prepared(fresh_devnet, ledger, data, RELEASE_CASE, Decision.RELEASE) as session:
        arbiter = session.signer.address()
        nonce = nonce_of(session, arbiter)
        fresh_devnet.set_faults(**fault)
        result = execute(session, RELEASE_CASE)
        assert result.broadcasts == sends and result.status == "success"
        assert nonce_of(session, arbiter) == nonce + 1  # exactly one transaction executed
        signed = session.store.conn.execute("SELECT count(*) FROM transactions").fetchone()[0]
        assert signed == 1


def test_lying_call_read_refuses_the_ruling(fresh_devnet: Devnet, ledger: Any,
                                            tmp_path: Path) -> None:
    data = tmp_path / "data"
    with prepared(fresh_devnet, ledger, data, RELEASE_CASE, Decision.RELEASE) as session:
        arbiter = session.signer.address()
        nonce = nonce_of(session, arbiter)
        real = session.api.call_read_only(session.contract_id, "get-invoice",
                                          (clarity.UInt(RELEASE_CASE),), arbiter)
        fields = dict(real.value.fields)
        fields["amount"] = clarity.UInt(fields["amount"].value * 2)
        lie = clarity.to_hex(clarity.Some(clarity.Tuple(fields)))
        fresh_devnet.set_faults(lie_call_read={"get-invoice": lie})
        with pytest.raises(PolicyError, match="disagree"):
            execute(session, RELEASE_CASE)
        assert rows.load_case(session.store, RELEASE_CASE).transaction is None
        assert nonce_of(session, arbiter) == nonce


def test_stale_node_refuses_the_ruling(fresh_devnet: Devnet, ledger: Any, tmp_path: Path) -> None:
    data = tmp_path / "data"
    with prepared(fresh_devnet, ledger, data, RELEASE_CASE, Decision.RELEASE) as session:
        fresh_devnet.set_faults(tip_lag=3)
        with pytest.raises(PolicyError, match="stale"):
            execute(session, RELEASE_CASE)
        assert rows.load_case(session.store, RELEASE_CASE).transaction is None


def test_device_rejection_leaves_the_case_at_step_6(fresh_devnet: Devnet, ledger: Any,
                                                    tmp_path: Path) -> None:
    data = tmp_path / "data"
    with prepared(fresh_devnet, ledger, data, RELEASE_CASE, Decision.RELEASE) as session:
        arbiter = session.signer.address()
        nonce = nonce_of(session, arbiter)
        ledger.mode = "reject"
        with pytest.raises(DeviceRejected):
            execute(session, RELEASE_CASE)
        case = rows.load_case(session.store, RELEASE_CASE)
        assert case.transaction is None and case.current is Step.EXECUTION
        assert nonce_of(session, arbiter) == nonce
        ledger.mode = "approve"
        assert execute(session, RELEASE_CASE).status == "success"


def test_aborted_transaction_is_reported_and_the_case_stays_open(
    fresh_devnet: Devnet, ledger: Any, tmp_path: Path
) -> None:
    data = tmp_path / "data"
    with prepared(fresh_devnet, ledger, data, RELEASE_CASE, Decision.RELEASE) as session:
        before = balances(session, RELEASE_CASE)
        # The admins' pause waits in the mempool ahead of the ruling, so the checks before
        # the device pass and the contract answers (err u101) once both are mined.
        pause_in_mempool(session, fresh_devnet)
        with pytest.raises(RulingFailed, match="abort_by_response"):
            run_to_end(execute_ruling(session, RELEASE_CASE, poll_interval=0.0,
                                      sleep=lambda s: fresh_devnet.mine(0)))
        case = rows.load_case(session.store, RELEASE_CASE)
        failed = case.failed_attempt
        assert failed is not None and failed.status is TxStatus.ABORTED
        assert case.transaction is None and case.current is Step.EXECUTION
        assert rows.load_receipt(session.store, RELEASE_CASE) is None
        assert balances(session, RELEASE_CASE) == before


def fail_every_broadcast(session: Session, devnet: Devnet) -> str:
    """Sign and store, but let every broadcast fail; return the stored txid."""
    devnet.set_faults(fail_next=20, path_prefix="/v2/transactions")
    with pytest.raises(NetworkError, match="re-sent unchanged"):
        execute(session, RELEASE_CASE)
    devnet.reset_faults()
    case = rows.load_case(session.store, RELEASE_CASE)
    assert case.transaction is not None and case.transaction.status is TxStatus.SIGNED
    return case.transaction.txid


def test_retry_after_failed_broadcasts_resends_the_stored_bytes(
    fresh_devnet: Devnet, ledger: Any, tmp_path: Path
) -> None:
    data = tmp_path / "data"
    with prepared(fresh_devnet, ledger, data, RELEASE_CASE, Decision.RELEASE) as session:
        txid = fail_every_broadcast(session, fresh_devnet)
        result = execute(session, RELEASE_CASE)
        assert result.txid == txid and result.status == "success"
        signed = [d for d in ledger.display_log if d.get("kind") == "transaction"]
        assert len(signed) == 1  # never signed anew


def test_success_claimed_for_an_aborted_transaction_issues_no_receipt(
    fresh_devnet: Devnet, ledger: Any, tmp_path: Path
) -> None:
    data = tmp_path / "data"
    with prepared(fresh_devnet, ledger, data, RELEASE_CASE, Decision.RELEASE) as session:
        txid = fail_every_broadcast(session, fresh_devnet)
        pause_escrow(session)
        fresh_devnet.set_faults(lie_tx_status={txid: "success"})
        with pytest.raises(ApiError, match="does not hold this ruling"):
            execute(session, RELEASE_CASE)
        case = rows.load_case(session.store, RELEASE_CASE)
        assert case.current is Step.EXECUTION
        assert rows.load_receipt(session.store, RELEASE_CASE) is None
