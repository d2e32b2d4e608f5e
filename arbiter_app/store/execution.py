"""Writing what follows a ruling: the published rationale, the transaction's life, the receipt.

Like :mod:`arbiter_app.store.cases`, each function is one transaction holding the change and
its decision-log entry (docs/ARCHITECTURE.md §8: rationale published, transaction signed, broadcast,
confirmed, receipt issued), plus the settings and party flags whose changes are logged too.
A confirmed transaction completes step 6 in the same transaction that records it.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from arbiter_app.case import framework
from arbiter_app.case.models import TxEvent, TxStatus
from arbiter_app.errors import PolicyError, StoreError
from arbiter_app.store import log
from arbiter_app.store.cases import write_changes
from arbiter_app.store.rows import load_case, load_ruling, load_transaction_by_txid

if TYPE_CHECKING:
    from arbiter_app.store.db import Store

_KIND = {TxStatus.BROADCAST: "transaction-broadcast", TxStatus.PENDING: "transaction-broadcast",
         TxStatus.SUCCESS: "transaction-confirmed", TxStatus.ABORTED: "transaction-failed",
         TxStatus.DROPPED: "transaction-failed", TxStatus.REPLACED: "transaction-failed",
         TxStatus.SIGNED: "transaction-signed"}


def record_rationale(store: Store, invoice_id: int, *, rationale_hash: str, rationale_cid: str,
                     now: int) -> None:
    """Record the published rationale document's sha256 (hex) and CID.

    :raises PolicyError: before the ruling is finalized, or if a different one was published
    """
    with store.atomic():
        ruling = load_ruling(store, invoice_id)
        if ruling is None:
            raise PolicyError(f"invoice {invoice_id} has no finalized ruling to publish")
        if ruling.rationale_hash not in (None, rationale_hash):
            raise PolicyError(f"invoice {invoice_id} already has a published rationale")
        store.conn.execute("UPDATE rulings SET rationale_hash = ?, rationale_cid = ? "
                           "WHERE invoice_id = ?", (rationale_hash, rationale_cid, invoice_id))
        log.append(store, "rationale-published", {"rationale_hash": rationale_hash,
                                                  "rationale_cid": rationale_cid},
                   invoice_id=invoice_id, at=now)


def record_transaction(store: Store, invoice_id: int, *, txid: str, raw_hex: str,
                       now: int) -> None:
    """Record a signed ruling transaction: the first attempt, or a new one once every
    earlier attempt has failed (they are kept).

    A transaction that left the mempool unmined, rebuilt with the same nonce and fee, is
    byte for byte the same one (signatures are deterministic): it becomes the latest attempt
    again, its history continued, and is logged as signed again.

    :raises PolicyError: without a published rationale, or while an attempt is on its way
        or has succeeded
    """
    with store.atomic():
        case = load_case(store, invoice_id)
        if case.ruling is None or case.ruling.rationale_hash is None:
            raise PolicyError(f"invoice {invoice_id} has no published ruling to execute")
        if case.transaction is not None:
            raise PolicyError(f"invoice {invoice_id} already has signed transaction "
                              f"{case.transaction.txid}")
        again = next((a for a in case.attempts if a.txid == txid), None)
        history = [*(again.history if again else ()), TxEvent(TxStatus.SIGNED, now,
                                                              "signed again" if again else "")]
        store.conn.execute("DELETE FROM transactions WHERE txid = ?", (txid,))
        store.conn.execute("INSERT INTO transactions VALUES (?, ?, ?, ?, NULL)",
                           (txid, invoice_id, raw_hex, _history_json(history)))
        log.append(store, "transaction-signed", {"txid": txid, "decision":
                                                 case.ruling.decision.value},
                   invoice_id=invoice_id, at=now)


def update_transaction(store: Store, txid: str, status: TxStatus, *, now: int,
                       detail: str = "", block_height: int | None = None) -> None:
    """Add a status change to a transaction's history; on success, complete step 6.

    :raises StoreError: for an unknown txid
    """
    with store.atomic():
        tx = load_transaction_by_txid(store, txid)
        if tx is None:
            raise StoreError(f"no transaction {txid} in the case store")
        if tx.status is status:
            return
        history = [*tx.history, TxEvent(status, now, detail)]
        height = block_height if block_height is not None else tx.block_height
        store.conn.execute("UPDATE transactions SET history = ?, block_height = ? WHERE txid = ?",
                           (_history_json(history), height, txid))
        log.append(store, _KIND[status], {"txid": txid, "status": status.value,
                                          "block_height": height, "detail": detail},
                   invoice_id=tx.invoice_id, at=now)
        if status is TxStatus.SUCCESS:
            before = load_case(store, tx.invoice_id)
            assert before.transaction is not None
            after = framework.complete_execution(before, transaction=before.transaction, now=now)
            write_changes(store, before, after, now)


def _history_json(history: list[TxEvent]) -> str:
    return json.dumps([{"status": e.status.value, "at": e.at, "detail": e.detail}
                       for e in history])


def save_receipt(store: Store, invoice_id: int, document: str, *, receipt_sha256: str,
                 now: int) -> None:
    """Keep the issued receipt (its canonical JSON) and log its hash."""
    with store.atomic():
        store.db["receipts"].upsert({"invoice_id": invoice_id, "document": document,  # type: ignore[union-attr]
                                     "issued_at": now}, pk="invoice_id")
        log.append(store, "receipt-issued", {"receipt_sha256": receipt_sha256},
                   invoice_id=invoice_id, at=now)


def record_signature_failure(store: Store, invoice_id: int | None, *, subject: str,
                             outcome: str, detail: str, now: int) -> None:
    """Log a signature the device did not give: refused, timed out, cancelled or failed.

    :param subject: what was to be signed, in the words the prompt used
    :param outcome: ``refused``, ``timed out``, ``cancelled`` or ``device error``
    """
    with store.atomic():
        log.append(store, "signature-failed", {"subject": subject, "outcome": outcome,
                                               "detail": detail}, invoice_id=invoice_id, at=now)


def change_setting(store: Store, key: str, value: str, *, now: int) -> None:
    """Keep a setting in the store and log the change (``network`` changes get their own kind)."""
    with store.atomic():
        old = store.conn.execute("SELECT value FROM settings WHERE key = ?", (key,)).fetchone()
        if old is not None and old[0] == value:
            return
        store.conn.execute("INSERT INTO settings VALUES (?, ?) ON CONFLICT (key) DO UPDATE "
                           "SET value = excluded.value", (key, value))
        kind = "network-changed" if key == "network" else "settings-changed"
        log.append(store, kind, {"key": key, "old": None if old is None else old[0],
                                 "new": value}, at=now)


def record_settings_change(store: Store, changes: dict[str, tuple[Any, Any]], *,
                           now: int) -> None:
    """Log a change of the settings file: one ``settings-changed`` entry per key.

    The file is the settings' home, so this runs right after its atomic replace.

    :param changes: old and new value by key (secrets already masked by the caller)
    """
    with store.atomic():
        for key, (old, new) in sorted(changes.items()):
            log.append(store, "settings-changed", {"key": key, "old": old, "new": new}, at=now)


def flag_party(store: Store, address: str, *, suspicious: bool, note: str, now: int) -> None:
    """Mark (or clear) an address as suspicious; flagged parties need manual review."""
    with store.atomic():
        store.conn.execute("INSERT INTO parties VALUES (?, ?, ?) ON CONFLICT (address) DO UPDATE "
                           "SET suspicious = excluded.suspicious, note = excluded.note",
                           (address, int(suspicious), note))
        log.append(store, "party-flagged", {"address": address, "suspicious": suspicious,
                                            "note": note}, at=now)
