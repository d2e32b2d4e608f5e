"""Step 6 over a real store, in each state the world can leave a ruling in: a failed attempt
(back at step 6: sign anew after a fresh review, or reopen step 5), a stored transaction to
resume, executed without its receipt (issue it later), and the failed-transactions alert.
The states are written by the store's own writers, as the ruling service writes them; each
page is rendered offscreen to a PNG (``ARBITER_SCREENSHOTS`` names a directory to keep them)."""

from __future__ import annotations

import os
import time
from pathlib import Path

from pytestqt.qtbot import QtBot

from arbiter_app.case.models import Step, TxStatus
from arbiter_app.gui.views.case import CasePane
from arbiter_app.gui.views.execution import ExecutionPage
from arbiter_app.services.session import Session
from arbiter_app.store import execution, log
from tests.fixtures.store import T0, walk_case

TXID_A, TXID_B = "a" * 64, "b" * 64
ABORT = 'abort_by_response server said: "(err u101)"'


def page_for(qtbot: QtBot, session: Session, tmp_path: Path, name: str) -> CasePane:
    pane = CasePane(session)
    qtbot.addWidget(pane)
    pane.resize(900, 640)
    pane.show_case(1)
    pane.steps.setCurrentRow(5)
    pane.show()
    qtbot.waitExposed(pane)
    folder = Path(os.environ.get("ARBITER_SCREENSHOTS", tmp_path))
    assert pane.grab().save(str(folder / f"execution-{name}.png"))
    return pane


def failed_once(session: Session) -> None:
    store = session.store
    walk_case(store, 1, Step.RULING)
    execution.record_rationale(store, 1, rationale_hash="c" * 64, rationale_cid="bafkrei",
                               now=T0 + 6)
    execution.record_transaction(store, 1, txid=TXID_A, raw_hex="00", now=T0 + 7)
    execution.update_transaction(store, TXID_A, TxStatus.BROADCAST, now=T0 + 8)
    execution.update_transaction(store, TXID_A, TxStatus.ABORTED, now=T0 + 9, detail=ABORT,
                                 block_height=160)


def test_a_failed_attempt_offers_a_fresh_review_or_step_5(qtbot: QtBot, local_session: Session,
                                                          tmp_path: Path) -> None:
    failed_once(local_session)
    pane = page_for(qtbot, local_session, tmp_path, "failed")
    page = pane.pages[Step.EXECUTION]
    assert isinstance(page, ExecutionPage)
    assert "failed" in page.state.text() and "(err u101)" in page.state.text()
    assert page.complete_button.text() == "Review and sign a new transaction…"
    assert page.complete_button.isEnabled()
    assert page.rule_again_button.isVisibleTo(page) and not page.issue_button.isVisibleTo(page)
    assert f"Attempt 1: transaction {TXID_A}: aborted" in page.attempts.text()
    assert pane.pages[Step.RULING].reopen_button.isEnabled()  # the facts may have changed


def test_a_stored_attempt_resumes_and_an_executed_one_issues_its_receipt(
        qtbot: QtBot, local_session: Session, tmp_path: Path) -> None:
    failed_once(local_session)
    store = local_session.store
    execution.record_transaction(store, 1, txid=TXID_B, raw_hex="00", now=T0 + 10)
    pane = page_for(qtbot, local_session, tmp_path, "resume")
    page = pane.pages[Step.EXECUTION]
    assert isinstance(page, ExecutionPage)
    assert page.complete_button.text() == "Resume broadcast…"
    assert not page.rule_again_button.isVisibleTo(page)
    assert "Attempt 2: transaction " + TXID_B in page.attempts.text()
    assert not pane.pages[Step.RULING].reopen_button.isEnabled()  # one is on its way
    execution.update_transaction(store, TXID_B, TxStatus.SUCCESS, now=T0 + 11, block_height=170)
    pane.show_case(1)
    pane = page_for(qtbot, local_session, tmp_path, "receipt-pending")
    page = pane.pages[Step.EXECUTION]
    assert isinstance(page, ExecutionPage)
    assert "receipt was not signed" in page.state.text()
    assert page.issue_button.isVisibleTo(page) and not page.receipt_button.isVisibleTo(page)


def test_more_than_three_failures_in_an_hour_raise_the_alert(qtbot: QtBot, local_session: Session,
                                                            tmp_path: Path) -> None:
    failed_once(local_session)
    store = local_session.store
    now = int(time.time())
    with store.atomic():
        for n in range(4):
            log.append(store, "transaction-failed", {"txid": str(n), "status": "aborted"},
                       invoice_id=1, at=now - 60 * n)
    pane = page_for(qtbot, local_session, tmp_path, "alert")
    page = pane.pages[Step.EXECUTION]
    assert isinstance(page, ExecutionPage)
    assert page.alert.isVisibleTo(page)
    assert page.alert.text().startswith("Alert: 4 release/refund transactions failed")
