"""One case through the desktop app on a fresh devnet with the emulated Ledger: sync, open the
evidence in the viewer, complete steps 1–5 with clicks, sign after the final review (the
device first refuses: the error is shown and nothing is stored; then it approves), see the
"Confirm on your Ledger" prompt, and end with a confirmed ruling and its receipt.
The devnet (Clarity VM, stacks.js decoder) is what accepts the signature, not the app."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox
from pytestqt.qtbot import QtBot

from arbiter_app.case.models import EvidenceState, Step, TxStatus
from arbiter_app.devnet.launcher import Devnet
from arbiter_app.gui.main_window import MainWindow
from arbiter_app.gui.tasks import Task
from arbiter_app.gui.views.documents import DocumentsPage
from arbiter_app.gui.views.execution import ExecutionPage
from arbiter_app.gui.views.receipt import ReceiptView
from arbiter_app.gui.views.review import FinalReviewDialog
from arbiter_app.gui.views.ruling import RulingPage
from arbiter_app.gui.views.steps import ChainPage, EvidencePage, TermsPage
from arbiter_app.services.session import Session
from arbiter_app.services.signatures import BINDING, UNLOCK
from arbiter_app.store import rows
from tests.integration.services.helpers import RATIONALE, devnet_settings

CASE = 101
LONG = 60_000


def click(qtbot: QtBot, button: Any) -> None:
    assert button.isEnabled(), button.text()
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)


def idle(qtbot: QtBot) -> None:
    qtbot.waitUntil(lambda: not Task._running, timeout=LONG)


def sign_after_review(qtbot: QtBot, execution: ExecutionPage) -> FinalReviewDialog:
    """Press "Sign and broadcast", read the final review, confirm it and sign."""
    execution.review = None
    click(qtbot, execution.complete_button)
    qtbot.waitUntil(lambda: execution.review is not None, timeout=LONG)
    review = execution.review
    assert review is not None
    assert not review.sign.isEnabled()  # not before the explicit confirmation
    click(qtbot, review.confirm)
    click(qtbot, review.sign)
    return review


def done(session: Session, step: Step) -> bool:
    return step in rows.load_case(session.store, CASE).completed


def test_a_case_from_sync_to_a_confirmed_ruling(
        qtbot: QtBot, fresh_devnet: Devnet, ledger: Any, tmp_path: Path) -> None:
    settings = devnet_settings(fresh_devnet, tmp_path / "data", ledger.ledger)
    session = Session(settings, timeout=httpx.Timeout(10.0, connect=2.0))
    window = MainWindow(session, sync_on_start=True)
    qtbot.addWidget(window)
    window.show()
    with qtbot.waitSignal(window.synced, timeout=LONG):
        pass
    idle(qtbot)
    assert window.signer_address == ledger.arbiter_address
    window.queue.select(CASE)
    idle(qtbot)  # the case's first opening fetches its terms document
    pane = window.case_pane
    assert pane.case is not None and pane.case.invoice.id == CASE

    terms = pane.pages[Step.TERMS]
    assert isinstance(terms, TermsPage)
    click(qtbot, terms.no_conflict)
    click(qtbot, terms.complete_button)
    idle(qtbot)
    assert done(session, Step.TERMS)

    evidence = pane.pages[Step.EVIDENCE]
    assert isinstance(evidence, EvidencePage)
    pane.steps.setCurrentRow(1)
    for row in range(evidence.proxy.rowCount()):
        evidence.table.selectRow(row)
        click(qtbot, evidence.open_button)
        qtbot.waitUntil(lambda: evidence.viewer is not None and evidence.viewer.isVisible(),
                        timeout=LONG)
        assert evidence.viewer is not None and evidence.viewer.files
        qtbot.waitUntil(lambda: bool(evidence.viewer and evidence.viewer.shown_files),
                        timeout=LONG)  # the opening is logged once the content is on screen
        idle(qtbot)
        evidence.viewer.close()
        evidence.viewer = None
        idle(qtbot)
    opened = rows.load_case(session.store, CASE).dispute.evidence
    assert all(e.opened_at is not None for e in opened if e.state is EvidenceState.VERIFIED)
    click(qtbot, evidence.complete_button)
    idle(qtbot)
    assert done(session, Step.EVIDENCE)

    chain = pane.pages[Step.CHAIN]
    assert isinstance(chain, ChainPage)
    click(qtbot, chain.read_button)
    qtbot.waitUntil(lambda: chain.checks is not None, timeout=LONG)
    assert chain.checks is not None and not chain.checks.failures()
    click(qtbot, chain.complete_button)
    idle(qtbot)
    qtbot.waitUntil(lambda: done(session, Step.CHAIN), timeout=LONG)

    documents = pane.pages[Step.DOCUMENTS]
    assert isinstance(documents, DocumentsPage)
    for row in range(documents.documents.count()):
        documents.documents.setCurrentRow(row)
        click(qtbot, documents.open_button)
        idle(qtbot)
        shown = documents.shown
        assert shown is not None and shown.cid in documents.consulted
        assert "{" not in " ".join(f.value for f in shown.fields)  # fields, never JSON
        if shown.files:  # the dispute reason's statement opens in the viewer
            click(qtbot, documents.open_file_button)
            idle(qtbot)
            assert documents.viewer is not None and documents.viewer.shown_files
            documents.viewer.close()
    click(qtbot, documents.confirmed)
    click(qtbot, documents.complete_button)
    idle(qtbot)
    assert done(session, Step.DOCUMENTS)

    ruling = pane.pages[Step.RULING]
    assert isinstance(ruling, RulingPage)
    pane.steps.setCurrentRow(4)
    click(qtbot, ruling.release)
    ruling.rationale.setPlainText(RATIONALE[:-1])
    qtbot.keyClicks(ruling.rationale, RATIONALE[-1])
    for box in [*ruling.cited.values()][:1] + list(ruling.flags.values()):
        click(qtbot, box)
    assert ruling.problems.text() == "Ready to finalize."
    click(qtbot, ruling.complete_button)
    idle(qtbot)
    assert done(session, Step.RULING)

    execution = pane.pages[Step.EXECUTION]
    assert isinstance(execution, ExecutionPage)
    pane.steps.setCurrentRow(5)

    # First the device says no: the error is shown, nothing is stored, step 6 stays open.
    ledger.mode = "reject"
    review = sign_after_review(qtbot, execution)
    text = review.details.toPlainText()
    assert "resolve-dispute" in text and f"invoice-id: u{CASE}" in text and "deny mode" in text
    qtbot.waitUntil(lambda: bool(window.findChildren(QMessageBox)), timeout=LONG)
    idle(qtbot)
    box = window.findChildren(QMessageBox)[0]
    assert "reject" in box.text().lower() and box.textFormat() is Qt.TextFormat.PlainText
    box.close()
    assert rows.load_transaction(session.store, CASE) is None
    assert execution.prompt is not None and execution.prompt.message is None  # closed again

    ledger.mode = "approve"
    sign_after_review(qtbot, execution)
    qtbot.waitUntil(lambda: done(session, Step.EXECUTION), timeout=LONG)
    idle(qtbot)

    assert execution.prompt is not None
    inv = rows.load_case(session.store, CASE).invoice
    headlines = [text.splitlines()[0] for text in execution.prompt.shown]
    assert headlines == [
        f"Confirm on your Ledger: release 0.2 sBTC to {inv.payee}, invoice {CASE}",
        f"Confirm on your Ledger: {UNLOCK}",
        f"Confirm on your Ledger: {BINDING}",
        f"Confirm on your Ledger: the ruling receipt for invoice {CASE}",
    ]
    assert all("The Ledger asks you to review " in text for text in execution.prompt.shown)
    assert ledger.display_log, "the emulated device displayed nothing"
    record = rows.load_transaction(session.store, CASE)
    assert record is not None and record.status is TxStatus.SUCCESS
    assert execution.receipt_view is not None and execution.receipt_view.isVisible()
    assert ("Invoice", str(CASE)) in execution.receipt_view.facts()
    document = execution.receipt_view.document
    tampered = ReceiptView(document.replace(f":{inv.amount},", f":{inv.amount * 10},", 1))
    qtbot.addWidget(tampered)
    assert tampered.document != document and tampered.facts()[0][0] == "Not verified"
    window.close()
    session.close()
