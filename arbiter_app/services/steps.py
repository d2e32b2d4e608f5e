"""Steps 1–5 of a case on a :class:`Session`: each loads the case, lets
:mod:`arbiter_app.case.framework` judge the action, and writes the change with its
decision-log entries in one :meth:`Store.atomic` block, so a crash leaves the whole action or
none of it.

Every function returns what was stored (the case after the step, the evidence item, the
ruling) and raises :class:`~arbiter_app.errors.PolicyError` naming every unmet condition when
the framework refuses. The GUI runs them through its task runner; the CLI calls them directly.
"""

from __future__ import annotations

from collections.abc import Callable, Collection

from arbiter_app.case import framework
from arbiter_app.case.framework import CaseFile, RulingProposal
from arbiter_app.case.models import ChainChecks, Draft, EvidenceItem, Ruling, Step
from arbiter_app.errors import PolicyError
from arbiter_app.services import queries
from arbiter_app.services.session import Session
from arbiter_app.store import cases, log, rows


def _step(session: Session, invoice_id: int, now: int,
          advance: Callable[[CaseFile], CaseFile]) -> CaseFile:
    store = session.store
    with store.atomic():
        before = rows.load_case(store, invoice_id)
        after = advance(before)
        cases.write_changes(store, before, after, now)
        return after


def complete_terms(session: Session, invoice_id: int, *, no_conflict: bool,
                   dealings_shown: Collection[int], now: int) -> CaseFile:
    """Step 1: the terms reviewed and no conflict of interest declared.

    The declaration is logged (``conflict-declared``) with the addresses searched and every
    past dealing shown beside it (invoice, parties, arbiter, amount, status, block).

    :param dealings_shown: the past dealings the arbiter was shown beside the declaration;
        they must be the ones the party index holds now (:func:`queries.past_dealings`)
    """
    store = session.store
    with store.atomic():
        before = rows.load_case(store, invoice_id)
        found = queries.dealings(session, before)
        after = framework.complete_terms(before, no_conflict=no_conflict,
                                         dealings_shown=dealings_shown,
                                         past_dealings=found.ids, now=now)
        cases.write_changes(store, before, after, now)
        log.append(store, "conflict-declared", {
            "no_conflict": no_conflict, "addresses_searched": list(found.searched),
            "parties": list(found.parties), "counts": found.counts(),
            "dealings_shown": [{"invoice_id": i.id, "payer": i.payer, "payee": i.payee,
                                "arbiter": i.arbiter, "amount": i.amount, "status": i.status,
                                "created_height": i.created_height} for i in found.invoices],
        }, invoice_id=invoice_id, at=now)
        return after


def complete_evidence(session: Session, invoice_id: int, *, now: int) -> CaseFile:
    """Step 2: every item opened or marked unavailable (see :func:`framework.complete_evidence`)."""
    return _step(session, invoice_id, now, lambda c: framework.complete_evidence(c, now=now))


def complete_chain(session: Session, invoice_id: int, *, checks: ChainChecks,
                   acknowledged: ChainChecks, now: int) -> CaseFile:
    """Step 3: the chain checks read now equal the ones acknowledged, and all pass."""
    return _step(session, invoice_id, now, lambda c: framework.complete_chain(
        c, checks=checks, acknowledged=acknowledged, now=now))


def complete_documents(session: Session, invoice_id: int, *, consulted: Collection[str],
                       now: int) -> CaseFile:
    """Step 4: the off-chain documents (CIDs in ``consulted``) were opened."""
    return _step(session, invoice_id, now, lambda c: framework.complete_documents(
        c, consulted=consulted, now=now))


def reopen_step(session: Session, invoice_id: int, step: Step, *, now: int) -> CaseFile:
    """Reopen ``step``; it and every later step are invalidated (each logged). A reopened
    ruling goes back to the editor as a draft."""
    return _step(session, invoice_id, now, lambda c: framework.reopen(c, step))


def mark_evidence_unavailable(session: Session, invoice_id: int, index: int, *, reason: str,
                              now: int) -> EvidenceItem:
    """Record that evidence item ``index`` cannot be examined, and why (logged).

    :raises PolicyError: without a reason
    """
    if not reason.strip():
        raise PolicyError("an unavailable evidence item needs a reason")
    return cases.mark_evidence_unavailable(session.store, invoice_id, index, reason=reason,
                                           now=now)


def save_draft(session: Session, draft: Draft) -> None:
    """Save the rationale as typed (one small transaction; call on every pause in typing).

    A draft that lands after its case's ruling was finalized is not kept.
    """
    store = session.store
    with store.atomic():
        if rows.load_ruling(store, draft.invoice_id) is None:
            cases.save_draft(store, draft)


def finalize_ruling(session: Session, invoice_id: int, proposal: RulingProposal, *,
                    now: int) -> Ruling:
    """Step 5: judge the ruling (with the settings' minimum rationale length and the case's
    review flags) and store it with its ``ruling-finalized`` entry; the draft goes.

    :raises PolicyError: listing every unmet condition (see :func:`framework.finalize_ruling`)
    """
    store = session.store
    with store.atomic():
        before = rows.load_case(store, invoice_id)
        after = framework.finalize_ruling(
            before, proposal, flags=queries.review_flags(session, before),
            min_chars=session.settings.min_rationale_chars, now=now)
        cases.write_changes(store, before, after, now)
        cases.record_ruling(store, after, now)
        assert after.ruling is not None
        return after.ruling


MAX_NOTES = 20_000


def save_notes(session: Session, invoice_id: int, text: str, *, now: int) -> None:
    """Keep the arbiter's notes on the off-chain documents (step 4) with the case, and log
    them (``notes-saved``) in the same transaction; unchanged notes write nothing.

    :raises PolicyError: notes longer than :data:`MAX_NOTES` characters
    :raises StoreError: if the store holds no such case
    """
    if len(text) > MAX_NOTES:
        raise PolicyError(f"notes are at most {MAX_NOTES} characters, not {len(text)}")
    store = session.store
    with store.atomic():
        rows.load_case(store, invoice_id)
        if rows.load_notes(store, invoice_id) == text:
            return
        store.conn.execute("INSERT INTO case_notes VALUES (?, ?, ?) ON CONFLICT (invoice_id) "
                           "DO UPDATE SET text = excluded.text, updated_at = excluded.updated_at",
                           (invoice_id, text, now))
        log.append(store, "notes-saved", {"step": int(Step.DOCUMENTS), "text": text},
                   invoice_id=invoice_id, at=now)
