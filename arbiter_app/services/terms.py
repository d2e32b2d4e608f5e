"""A case's terms document, fetched when the case is first opened rather than by the sync.

The sync stores each new case with its terms *not fetched yet* (state ``pending`` with the
CID the invoice's metadata hash names), so the queue appears after one request per case
instead of two. Opening the case (the case pane, ``arbiter-app case show``, ``case step``)
fetches and verifies the document once and stores it; offline, it stays pending with the
reason, and the next opening tries again.
"""

from __future__ import annotations

from collections.abc import Generator

from arbiter_app.case.framework import CaseFile
from arbiter_app.case.models import TermsState, TermsSummary
from arbiter_app.ipfs.cid import CID
from arbiter_app.progress import CancelToken, Progress
from arbiter_app.services import evidence as docs
from arbiter_app.services.session import Session
from arbiter_app.store import cases, rows


def unfetched(metadata_hash: str | None) -> TermsSummary:
    """The terms of a newly synced invoice: absent without a metadata hash, else pending."""
    if metadata_hash is None:
        return TermsSummary(state=TermsState.ABSENT)
    cid = CID.raw_sha256(bytes.fromhex(metadata_hash))
    return TermsSummary(state=TermsState.PENDING, cid=str(cid))


def needs_fetch(case: CaseFile) -> bool:
    """Whether opening the case should fetch its terms (not had yet, or unavailable before)."""
    return case.invoice.terms.state is TermsState.PENDING


def fetch_on_opening(
    session: Session, invoice_id: int, cancel: CancelToken | None = None
) -> Generator[Progress, None, str]:
    """Fetch, verify and store the case's terms if they are still pending.

    :returns: ``""`` when they are verified (or there are none), else why not: they did not
        match their hash (stored so), or could not be had (they stay pending)
    """
    case = rows.load_case(session.store, invoice_id)
    if not needs_fetch(case):
        return ""
    yield Progress(f"fetching the terms of invoice {invoice_id}…", 0, None)
    summary, why = yield from docs.fetch_terms(session.fetcher, case.invoice.metadata_hash, cancel)
    if summary.state is not TermsState.PENDING:
        cases.store_terms(session.store, invoice_id, summary, now=session.now())
    return why
