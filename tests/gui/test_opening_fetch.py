"""The case pane fetches a case's terms document and evidence on its first opening (the sync
leaves them pending): it says what it fetches, then shows the case with what was verified and
says what was not; offline it says they could not be fetched and that the next opening tries
again, with the case usable meanwhile."""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from arbiter_app import config
from arbiter_app.case.models import Dispute, EvidenceState, Step, TermsState, TermsSummary
from arbiter_app.devnet.launcher import Devnet
from arbiter_app.gui.models.evidence import STATE_ROLE
from arbiter_app.gui.tasks import Task
from arbiter_app.gui.views.case import CasePane
from arbiter_app.gui.views.ruling import RulingPage
from arbiter_app.gui.views.steps import EvidencePage
from arbiter_app.ipfs.cid import CID
from arbiter_app.progress import run_to_end
from arbiter_app.retry import Backoff
from arbiter_app.services.session import Session
from arbiter_app.services.sync import sync_disputes
from arbiter_app.store import cases, rows
from arbiter_app.store.db import Store
from tests.fixtures.store import T0, make_dispute, make_invoice
from tests.gui.conftest import add_case, close_after_tasks
from tests.integration.services.helpers import devnet_settings, short_session

UNREACHABLE = "http://127.0.0.1:9"  # the discard port: nothing listens here
AGAIN = "What could not be fetched is fetched again the next time you open the case."


@pytest.fixture
def offline_session(fresh_store: Store) -> Iterator[Session]:
    """A session whose only IPFS gateway refuses every connection."""
    settings = config.Settings(data_dir=str(fresh_store.path.parent),
                               ipfs_gateways=(UNREACHABLE,))
    session = Session(settings)
    session.fetcher.retry = Backoff(attempts=2, base=0.01, cap=0.01)
    yield session
    close_after_tasks(session)


def pending_terms() -> TermsSummary:
    return TermsSummary(TermsState.PENDING, str(CID.raw_sha256(bytes.fromhex("ab" * 32))))


def new_dispute(invoice_id: int, evidence: int) -> Dispute:
    """A dispute as a sync stores it: its items pending, each naming a well-formed CID."""
    dispute = make_dispute(invoice_id, evidence)
    items = tuple(dataclasses.replace(e, manifest_cid=str(CID.raw_sha256(bytes([e.index]) * 32)))
                  for e in dispute.evidence)
    return dataclasses.replace(dispute, evidence=items)


def opened_pane(qtbot: QtBot, session: Session, invoice_id: int) -> CasePane:
    pane = CasePane(session)
    qtbot.addWidget(pane)
    pane.resize(1000, 600)
    pane.show()
    pane.show_case(invoice_id)
    return pane


def settled(qtbot: QtBot, pane: CasePane) -> None:
    qtbot.waitUntil(lambda: pane.fetching is None and not Task._running, timeout=30_000)


def evidence_states(pane: CasePane) -> list[str]:
    page = pane.pages[Step.EVIDENCE]
    assert isinstance(page, EvidencePage)
    return [page.model.data(page.model.index(row, 0), STATE_ROLE)
            for row in range(page.model.rowCount())]


def snapshot(pane: CasePane, name: str) -> None:
    if os.environ.get("ARBITER_SCREENSHOT_DIR"):
        pane.grab().save(os.path.join(os.environ["ARBITER_SCREENSHOT_DIR"], name))


