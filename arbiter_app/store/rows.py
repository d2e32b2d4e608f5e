"""Reading the case store: rows to the frozen models of :mod:`arbiter_app.case.models`, and back.

Plain functions over an open :class:`Store`; nothing here writes. JSON columns (terms, files,
citations, status history) use the canonical JSON of the decision log so that a value reads
back exactly as it was written.
"""

from __future__ import annotations

import dataclasses
import json
import sqlite3
from typing import TYPE_CHECKING, Any

import msgspec

from arbiter_app.case.framework import CaseFile
from arbiter_app.case.models import (
    AiParse,
    Decision,
    Dispute,
    Draft,
    EvidenceFile,
    EvidenceItem,
    EvidenceState,
    Invoice,
    InvoiceStatus,
    Party,
    Receipt,
    ReviewFlag,
    Ruling,
    Step,
    StepRecord,
    TermsState,
    TermsSummary,
    TransactionRecord,
    TxEvent,
    TxStatus,
)
from arbiter_app.errors import StoreError

if TYPE_CHECKING:
    from arbiter_app.store.db import Store


def terms_to_json(terms: TermsSummary) -> str:
    """The JSON column form of a terms summary (built field by field: ``dataclasses.asdict``'s
    deep copy was a third of a sync's time storing cases)."""
    ai = terms.ai_parse
    return json.dumps({
        "state": terms.state.value, "cid": terms.cid, "title": terms.title,
        "description": terms.description, "milestones": list(terms.milestones),
        "payer_name": terms.payer_name, "payee_name": terms.payee_name,
        "ai_parse": None if ai is None else {"model": ai.model, "confidence": ai.confidence},
    }, sort_keys=True)


def terms_from_json(text: str) -> TermsSummary:
    """Read a terms summary back from its JSON column."""
    d = msgspec.json.decode(text)  # the store's own JSON; msgspec reads it 4x faster
    ai = AiParse(**d["ai_parse"]) if d.get("ai_parse") else None
    return TermsSummary(TermsState(d["state"]), d["cid"], d["title"], d["description"],
                        tuple(d["milestones"]), d["payer_name"], d["payee_name"], ai)


def files_to_json(files: tuple[EvidenceFile, ...]) -> str:
    """The JSON column form of an evidence item's files."""
    return json.dumps([dataclasses.asdict(f) for f in files], sort_keys=True)


def _invoice(r: Any) -> Invoice:
    return Invoice(r["id"], r["payer"], r["payee"], r["amount"], r["token"], r["arbiter"],
                   r["deadline"], InvoiceStatus(r["status"]), r["metadata_hash"],
                   terms_from_json(r["terms"]), r["deposit"])


def _evidence(r: Any) -> EvidenceItem:
    files = tuple(EvidenceFile(**f) for f in msgspec.json.decode(r["files"]))
    return EvidenceItem(r["invoice_id"], r["idx"], Party(r["party"]), r["submitter"],
                        r["manifest_cid"], r["height"], r["title"], files,
                        EvidenceState(r["state"]), r["reason"], bool(r["late"]), r["opened_at"],
                        r["submitted_time"], r["submit_txid"])


