"""The review policy in the window: step 1 lists the past dealings compactly (a scrollable
list under its counts) from the party index, step 5 names why each flag was raised (what was
searched, which party is listed and why), and the suspicious-address dialog adds, removes,
exports and imports through the service, each change logged."""

from __future__ import annotations

import os
from pathlib import Path

from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from arbiter_app.case.models import ReviewFlag, Step
from arbiter_app.gui.tasks import Task
from arbiter_app.gui.views.case import CasePane
from arbiter_app.gui.views.suspicious import SuspiciousDialog
from arbiter_app.services import suspicious
from arbiter_app.services.session import Session
from arbiter_app.store import log
from tests.fixtures.store import ARBITER, PAYEE, PAYER, T0, index_invoice, make_invoice
from tests.gui.conftest import add_case

SHOTS = os.environ.get("ARBITER_SHOTS")  # a folder to save the pages to, for a person to look


def shot(widget: object, name: str) -> None:
    if SHOTS:
        widget.grab().save(str(Path(SHOTS) / f"{name}.png"))  # type: ignore[attr-defined]


def idle(qtbot: QtBot) -> None:
    qtbot.waitUntil(lambda: not Task._running, timeout=10_000)


def test_step_1_lists_every_dealing_with_counts_and_step_5_says_why_each_flag(
        qtbot: QtBot, local_session: Session) -> None:
    add_case(local_session, 500)
    index_invoice(local_session.store, make_invoice(500), 900)
    for n in range(1, 41):  # 40 earlier dealings: a list to scroll, not a wall of text
        payer, arbiter = (ARBITER, "ST3AM1A56AK2C1XAFJ4115ZSV26EB49BVQ10MGCS0") if n % 4 == 0 \
            else (PAYER, ARBITER)
        index_invoice(local_session.store,
                      make_invoice(n, payer=payer, payee=PAYEE, arbiter=arbiter), n)
    suspicious.flag(local_session, PAYEE, "reported for fake delivery notes", now=T0)
    pane = CasePane(local_session)
    qtbot.addWidget(pane)
    pane.resize(900, 700)
    pane.show_case(500)
    pane.show()
    terms = pane.pages[Step.TERMS]
    listed = terms.dealings_list  # type: ignore[attr-defined]
    assert listed.count() == 40 and listed.maximumHeight() <= 140
    assert "40 invoice(s): 30 as arbiter, 10 as payer, 0 as payee" in (
        terms.dealings.text())  # type: ignore[attr-defined]
    assert listed.item(3).text().startswith("invoice 4 · you as payer")
    shot(pane, "step1-past-dealings")
    pane.steps.setCurrentRow(4)
    page = pane.pages[Step.RULING]
    texts = page.flag_reasons  # type: ignore[attr-defined]
    assert set(texts) == {ReviewFlag.SUSPICIOUS_ADDRESS}  # payer paid 30 times before
    assert f"the payee {PAYEE} is on your suspicious list" in texts[
        ReviewFlag.SUSPICIOUS_ADDRESS]
    shot(pane, "step5-flags")


def test_the_suspicious_dialog_adds_removes_exports_and_imports(
        qtbot: QtBot, local_session: Session, tmp_path: Path) -> None:
    dialog = SuspiciousDialog(local_session)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.keyClicks(dialog.address, PAYER)
    qtbot.keyClicks(dialog.reason, "reported by two arbiters")
    qtbot.keyClick(dialog.reason, Qt.Key.Key_Return)
    idle(qtbot)
    dialog.address.setText(PAYEE)
    dialog.reason.setText("fake delivery notes")
    dialog.on_add()
    idle(qtbot)
    assert dialog.entries.count() == 2
    shot(dialog, "suspicious-dialog")
    exported = tmp_path / "shared.json"
    dialog.on_export(str(exported))
    idle(qtbot)
    dialog.entries.setCurrentRow(0)
    dialog.on_remove()
    idle(qtbot)
    assert dialog.entries.count() == 1
    dialog.on_import(str(exported))
    idle(qtbot)
    assert dialog.entries.count() == 2
    changes = [e.data["suspicious"] for e in log.entries(local_session.store)
               if e.kind == "party-flagged"]
    assert changes == [True, True, False, True]


def test_step_3_shows_the_escrow_balance_beside_what_it_holds_and_fails_when_short(
        qtbot: QtBot, local_session: Session) -> None:
    from arbiter_app.case.models import ChainChecks

    add_case(local_session, 9)
    pane = CasePane(local_session)
    qtbot.addWidget(pane)
    pane.resize(900, 500)
    pane.show_case(9)
    pane.show()
    pane.steps.setCurrentRow(2)
    page = pane.pages[Step.CHAIN]
    short = ChainChecks(True, False, True, False, True, 5000, 150, PAYER,
                        escrow_balance=249_999_999, escrow_held=250_000_000)
    page.show_checks(short)  # type: ignore[attr-defined]
    lines = [page.list.item(i).text() for i in range(page.list.count())]  # type: ignore[attr-defined]
    assert lines[1] == ("✗  The escrow's token balance (2.49999999 sBTC) covers what it holds "
                        "in escrow (2.50000000 sBTC)")
    shot(pane, "step3-deposit-check")


def test_step_4_notes_are_saved_with_the_case_and_shown_after_a_restart(
        qtbot: QtBot, local_session: Session) -> None:
    from arbiter_app import config

    add_case(local_session, 11)
    pane = CasePane(local_session)
    qtbot.addWidget(pane)
    pane.resize(900, 500)
    pane.show_case(11)
    page = pane.pages[Step.DOCUMENTS]
    page.notes.setPlainText("Milestone 2 was waived by email (see the chat log).")  # type: ignore[attr-defined]
    qtbot.mouseClick(page.save_notes_button, Qt.MouseButton.LeftButton)  # type: ignore[attr-defined]
    idle(qtbot)
    assert [e.kind for e in log.entries(local_session.store, invoice_id=11)][-1] == "notes-saved"
    again = Session(config.Settings(data_dir=str(local_session.store.path.parent)))
    try:
        fresh = CasePane(again)
        qtbot.addWidget(fresh)
        fresh.resize(900, 500)
        fresh.show_case(11)
        fresh.show()
        fresh.steps.setCurrentRow(3)
        notes = fresh.pages[Step.DOCUMENTS].notes.toPlainText()  # type: ignore[attr-defined]
        assert notes == "Milestone 2 was waived by email (see the chat log)."
        shot(fresh, "step4-notes")
    finally:
        again.close()
