"""The reads the GUI and the CLI need, on a :class:`Session`: cases, drafts, receipts, the
facts a step shows (past dealings, review flags), the log's head and full-text search.

Every function reads committed rows only and changes nothing; the writes are in
:mod:`arbiter_app.services.steps`.
"""

from __future__ import annotations

from arbiter_app.case import review
from arbiter_app.case.framework import CaseFile
from arbiter_app.case.models import Draft, Receipt, ReviewFlag
from arbiter_app.services import party_index, suspicious
from arbiter_app.services.party_index import Dealings
from arbiter_app.services.session import Session
from arbiter_app.store import log, rows
from arbiter_app.store.governance import GovernanceState, governance_state
from arbiter_app.store.rows import SearchHit

__all__ = ["Dealings", "GovernanceState", "SearchHit", "check_store", "dealings",
           "failed_transaction_times", "governance", "last_synced", "list_cases", "load_case",
           "load_draft", "load_notes", "load_receipt", "log_head", "past_dealings",
           "review_flags", "review_reasons", "search"]


def check_store(session: Session) -> None:
    """Check the case store for damage (once; writes wait for the verdict).

    :raises StoreError: the file is damaged: nothing will be written to it
    """
    session.store.check_sound()


def load_case(session: Session, invoice_id: int) -> CaseFile:
    """The stored case of ``invoice_id``.

    :raises StoreError: if the store holds no such case
    """
    return rows.load_case(session.store, invoice_id)


def list_cases(session: Session, limit: int | None = None) -> list[CaseFile]:
    """Every stored case (or the ``limit`` oldest), oldest dispute first."""
    return rows.list_cases(session.store, limit)


def load_draft(session: Session, invoice_id: int) -> Draft | None:
    """The rationale draft saved as typed, or ``None``."""
    return rows.load_draft(session.store, invoice_id)


def load_notes(session: Session, invoice_id: int) -> str:
    """The arbiter's step-4 notes on a case, as last saved (empty when none)."""
    return rows.load_notes(session.store, invoice_id)


def load_receipt(session: Session, invoice_id: int) -> Receipt | None:
    """The issued receipt of a case, or ``None`` before one is issued."""
    return rows.load_receipt(session.store, invoice_id)


def past_dealings(session: Session, case: CaseFile) -> list[int]:
    """The invoices of the contract where this case's arbiter (or another address of theirs
    in settings) met its payer or payee in any role (step 1 shows them beside the
    no-conflict declaration; :func:`dealings` gives the rows)."""
    return party_index.past_dealings(session, case).ids


def dealings(session: Session, case: CaseFile) -> Dealings:
    """The past dealings of :func:`past_dealings` with their parties, roles and counts."""
    return party_index.past_dealings(session, case)


def review_flags(session: Session, case: CaseFile) -> tuple[ReviewFlag, ...]:
    """The manual-review flags of a case (step 5 asks for each to be confirmed)."""
    return tuple(flag for flag, _ in review_reasons(session, case))


def review_reasons(session: Session, case: CaseFile) -> list[tuple[ReviewFlag, str]]:
    """Each manual-review flag of a case with the sentence that says why it was raised
    (the first-time payer names what was searched; a suspicious party, who and why)."""
    inv = case.invoice
    first = party_index.first_time_payer(session, case)
    listed = {e.address: e.reason for e in suspicious.listed(session)}
    flags = review.review_flags(inv, first_time_payer=first.first_time, suspicious=listed)
    marked = "; ".join(f"the {role} {address} is on your suspicious list ({listed[address]})"
                       for role, address in (("payer", inv.payer), ("payee", inv.payee))
                       if address in listed)
    words = {ReviewFlag.FIRST_TIME_PAYER: f"The payer is new: {first.searched}.",
             ReviewFlag.SUSPICIOUS_ADDRESS: f"A party is suspicious: {marked}."}
    return [(f, words.get(f, review.describe(f))) for f in flags]


def governance(session: Session) -> GovernanceState:
    """The escrow contract's admins, pause state and governance history, as last synced."""
    return governance_state(session.store)


def last_synced(session: Session) -> int | None:
    """When a sync last brought an invoice in, or ``None`` on a store never synced."""
    return rows.last_synced(session.store)


def log_head(session: Session) -> tuple[int, bytes]:
    """The decision log's current (size, root)."""
    return log.head(session.store)


def failed_transaction_times(session: Session, since: int) -> list[int]:
    """When the decision log recorded a failed ruling transaction, at or after ``since``."""
    return [int(at) for (at,) in session.store.conn.execute(
        "SELECT at FROM log_entries WHERE kind = 'transaction-failed' AND at >= ? ORDER BY idx",
        (since,))]


def search(session: Session, text: str, limit: int = 50) -> list[SearchHit]:
    """Full-text search over the rationales and evidence titles (words, no query syntax)."""
    return rows.search(session.store, text, limit)
