"""Steps 1-5 on a session: each judged by the framework and written with its log entries in
one transaction; drafts kept as typed and given back when a ruling is reopened; the facts the
steps are judged on (past dealings, review flags) come from the store."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from arbiter_app.case.models import Decision, Draft, EvidenceState, ReviewFlag, Step
from arbiter_app.errors import PolicyError
from arbiter_app.services import queries, steps
from arbiter_app.services.session import Session
from arbiter_app.store import cases, execution, log, rows
from arbiter_app.store.db import Store
from tests.fixtures.store import (
    PAYER,
    RATIONALE,
    T0,
    index_invoice,
    make_dispute,
    make_invoice,
    proposal,
    session_on,
    walk_case,
)


@pytest.fixture
def store(fresh_store: Store) -> Store:
    return fresh_store


@pytest.fixture
def session(fresh_store: Store) -> Iterator[Session]:
    yield session_on(fresh_store)


def kinds(store: Store, invoice_id: int) -> list[str]:
    return [e.kind for e in log.entries(store, invoice_id=invoice_id)]


def test_a_refused_ruling_writes_nothing_and_a_late_draft_is_not_kept(
        store: Store, session: Session) -> None:
    walk_case(store, 1, Step.DOCUMENTS)
    size = log.head(store)
    with pytest.raises(PolicyError, match="at least 300"):
        steps.finalize_ruling(session, 1, proposal(1, rationale="short"), now=T0)
    assert log.head(store) == size and rows.load_ruling(store, 1) is None
    steps.finalize_ruling(session, 1, proposal(1), now=T0)
    steps.save_draft(session, Draft(1, "typed before the ruling landed", None, (), T0 + 1))
    assert rows.load_draft(store, 1) is None


def test_drafts_are_saved_as_typed_and_a_reopened_ruling_returns_to_the_editor(
        store: Store, session: Session) -> None:
    walk_case(store, 1, Step.DOCUMENTS)
    for n in (10, 50, 120):
        steps.save_draft(session, Draft(1, RATIONALE[:n], Decision.REFUND, (), T0 + n))
    draft = rows.load_draft(store, 1)
    assert draft is not None and draft.text == RATIONALE[:120]
    assert draft.decision is Decision.REFUND
    steps.finalize_ruling(session, 1, proposal(1), now=T0)
    assert rows.load_draft(store, 1) is None
    steps.reopen_step(session, 1, Step.CHAIN, now=T0 + 9)
    back = rows.load_draft(store, 1)
    assert back is not None and back.text == RATIONALE
    assert rows.load_case(store, 1).completed == {Step.TERMS, Step.EVIDENCE}
    assert kinds(store, 1)[-3:] == ["step-reopened"] * 3


def test_evidence_marked_unavailable_needs_a_reason(store: Store, session: Session) -> None:
    cases.sync_dispute(store, make_invoice(1), make_dispute(1), now=T0)
    with pytest.raises(PolicyError, match="needs a reason"):
        steps.mark_evidence_unavailable(session, 1, 0, reason=" ", now=T0)
    item = steps.mark_evidence_unavailable(session, 1, 0, reason="no provider", now=T0)
    assert item.state is EvidenceState.UNAVAILABLE and item.resolved


def test_past_dealings_must_be_shown_beside_the_declaration_and_are_logged_with_it(
        store: Store, session: Session) -> None:
    walk_case(store, 1, Step.RULING)
    cases.sync_dispute(store, make_invoice(2), make_dispute(2), now=T0)
    index_invoice(store, make_invoice(2), 200)
    with pytest.raises(PolicyError, match="past dealing"):
        steps.complete_terms(session, 2, no_conflict=True, dealings_shown=[], now=T0)
    steps.complete_terms(session, 2, no_conflict=True, dealings_shown=[1], now=T0)
    declared = log.entries(store, invoice_id=2)[-1]
    assert declared.kind == "conflict-declared"
    assert [d["invoice_id"] for d in declared.data["dealings_shown"]] == [1]
    assert declared.data["counts"]["as arbiter"] == 1


def test_review_flags_come_from_the_party_index(store: Store, session: Session) -> None:
    cases.sync_dispute(store, make_invoice(1), make_dispute(1), now=T0)
    case = rows.load_case(store, 1)
    assert queries.review_reasons(session, case) == [(
        ReviewFlag.FIRST_TIME_PAYER,
        "The payer is new: invoice 1 is not in the party index of escrow-secure yet "
        "(sync to fill it).")]
    index_invoice(store, make_invoice(1), 150)
    assert queries.review_reasons(session, case)[0][1] == (
        "The payer is new: no invoice from this payer before block 150 in escrow-secure.")
    execution.flag_party(store, PAYER, suspicious=True, note="reported", now=T0)
    cases.sync_dispute(store, make_invoice(2, amount=11 * 10**8), make_dispute(2), now=T0)
    index_invoice(store, make_invoice(2, amount=11 * 10**8), 151)
    assert queries.review_flags(session, rows.load_case(store, 2)) == (
        ReviewFlag.LARGE_AMOUNT, ReviewFlag.SUSPICIOUS_ADDRESS)


def test_step_4_notes_are_kept_with_the_case_logged_and_survive_a_restart(
        store: Store, session: Session) -> None:
    from arbiter_app.store.db import open_store

    walk_case(store, 1, Step.CHAIN)
    steps.save_notes(session, 1, "The terms' milestone 2 was waived by email.", now=T0)
    steps.save_notes(session, 1, "The terms' milestone 2 was waived by email.", now=T0 + 1)
    with pytest.raises(PolicyError, match="at most 20000 characters"):
        steps.save_notes(session, 1, "x" * 20_001, now=T0 + 2)
    saved = [e for e in log.entries(store, invoice_id=1) if e.kind == "notes-saved"]
    assert [e.data for e in saved] == [
        {"step": 4, "text": "The terms' milestone 2 was waived by email."}]
    path = store.path
    store.close()
    with open_store(path) as reopened:
        assert queries.load_notes(session_on(reopened), 1) == (
            "The terms' milestone 2 was waived by email.")
