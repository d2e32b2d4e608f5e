"""Writing the case store: each change together with its decision-log entries.

The writers here put a judged change into the tables and append the log entries that record
it; the caller holds the :meth:`Store.atomic` block (or the writer opens its own), so a crash
leaves either the whole action or none of it. Judging an arbiter's step belongs to
:mod:`arbiter_app.services.steps`; reads live in :mod:`arbiter_app.store.rows`.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from collections.abc import Sequence
from typing import TYPE_CHECKING

from arbiter_app.case import framework
from arbiter_app.case.framework import CaseFile
from arbiter_app.case.models import (
    Decision,
    Dispute,
    Draft,
    EvidenceFile,
    EvidenceItem,
    EvidenceState,
    Invoice,
    Ruling,
    TermsSummary,
)
from arbiter_app.errors import StoreError
from arbiter_app.store import log
from arbiter_app.store.rows import files_to_json, load_case, terms_to_json

if TYPE_CHECKING:
    from arbiter_app.store.db import Store


def invoice_row(invoice: Invoice, now: int) -> dict[str, object]:
    """The ``invoices`` row of ``invoice``, synced at ``now``."""
    return {"id": invoice.id, "payer": invoice.payer, "payee": invoice.payee,
            "amount": invoice.amount, "token": invoice.token, "arbiter": invoice.arbiter,
            "deadline": invoice.deadline, "status": int(invoice.status),
            "metadata_hash": invoice.metadata_hash, "deposit": invoice.deposit,
            "terms": terms_to_json(invoice.terms), "synced_at": now}


def evidence_row(e: EvidenceItem) -> dict[str, object]:
    """The ``evidence`` row of ``e``."""
    return {"invoice_id": e.invoice_id, "idx": e.index, "party": e.party.value,
            "submitter": e.submitter, "manifest_cid": e.manifest_cid, "height": e.height,
            "title": e.title, "files": files_to_json(e.files), "state": e.state.value,
            "reason": e.reason, "late": int(e.late), "opened_at": e.opened_at,
            "submitted_time": e.submitted_time, "submit_txid": e.submit_txid}


_INVOICE_COLUMNS = ("id", "payer", "payee", "amount", "token", "arbiter", "deadline", "status",
                    "metadata_hash", "deposit", "terms", "synced_at")
# One statement, prepared once (a sync writes thousands of invoices; sqlite-utils' upsert
# reads the table's schema on every call).
_UPSERT_INVOICE = (
    f"INSERT INTO invoices ({', '.join(_INVOICE_COLUMNS)}) "
    f"VALUES ({', '.join('?' * len(_INVOICE_COLUMNS))}) ON CONFLICT (id) DO UPDATE SET "
    + ", ".join(f"{c} = excluded.{c}" for c in _INVOICE_COLUMNS[1:]))
_INSERT_DISPUTE = "INSERT INTO disputes VALUES (?, ?, ?, ?, ?)"


def _write_invoice(store: Store, invoice: Invoice, now: int) -> None:
    store.conn.execute(_UPSERT_INVOICE, _invoice_values(invoice, now))


def _invoice_values(invoice: Invoice, now: int) -> list[object]:
    """:func:`invoice_row`'s values in ``_UPSERT_INVOICE``'s order."""
    row = invoice_row(invoice, now)
    return [row[c] for c in _INVOICE_COLUMNS]


def write_evidence(store: Store, e: EvidenceItem) -> None:
    store.db["evidence"].upsert(  # type: ignore[union-attr]
        evidence_row(e), pk=("invoice_id", "idx"))


def write_changes(store: Store, before: CaseFile, after: CaseFile, now: int) -> None:
    """Write the steps, ruling and evidence that differ, and log each step change.

    Call inside the ``store.atomic()`` block that read ``before``.
    """
    case_id = after.invoice.id
    kept = {r.step for r in after.steps}
    for record in before.steps:
        if record.step not in kept:
            store.conn.execute("DELETE FROM steps WHERE invoice_id = ? AND step = ?",
                               (case_id, int(record.step)))
            log.append(store, "step-reopened", {"step": int(record.step)},
                       invoice_id=case_id, at=now)
    had = {r.step for r in before.steps}
    for record in after.steps:
        if record.step not in had:
            store.conn.execute("INSERT INTO steps VALUES (?, ?, ?, ?)",
                               (case_id, int(record.step), record.completed_at, record.note))
            log.append(store, "step-completed", {"step": int(record.step), "note": record.note},
                       invoice_id=case_id, at=now)
    if before.ruling is not None and after.ruling is None:
        _keep_as_draft(store, before.ruling, now)
        store.conn.execute("DELETE FROM rulings WHERE invoice_id = ?", (case_id,))
    for item in after.dispute.evidence:
        if item not in before.dispute.evidence:
            write_evidence(store, item)


def _keep_as_draft(store: Store, ruling: Ruling, now: int) -> None:
    # A reopened ruling goes back to the editor, so no written rationale is ever lost.
    save_draft(store, Draft(ruling.invoice_id, ruling.rationale, ruling.decision, ruling.cited,
                            now))


def sync_dispute(store: Store, invoice: Invoice, dispute: Dispute, *, now: int) -> CaseFile:
    """Save an invoice and its dispute as read from the chain; add newly seen evidence.

    Logs ``dispute-synced`` the first time, and ``evidence-added`` per new item (late items
    reopen step 2 through the framework, which is logged too).
    """
    with store.atomic():
        first = store.conn.execute("SELECT 1 FROM disputes WHERE invoice_id = ?",
                                   (invoice.id,)).fetchone() is None
        _write_invoice(store, invoice, now)
        if first:
            store.conn.execute(_INSERT_DISPUTE, _dispute_row(invoice, dispute))
            log.append(store, "dispute-synced", _synced(invoice, dispute),
                       invoice_id=invoice.id, at=now)
        # A new dispute has no other rows yet (every table of a case refers to its dispute):
        # the case is what was just written, without reading it back.
        case = before = (CaseFile(invoice, dataclasses.replace(dispute, evidence=())) if first
                         else load_case(store, invoice.id))
        known = {e.index for e in case.dispute.evidence}
        for item in sorted(dispute.evidence, key=lambda e: e.index):
            if item.index in known:
                continue
            case = framework.add_evidence(case, item)
            added = next(e for e in case.dispute.evidence if e.index == item.index)
            log.append(store, "evidence-added", {
                "index": item.index, "party": item.party.value, "submitter": item.submitter,
                "manifest_cid": item.manifest_cid, "late": added.late,
                "submitted_height": item.height, "submitted_time": item.submitted_time,
                "submit_txid": item.submit_txid},
                invoice_id=invoice.id, at=now)
        if case is before:
            return before  # nothing new beside the invoice row, which `before` already reads
        write_changes(store, before, case, now)
        return load_case(store, invoice.id)


def add_new_disputes(store: Store, new: Sequence[tuple[Invoice, Dispute]], *,
                     now: int) -> None:
    """Save disputes the store does not hold yet, each with its invoice and no evidence, as
    :func:`sync_dispute` would one by one (``dispute-synced`` logged for each, in order), in
    a few statements for them all: a first sync stores thousands.

    :raises StoreError: when the store already holds one of them, or one has evidence
        (those are :func:`sync_dispute`'s)
    """
    with store.atomic():
        for start in range(0, len(new), 500):  # SQLite binds at most 999 values a statement
            ids = [invoice.id for invoice, _ in new[start:start + 500]]
            held = store.conn.execute("SELECT invoice_id FROM disputes WHERE invoice_id IN "
                                      f"({', '.join('?' * len(ids))}) LIMIT 1", ids).fetchone()
            if held is not None:
                raise StoreError(f"the store already holds the dispute of invoice {held[0]}")
        if any(dispute.evidence for _, dispute in new):
            raise StoreError("a new dispute with evidence is stored by sync_dispute")
        store.conn.executemany(_UPSERT_INVOICE, [_invoice_values(i, now) for i, _ in new])
        store.conn.executemany(_INSERT_DISPUTE, [_dispute_row(i, d) for i, d in new])
        log.append_many(store, [("dispute-synced", _synced(invoice, dispute), invoice.id)
                                for invoice, dispute in new], at=now)


def _dispute_row(invoice: Invoice, dispute: Dispute) -> tuple[object, ...]:
    return (invoice.id, dispute.raised_by, dispute.reason_cid, dispute.raised_height,
            dispute.raised_time)


def _synced(invoice: Invoice, dispute: Dispute) -> dict[str, object]:
    """What ``dispute-synced`` records."""
    return {"payer": invoice.payer, "payee": invoice.payee, "amount": invoice.amount,
            "token": invoice.token, "arbiter": invoice.arbiter, "raised_by": dispute.raised_by,
            "reason_cid": dispute.reason_cid, "raised_height": dispute.raised_height,
            "raised_time": dispute.raised_time}


def store_terms(store: Store, invoice_id: int, terms: TermsSummary, *, now: int) -> None:
    """Store the terms document fetched for a synced invoice (on the case's first opening).

    :raises StoreError: if the store holds no such invoice
    """
    with store.atomic():
        changed = store.conn.execute("UPDATE invoices SET terms = ? WHERE id = ?",
                                     (terms_to_json(terms), invoice_id)).rowcount
        if not changed:
            raise StoreError(f"no invoice {invoice_id} in the store")


def store_verified_evidence(store: Store, invoice_id: int, index: int, *, title: str,
                            files: tuple[EvidenceFile, ...]) -> EvidenceItem:
    """Store a pending evidence item as verified, with its manifest's title and files (fetched
    on the case's first opening). Like the sync that used to fetch it, this logs nothing: the
    item's ``evidence-added`` entry names its manifest CID, and opening it is logged when the
    arbiter does. An item no longer pending (opened or marked meanwhile) is left as it is.

    :returns: the item as stored afterwards
    :raises StoreError: if the store holds no such item
    """
    with store.atomic():
        store.conn.execute(
            "UPDATE evidence SET title = ?, files = ?, state = ?, reason = '' "
            "WHERE invoice_id = ? AND idx = ? AND state = ?",
            (title, files_to_json(files), EvidenceState.VERIFIED.value, invoice_id, index,
             EvidenceState.PENDING.value))
        item = next((e for e in load_case(store, invoice_id).dispute.evidence
                     if e.index == index), None)
        if item is None:
            raise StoreError(f"invoice {invoice_id} has no evidence #{index}")
        return item


def _change_evidence(store: Store, invoice_id: int, index: int, now: int, kind: str,
                     **changes: object) -> EvidenceItem:
    with store.atomic():
        case = load_case(store, invoice_id)
        item = next((e for e in case.dispute.evidence if e.index == index), None)
        if item is None:
            raise StoreError(f"invoice {invoice_id} has no evidence #{index}")
        item = dataclasses.replace(item, **changes)  # type: ignore[arg-type]
        write_evidence(store, item)
        log.append(store, kind, {"index": index, "manifest_cid": item.manifest_cid,
                                 "state": item.state.value, "reason": item.reason},
                   invoice_id=invoice_id, at=now)
        return item


def open_evidence(store: Store, invoice_id: int, index: int, *, title: str,
                  files: tuple[EvidenceFile, ...], now: int) -> EvidenceItem:
    """Record that a verified evidence item was opened by the arbiter (logged)."""
    return _change_evidence(store, invoice_id, index, now, "evidence-opened", title=title,
                            files=files, state=EvidenceState.VERIFIED, reason="", opened_at=now)


def mark_evidence_unavailable(store: Store, invoice_id: int, index: int, *, reason: str,
                              mismatch: bool = False, now: int,
                              read: EvidenceItem | None = None) -> EvidenceItem:
    """Record that an evidence item could not be had (or did not match its CID), with why.

    :param read: the item as a fetch left it, whose title and files (from its manifest, when
        that verified) are kept with it
    """
    state = EvidenceState.MISMATCH if mismatch else EvidenceState.UNAVAILABLE
    kept = {"title": read.title, "files": read.files} if read is not None else {}
    return _change_evidence(store, invoice_id, index, now, "evidence-unavailable",
                            state=state, reason=reason, **kept)


def save_draft(store: Store, draft: Draft) -> None:
    """Save the rationale as typed (one small transaction; call on every pause in typing)."""
    with store.atomic():
        store.db["drafts"].upsert({  # type: ignore[union-attr]
            "invoice_id": draft.invoice_id, "text": draft.text,
            "decision": draft.decision.value if draft.decision else None,
            "cited": json.dumps(list(draft.cited)), "updated_at": draft.updated_at},
            pk="invoice_id")


def record_ruling(store: Store, case: CaseFile, now: int) -> None:
    """Store the finalized ruling of ``case`` with its ``ruling-finalized`` entry; drop the draft.

    Call inside the ``store.atomic()`` block that judged the ruling.
    """
    ruling, inv = case.ruling, case.invoice
    assert ruling is not None
    data: dict[str, object] = {
        "payer": inv.payer, "payee": inv.payee, "amount": inv.amount, "token": inv.token,
        "arbiter": inv.arbiter, "decision": ruling.decision.value,
        "rationale_sha256": hashlib.sha256(ruling.rationale.encode()).hexdigest(),
        "cited": list(ruling.cited),
        "confirmations": [f.value for f in ruling.confirmations]}
    if ruling.decision is Decision.SPLIT:
        # only a split names its shares, so release and refund entries keep their first form
        award = ruling.award(inv.amount)
        data["award"] = {"payee": award.payee, "payer": award.payer}
    entry = log.append(store, "ruling-finalized", data, invoice_id=inv.id, at=now)
    store.conn.execute(
        "INSERT INTO rulings (invoice_id, decision, rationale, cited, confirmations, "
        "finalized_at, log_index, payee_amount) VALUES (?, ?, ?, ?, ?, ?, ?, ?)", (
            inv.id, ruling.decision.value, ruling.rationale, json.dumps(list(ruling.cited)),
            json.dumps([f.value for f in ruling.confirmations]), now, entry.index,
            ruling.payee_amount))
    store.conn.execute("DELETE FROM drafts WHERE invoice_id = ?", (inv.id,))
