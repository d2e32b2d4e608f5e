"""Step 6: review the transaction, sign it on the Ledger, broadcast and confirm it, and the
states a ruling can be left in by the world.

The service's ``preview_ruling`` builds the transaction, :class:`FinalReviewDialog` shows it
decoded with every signature to come, and only then does ``execute_ruling`` run in a
:class:`Task` with the Qt device prompt (whose Cancel is the task's) and the reviewed preview.
The page says which state the case is in: not signed yet; a stored transaction to resume
(re-sent unchanged); a failed attempt (aborted, dropped or replaced, with its reason), after
which a new transaction of the same ruling is signed only after a fresh review, or step 5 is
reopened; executed without its receipt (issued later through ``issue_pending_receipt``);
done, with the receipt to show and the case bundle to save. Every attempt is listed with its
history, and the failed-transactions alert computed over the decision log is shown above them.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Generator
from typing import Any

from PySide6.QtWidgets import QHBoxLayout, QPushButton, QWidget

from arbiter_app.case.framework import CaseFile
from arbiter_app.case.models import Step, TransactionRecord
from arbiter_app.gui.errors import show_error
from arbiter_app.gui.prompts import QtDevicePrompt
from arbiter_app.gui.tasks import Task
from arbiter_app.gui.views.bundle_save import BundleSave
from arbiter_app.gui.views.receipt import ReceiptView
from arbiter_app.gui.views.review import FinalReviewDialog, ruling_words
from arbiter_app.gui.views.step_page import StepPage, plain
from arbiter_app.progress import CancelToken, Progress
from arbiter_app.services import alerts, publication, queries
from arbiter_app.services.ruling import (
    RulingPreview,
    execute_ruling,
    issue_pending_receipt,
    preview_ruling,
)
from arbiter_app.services.session import Session
from arbiter_app.text import display_name

Operation = Callable[[CancelToken, QtDevicePrompt], Generator[Progress, None, Any]]


class ExecutionPage(StepPage):
    """Step 6: sign on the Ledger, broadcast, confirm; recover from a failed attempt."""

    def __init__(self, session: Session, parent: QWidget | None = None) -> None:
        super().__init__(session, Step.EXECUTION, parent)
        self.summary = plain()
        self.state = plain()
        self.alert = plain()
        self.alert.setStyleSheet("color: #b00020; font-weight: bold")
        self.attempts = plain()
        self.published = plain()
        self.receipt_button = QPushButton("Show receipt")
        self.receipt_button.clicked.connect(self.on_show_receipt)
        self.issue_button = QPushButton("Issue the receipt…")
        self.issue_button.clicked.connect(self.on_issue_receipt)
        self.rule_again_button = QPushButton("Reopen step 5…")
        self.rule_again_button.clicked.connect(lambda: self.reopen_requested.emit(Step.RULING))
        self.complete_button.setText("Sign and broadcast…")
        self.review: FinalReviewDialog | None = None
        self.prompt: QtDevicePrompt | None = None
        self.receipt_view: Any = None
        self.bundle_save = BundleSave(session)
        buttons = QHBoxLayout()
        for button in (self.receipt_button, self.issue_button, self.rule_again_button):
            buttons.addWidget(button)
        buttons.addStretch(1)
        for widget in (self.summary, self.alert, self.state, self.attempts, self.published):
            self.body.addWidget(widget)
        self.body.addLayout(buttons)
        self.body.addWidget(self.bundle_save)
        self.body.addStretch(1)

    def fill(self, case: CaseFile) -> None:
        self.summary.setText(ruling_words(case) if case.ruling else "No ruling finalized yet.")
        now = int(time.time())
        alert = alerts.failure_rate_alert(queries.failed_transaction_times(
            self.session, now - alerts.FAILURE_WINDOW), now)
        self.alert.setText(f"Alert: {alert.text}" if alert else "")
        self.alert.setVisible(alert is not None)
        self.attempts.setText("\n".join(_attempt_lines(case.attempts)))
        self.published.setText("\n".join(
            publication.describe(p) for p in publication.for_case(self.session, case.invoice.id)))
        receipt = queries.load_receipt(self.session, case.invoice.id)
        executed = Step.EXECUTION in case.completed
        failed = case.failed_attempt
        self.receipt_button.setVisible(receipt is not None)
        self.bundle_save.load(case.invoice.id, receipt is not None)
        self.issue_button.setVisible(executed and receipt is None)
        self.rule_again_button.setVisible(failed is not None)
        self.complete_button.setText("Sign and broadcast…")
        if executed:
            self.state.setText("The ruling is executed." if receipt is not None else
                               "The ruling is executed, but its receipt was not signed: "
                               "issue it now.")
        elif failed is not None:
            self.state.setText(
                f"The ruling transaction failed: {display_name(failed.reason, 300)}. The case "
                "is back at step 6: review and sign a new transaction for the same ruling "
                "(same rationale), or reopen step 5 if the facts changed.")
            self.complete_button.setText("Review and sign a new transaction…")
        elif case.transaction is not None:
            self.state.setText("A signed transaction is stored: resuming sends the same bytes "
                               "again and follows it.")
            self.complete_button.setText("Resume broadcast…")
            self.complete_button.setEnabled(case.current is Step.EXECUTION)
        else:
            self.state.setText("")

    def on_complete(self) -> None:
        case = self.case
        if case is None:
            return
        if case.transaction is not None:
            self.execute(case)  # resuming re-sends the stored bytes: nothing new to review
            return
        session, invoice_id = self.session, case.invoice.id
        self.run(lambda token: previewed(session, invoice_id, token),
                 "Preparing the transaction", self.on_previewed)

    def on_previewed(self, preview: RulingPreview) -> None:
        self.review = FinalReviewDialog(preview, self.window())
        self.review.accepted.connect(lambda: self.execute(self.case, preview))
        self.review.open()

    def execute(self, case: CaseFile | None, reviewed: RulingPreview | None = None) -> None:
        """Run the service's execute-ruling generator with the Qt device prompt.

        :param reviewed: the preview the user approved (``None`` when resuming a stored
            transaction, which is re-sent unchanged)
        """
        if case is None:
            return
        session, invoice_id = self.session, case.invoice.id
        self.run_with_device(lambda token, prompt: execute_ruling(
            session, invoice_id, token, prompt=prompt, reviewed=reviewed),
            "Executing the ruling", self.on_executed)

    def on_issue_receipt(self) -> None:
        """Ask the device for the receipt's signature that was refused or interrupted."""
        if self.case is None:
            return
        session, invoice_id = self.session, self.case.invoice.id
        self.run_with_device(lambda token, prompt: issue_pending_receipt(
            session, invoice_id, token, prompt=prompt), "Issuing the receipt", self.on_executed)

    def run_with_device(self, operation: Operation, title: str,
                     done: Callable[[Any], None]) -> None:
        """Run ``operation`` in a task whose device prompt stacks above its progress dialog
        and whose Cancel is the task's. Each signature is named by the service itself."""
        task = Task(lambda token: operation(token, prompt), parent=self.window())
        prompt = self.prompt = QtDevicePrompt(self.window(), task.token).attach(task)
        task.on_success(done).on_failure(self.on_failed).with_progress(title).run()

    def on_executed(self, result: Any) -> None:
        self.changed.emit()
        self.on_show_receipt()

    def on_failed(self, error: BaseException) -> None:
        if self.prompt is not None:
            self.prompt.on_finished()
        self.changed.emit()
        show_error(error, self.window())

    def on_show_receipt(self) -> None:
        if self.case is None:
            return
        receipt = queries.load_receipt(self.session, self.case.invoice.id)
        if receipt is not None:
            ruling = self.case.ruling
            self.receipt_view = ReceiptView(receipt.document, self.window(),
                                            ruling.rationale if ruling is not None else None)
            self.receipt_view.open()


def _attempt_lines(attempts: tuple[TransactionRecord, ...]) -> list[str]:
    """Every attempt with its history, oldest first."""
    lines = []
    for n, tx in enumerate(attempts, 1):
        lines.append(f"Attempt {n}: transaction {tx.txid}: {tx.status.value}")
        lines += [f"  {time.strftime('%H:%M:%S', time.gmtime(e.at))} {e.status.value} "
                  f"{display_name(e.detail, 300)}" for e in tx.history]
    return lines


def previewed(session: Session, invoice_id: int, token: CancelToken
              ) -> Generator[Progress, None, RulingPreview]:
    """The service's :func:`~arbiter_app.services.ruling.preview_ruling` as a task: the
    transaction the review shows is built by the same code that builds the signed one."""
    yield Progress("building the ruling transaction", 0, 1)
    token.check()
    return preview_ruling(session, invoice_id)
