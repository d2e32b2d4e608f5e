"""The reads the GUI and the CLI need, on a :class:`Session`: cases, drafts, receipts, the
facts a step shows (past dealings, review flags), the log's head and full-text search.

Every function reads committed rows only and changes nothing; the writes are in
:mod:`arbiter_app.services.steps`.
"""

from __future__ import annotations

from arbiter_app.case import review
from arbiter_app.case.framework import CaseFile
from arbiter_app.case.models import Draft, Receipt, ReviewFlag
from arbiter_app.services.session import Session
from arbiter_app.store import log, rows
from arbiter_app.store.governance import GovernanceState, governance_state
from arbiter_app.store.rows import SearchHit

__all__ = ["GovernanceState", "SearchHit", "governance", "last_synced", "list_cases", "load_case",
           "load_draft", "load_receipt", "log_head", "past_dealings", "review_flags", "search"]


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


def load_receipt(session: Session, invoice_id: int) -> Receipt | None:
    """The issued receipt of a case, or ``None`` before one is issued."""
    return rows.load_receipt(session.store, invoice_id)


def past_dealings(session: Session, case: CaseFile) -> list[int]:
    """Other invoices where this case's arbiter dealt with its payer or payee (step 1 shows
    them beside the no-conflict declaration)."""
    inv = case.invoice
    return rows.past_dealings(session.store, inv.arbiter, (inv.payer, inv.payee), inv.id)


def review_flags(session: Session, case: CaseFile) -> tuple[ReviewFlag, ...]:
    """The manual-review flags of a case (step 5 asks for each to be confirmed)."""
    inv = case.invoice
    store = session.store
    return review.review_flags(
        inv, first_time_payer=rows.first_time_payer(store, inv.payer, inv.id),
        suspicious=rows.suspicious_addresses(store))


def governance(session: Session) -> GovernanceState:
    """The escrow contract's admins, pause state and governance history, as last synced."""
    return governance_state(session.store)


def last_synced(session: Session) -> int | None:
    """When a sync last brought an invoice in, or ``None`` on a store never synced."""
    return rows.last_synced(session.store)


def log_head(session: Session) -> tuple[int, bytes]:
    """The decision log's current (size, root)."""
    return log.head(session.store)


def search(session: Session, text: str, limit: int = 50) -> list[SearchHit]:
    """Full-text search over the rationales and evidence titles (words, no query syntax)."""
    return rows.search(session.store, text, limit)