def _rows(store: Store, sql: str, args: tuple[Any, ...] = ()) -> list[dict[str, Any]]:
    cursor = store.conn.execute(sql, args)
    names = [c[0] for c in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def load_invoice(store: Store, invoice_id: int) -> Invoice | None:
    """The stored invoice, or ``None``."""
    rows = _rows(store, "SELECT * FROM invoices WHERE id = ?", (invoice_id,))
    return _invoice(rows[0]) if rows else None


def load_case(store: Store, invoice_id: int) -> CaseFile:
    """Everything known about one disputed invoice.

    :raises StoreError: if the store holds no dispute for ``invoice_id``
    """
    invoice = load_invoice(store, invoice_id)
    d = _rows(store, "SELECT * FROM disputes WHERE invoice_id = ?", (invoice_id,))
    if invoice is None or not d:
        raise StoreError(f"the case store holds no dispute for invoice {invoice_id}")
    rows = {table: _rows(store, f"SELECT * FROM {table} WHERE invoice_id = ? ORDER BY {order}",
                         (invoice_id,))
            for table, order in (("evidence", "idx"), ("steps", "step"),
                                 ("rulings", "invoice_id"), ("transactions", "rowid"))}
    return _case(invoice, d[0], rows)


def list_cases(store: Store, limit: int | None = None) -> list[CaseFile]:
    """Every dispute in the store (or the ``limit`` oldest), oldest dispute first (the
    queue's rows).

    One query per table, whatever the number of cases; :func:`load_case` reads the same rows
    for one case.
    """
    first = "SELECT invoice_id FROM disputes ORDER BY raised_time, invoice_id"
    if limit is not None:
        first += f" LIMIT {int(limit)}"
    by_case: dict[str, dict[int, list[Any]]] = {}
    for table, order in (("evidence", "idx"), ("steps", "step"), ("rulings", "invoice_id"),
                         ("transactions", "rowid")):
        grouped: dict[int, list[Any]] = {}
        for r in _records(store, f"SELECT * FROM {table} WHERE invoice_id IN ({first}) "
                                 f"ORDER BY invoice_id, {order}"):
            grouped.setdefault(r["invoice_id"], []).append(r)
        by_case[table] = grouped
    invoices = {r["id"]: _invoice(r) for r in _records(
        store, f"SELECT * FROM invoices WHERE id IN ({first})")}
    return [_case(invoices[d["invoice_id"]], d, {t: g.get(d["invoice_id"], [])
                                                 for t, g in by_case.items()})
            for d in _records(store, f"SELECT * FROM disputes WHERE invoice_id IN ({first}) "
                                     "ORDER BY raised_time, invoice_id")]


def _records(store: Store, sql: str) -> list[sqlite3.Row]:
    """Rows read by column name without building a dict each (the bulk reads)."""
    cursor = store.conn.cursor()
    cursor.row_factory = sqlite3.Row
    return cursor.execute(sql).fetchall()


def _case(invoice: Invoice, d: Any, rows: dict[str, list[Any]]) -> CaseFile:
    """A case from its invoice, its dispute row and its rows of the other tables."""
    invoice_id = invoice.id
    evidence = tuple(_evidence(r) for r in rows["evidence"])
    dispute = Dispute(invoice_id, d["raised_by"], d["reason_cid"], d["raised_height"],
                      d["raised_time"], evidence)
    steps = tuple(StepRecord(invoice_id, Step(r["step"]), r["completed_at"], r["note"])
                  for r in rows["steps"])
    ruling = _ruling(rows["rulings"][0]) if rows["rulings"] else None
    attempts = tuple(_transaction(r) for r in rows["transactions"])  # in signing order
    return CaseFile(invoice, dispute, steps, ruling, _live(attempts), attempts)


def load_ruling(store: Store, invoice_id: int) -> Ruling | None:
    """The finalized ruling of a case, or ``None``."""
    rows = _rows(store, "SELECT * FROM rulings WHERE invoice_id = ?", (invoice_id,))
    return _ruling(rows[0]) if rows else None


def _ruling(r: Any) -> Ruling:
    return Ruling(r["invoice_id"], Decision(r["decision"]), r["rationale"],
                  tuple(json.loads(r["cited"])),
                  tuple(ReviewFlag(f) for f in json.loads(r["confirmations"])),
                  r["finalized_at"], r["rationale_hash"], r["rationale_cid"],
                  r["payee_amount"])


def ruling_log_index(store: Store, invoice_id: int) -> int | None:
    """The index of the ``ruling-finalized`` log entry of a case."""
    row = store.conn.execute("SELECT log_index FROM rulings WHERE invoice_id = ?",
                             (invoice_id,)).fetchone()
    return None if row is None else int(row[0])


def load_transaction(store: Store, invoice_id: int) -> TransactionRecord | None:
    """The case's ruling transaction on its way or confirmed (``None`` before signing and
    after a failed attempt)."""
    return _live(load_attempts(store, invoice_id))


def _live(attempts: tuple[TransactionRecord, ...]) -> TransactionRecord | None:
    """The last attempt unless it failed."""
    return attempts[-1] if attempts and not attempts[-1].status.failed else None


def load_attempts(store: Store, invoice_id: int) -> tuple[TransactionRecord, ...]:
    """Every transaction signed for a case, in the order they were signed."""
    return tuple(_transaction(r) for r in _rows(
        store, "SELECT * FROM transactions WHERE invoice_id = ? ORDER BY rowid", (invoice_id,)))


def load_transaction_by_txid(store: Store, txid: str) -> TransactionRecord | None:
    """The transaction with ``txid``, or ``None``."""
    rows = _rows(store, "SELECT * FROM transactions WHERE txid = ?", (txid,))
    return _transaction(rows[0]) if rows else None


def _transaction(r: Any) -> TransactionRecord:
    history = tuple(TxEvent(TxStatus(e["status"]), e["at"], e["detail"])
                    for e in json.loads(r["history"]))
    return TransactionRecord(r["txid"], r["invoice_id"], r["raw_hex"], history, r["block_height"])


def load_draft(store: Store, invoice_id: int) -> Draft | None:
    """The saved rationale draft of a case, or ``None``."""
    rows = _rows(store, "SELECT * FROM drafts WHERE invoice_id = ?", (invoice_id,))
    if not rows:
        return None
    r = rows[0]
    decision = Decision(r["decision"]) if r["decision"] else None
    return Draft(invoice_id, r["text"], decision, tuple(json.loads(r["cited"])), r["updated_at"])


def load_receipt(store: Store, invoice_id: int) -> Receipt | None:
    """The issued receipt of a case, or ``None``."""
    rows = _rows(store, "SELECT * FROM receipts WHERE invoice_id = ?", (invoice_id,))
    return Receipt(invoice_id, rows[0]["document"], rows[0]["issued_at"]) if rows else None


def load_notes(store: Store, invoice_id: int) -> str:
    """The arbiter's step-4 notes on a case (empty when none were saved)."""
    row = store.conn.execute("SELECT text FROM case_notes WHERE invoice_id = ?",
                             (invoice_id,)).fetchone()
    return "" if row is None else str(row[0])


def last_synced(store: Store) -> int | None:
    """When a sync last wrote an invoice (Unix seconds), or ``None`` if none ever did."""
    row = store.conn.execute("SELECT MAX(synced_at) FROM invoices").fetchone()
    return None if row is None or row[0] is None else int(row[0])


def setting(store: Store, key: str) -> str | None:
    """A value kept in the store's settings table."""
    row = store.conn.execute("SELECT value FROM settings WHERE key = ?", (key,)).fetchone()
    return None if row is None else str(row[0])


@dataclasses.dataclass(frozen=True)
class SearchHit:
    """One search result: the case, where it matched, and a snippet with the match marked."""

    invoice_id: int
    where: str
    snippet: str


def search(store: Store, text: str, limit: int = 50) -> list[SearchHit]:
    """Full-text search over the arbiter's rationales and evidence titles, the cases whose
    invoice id is one of the words, and those whose payer or payee is one (an address).

    :param text: words to look for (each is quoted, so no query syntax is needed)
    """
    words = [w.replace('"', '""') for w in text.split()]
    if not words:
        return []
    query = " ".join(f'"{w}"' for w in words)
    hits = [SearchHit(int(r[0]), "rationale", str(r[1])) for r in store.conn.execute(
        "SELECT rowid, snippet(rulings_fts, 0, '[', ']', '…', 12) FROM rulings_fts "
        "WHERE rulings_fts MATCH ? ORDER BY rank LIMIT ?", (query, limit))]
    hits += [SearchHit(int(r[0]), f"evidence #{r[1]}", str(r[2])) for r in store.conn.execute(
        "SELECT invoice_id, idx, snippet(evidence_fts, 0, '[', ']', '…', 12) FROM evidence_fts "
        "WHERE evidence_fts MATCH ? ORDER BY rank LIMIT ?", (query, limit))]
    numbers = [int(w) for w in text.split() if w.isdigit() and len(w) < 19]  # SQLite's range
    if numbers:
        ids = ", ".join("?" * len(numbers))
        hits += [SearchHit(int(r[0]), "invoice", f"invoice {r[0]}") for r in store.conn.execute(
            f"SELECT invoice_id FROM disputes WHERE invoice_id IN ({ids}) ORDER BY invoice_id "
            "LIMIT ?", (*numbers, limit))]
    addresses = [w.upper() for w in text.split()]
    marks = ", ".join("?" * len(addresses))
    hits += [SearchHit(int(r[0]), "party", f"payer {r[1]}, payee {r[2]}")
             for r in store.conn.execute(
                 f"SELECT id, payer, payee FROM invoices WHERE payer IN ({marks}) "
                 f"OR payee IN ({marks}) ORDER BY id LIMIT ?", (*addresses, *addresses, limit))]
    return hits