def test_terms_and_evidence_unreachable_on_opening_are_said_and_stay_pending(
        qtbot: QtBot, offline_session: Session) -> None:
    cases.sync_dispute(offline_session.store, make_invoice(7, terms=pending_terms()),
                       new_dispute(7, evidence=2), now=T0)
    pane = opened_pane(qtbot, offline_session, 7)
    assert pane.fetching == 7
    assert pane.opening_note.text() == "Fetching the terms document and 2 evidence items…"
    settled(qtbot, pane)
    note = pane.opening_note.text()
    assert note.startswith("The terms document could not be verified (unavailable: ")
    assert "Evidence #0, #1 could not be fetched (no IPFS source can be reached: " in note
    assert note.endswith(AGAIN)
    stored = rows.load_case(offline_session.store, 7)
    assert stored.invoice.terms.state is TermsState.PENDING
    assert {e.state for e in stored.dispute.evidence} == {EvidenceState.PENDING}
    assert evidence_states(pane) == ["pending", "pending"]
    assert pane.isEnabled() and pane.case is not None and pane.case.invoice.id == 7
    snapshot(pane, "opening-offline.png")


def test_a_case_with_everything_had_fetches_nothing_on_opening(
        qtbot: QtBot, offline_session: Session) -> None:
    add_case(offline_session, 8)  # terms and evidence verified already
    pane = CasePane(offline_session)
    qtbot.addWidget(pane)
    pane.show_case(8)
    assert pane.fetching is None and pane.opening_note.isHidden()


def test_a_case_opened_while_another_fetches_gets_its_own_fetch(
        qtbot: QtBot, offline_session: Session) -> None:
    for invoice_id in (7, 8):
        add_case(offline_session, invoice_id,
                 invoice=make_invoice(invoice_id, terms=pending_terms()))
    pane = CasePane(offline_session)
    qtbot.addWidget(pane)
    pane.show_case(7)
    pane.show_case(8)  # while 7's fetch runs
    assert pane.fetching == 7 and pane.opening_note.isHidden()
    settled(qtbot, pane)  # 7's fetch, then 8's (offline, each may end at once: not waited on)
    # Only 8's own fetch can say this: 7's result is not shown while 8 is open.
    assert pane.case is not None and pane.case.invoice.id == 8
    assert pane.opening_note.text().startswith("The terms document could not be verified (")
    assert not pane.opening_note.isHidden()


def test_the_first_opening_verifies_the_evidence_a_sync_left_pending(
        qtbot: QtBot, devnet: Devnet, tmp_path: Path) -> None:
    chat = devnet.seed_summary()["files"]["chat-log-payer.txt"]["cid"]
    devnet.set_faults(withhold_blocks=[chat])  # evidence #0 of invoice 101: no source has it
    settings = devnet_settings(devnet, tmp_path / "data")
    with short_session(settings) as synced:
        run_to_end(sync_disputes(synced, arbiter=devnet.accounts["arbiter_1"]))
    session = short_session(settings)
    try:
        pending = rows.load_case(session.store, 101).dispute.evidence
        assert {e.state for e in pending} == {EvidenceState.PENDING} and len(pending) > 1
        pane = opened_pane(qtbot, session, 101)
        assert pane.opening_note.text() == (
            f"Fetching the terms document and {len(pending)} evidence items…")
        ruling = pane.pages[Step.RULING]
        assert isinstance(ruling, RulingPage) and ruling.cited == {}  # nothing to cite yet
        pane.show_step(Step.EVIDENCE)
        snapshot(pane, "opening-fetching.png")
        settled(qtbot, pane)
        note = pane.opening_note.text()
        assert note.startswith("Evidence #0 (payer) is unavailable: not available from IPFS")
        assert AGAIN not in note  # nothing is left pending
        states = evidence_states(pane)
        assert states[0].startswith("unavailable(not available from IPFS")
        assert states[1:] == ["verified"] * (len(pending) - 1)
        stored = rows.load_case(session.store, 101)
        assert stored.invoice.terms.state is TermsState.VERIFIED
        assert [dataclasses.replace(e, state=EvidenceState.PENDING, reason="", title="",
                                    files=()) for e in stored.dispute.evidence] == list(pending)
        assert list(ruling.cited) == [e.manifest_cid for e in stored.dispute.evidence[1:]]
        snapshot(pane, "opening-fetched.png")
    finally:
        close_after_tasks(session)
