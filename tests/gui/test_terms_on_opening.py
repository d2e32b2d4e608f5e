"""The case pane fetches a case's terms document on its first opening (the sync leaves it
pending): it says so while fetching, and offline it says the terms could not be fetched and
that the next opening tries again, with the case usable meanwhile."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest
from pytestqt.qtbot import QtBot

from arbiter_app import config
from arbiter_app.case.models import TermsState, TermsSummary
from arbiter_app.gui.tasks import Task
from arbiter_app.gui.views.case import CasePane
from arbiter_app.ipfs.cid import CID
from arbiter_app.services.session import Session
from arbiter_app.store import rows
from arbiter_app.store.db import Store
from tests.fixtures.store import make_invoice
from tests.gui.conftest import add_case

UNREACHABLE = "http://127.0.0.1:9"  # the discard port: nothing listens here


@pytest.fixture
def offline_session(fresh_store: Store) -> Iterator[Session]:
    """A session whose only IPFS gateway refuses every connection."""
    settings = config.Settings(data_dir=str(fresh_store.path.parent),
                               ipfs_gateways=(UNREACHABLE,))
    session = Session(settings)
    yield session
    session.close()


def test_terms_unreachable_on_opening_are_said_and_stay_pending(
        qtbot: QtBot, offline_session: Session) -> None:
    pending = TermsSummary(TermsState.PENDING, str(CID.raw_sha256(bytes.fromhex("ab" * 32))))
    add_case(offline_session, 7, invoice=make_invoice(7, terms=pending))  # hash "ab" * 32
    pane = CasePane(offline_session)
    qtbot.addWidget(pane)
    pane.resize(1000, 600)
    pane.show()
    pane.show_case(7)
    assert pane.fetching == 7
    assert pane.terms_note.text() == "Fetching the terms document…"
    qtbot.waitUntil(lambda: pane.fetching is None and not Task._running, timeout=20_000)
    note = pane.terms_note.text()
    assert note.startswith("The terms document could not be fetched (")
    assert note.endswith("It is fetched again the next time you open the case.")
    assert rows.load_case(offline_session.store, 7).invoice.terms.state is TermsState.PENDING
    assert pane.isEnabled() and pane.case is not None and pane.case.invoice.id == 7
    if os.environ.get("ARBITER_SCREENSHOT_DIR"):
        pane.grab().save(os.path.join(os.environ["ARBITER_SCREENSHOT_DIR"], "terms-offline.png"))


def test_a_case_with_its_terms_had_fetches_nothing_on_opening(
        qtbot: QtBot, offline_session: Session) -> None:
    add_case(offline_session, 8)  # terms verified already
    pane = CasePane(offline_session)
    qtbot.addWidget(pane)
    pane.show_case(8)
    assert pane.fetching is None and pane.terms_note.isHidden()


def test_a_case_opened_while_another_fetches_gets_its_own_fetch(
        qtbot: QtBot, offline_session: Session) -> None:
    pending = TermsSummary(TermsState.PENDING, str(CID.raw_sha256(bytes.fromhex("ab" * 32))))
    for invoice_id in (7, 8):
        add_case(offline_session, invoice_id, invoice=make_invoice(invoice_id, terms=pending))
    pane = CasePane(offline_session)
    qtbot.addWidget(pane)
    pane.show_case(7)
    pane.show_case(8)  # while 7's fetch runs
    qtbot.waitUntil(lambda: pane.fetching == 8, timeout=20_000)
    qtbot.waitUntil(lambda: pane.fetching is None and not Task._running, timeout=20_000)
    assert pane.terms_note.text().startswith("The terms document could not be fetched (")
