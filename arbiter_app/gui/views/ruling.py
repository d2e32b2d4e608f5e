"""Steps 5 and 6: the ruling editor and the sign-and-broadcast flow with its final review.

Step 5 (:class:`RulingPage`): release, refund or split (a share for the payee, the rest
to the payer; :mod:`arbiter_app.gui.views.split`), the rationale saved as typed (a debounced
draft through the services, so a crash loses nothing), cited evidence, a character counter
against the minimum, and one explicit confirmation per manual-review flag; what is still
missing comes from :func:`arbiter_app.case.framework.ruling_problems`, live. Step 6
(:class:`ExecutionPage`): the service's ``preview_ruling`` builds the transaction for review
and decodes it with ``transaction.describe`` into :class:`FinalReviewDialog`, which needs an
explicit confirmation; then the service's ``execute_ruling`` generator runs in a
:class:`Task` with the Qt device prompt and the reviewed preview (it refuses to sign anything
else), and the receipt is shown (:mod:`arbiter_app.gui.views.receipt`).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Generator
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import (
    QButtonGroup,
    QCheckBox,
    QGroupBox,
    QHBoxLayout,
    QPlainTextEdit,
    QPushButton,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)

from arbiter_app.case.framework import CaseFile, RulingProposal, ruling_problems
from arbiter_app.case.models import Decision, Draft, EvidenceState, ReviewFlag, Step
from arbiter_app.errors import PolicyError
from arbiter_app.gui.errors import show_error
from arbiter_app.gui.prompts import QtDevicePrompt
from arbiter_app.gui.tasks import Task, call
from arbiter_app.gui.views.review import FinalReviewDialog, ruling_words
from arbiter_app.gui.views.split import SplitEditor
from arbiter_app.gui.views.step_page import StepPage, plain
from arbiter_app.progress import CancelToken, Progress
from arbiter_app.services import publication, queries, steps
from arbiter_app.text import display_name

if TYPE_CHECKING:
    from arbiter_app.services.ruling import RulingPreview
    from arbiter_app.services.session import Session

DRAFT_DELAY_MS = 800


class RulingPage(StepPage):
    """Step 5: decision, rationale, citations and manual-review confirmations."""

    def __init__(self, session: Session, parent: QWidget | None = None) -> None:
        super().__init__(session, Step.RULING, parent)
        self.release = QRadioButton("Release the funds to the payee")
        self.refund = QRadioButton("Refund the funds to the payer")
        self.split = QRadioButton("Split them between payee and payer")
        self.split_editor = SplitEditor()
        self.split_editor.changed.connect(self.on_edited)
        self.decision = QButtonGroup(self)
        for button in (self.release, self.refund, self.split):
            self.decision.addButton(button)
            button.toggled.connect(self.on_edited)
        self.rationale = QPlainTextEdit()
        self.rationale.setPlaceholderText("Write the rationale: the terms, the evidence cited, "
                                          "and why the ruling follows from them.")
        self.rationale.textChanged.connect(self.on_edited)
        self.counter = plain()
        self.cited_box = QGroupBox("Cited evidence")
        self.cited_layout = QVBoxLayout(self.cited_box)
        self.cited: dict[str, QCheckBox] = {}
        self.flags_box = QGroupBox("Manual review")
        self.flags_layout = QVBoxLayout(self.flags_box)
        self.flags: dict[ReviewFlag, QCheckBox] = {}
        self.problems = plain()
        self.problems.setStyleSheet("color: #8a6d00")
        self.complete_button.setText("Finalize the ruling (step 5)")
        self.draft_timer = QTimer(self)
        self.draft_timer.setSingleShot(True)
        self.draft_timer.setInterval(DRAFT_DELAY_MS)
        self.draft_timer.timeout.connect(self.save_draft)
        self._shown_for: tuple[int, bool] | None = None
        self._filling = False
        self._lay_out()

    def _lay_out(self) -> None:
        radios = QHBoxLayout()
        radios.addWidget(self.release)
        radios.addWidget(self.refund)
        radios.addWidget(self.split)
        radios.addStretch(1)
        self.body.addLayout(radios)
        self.body.addWidget(self.split_editor)
        self.body.addWidget(self.rationale, 3)
        self.body.addWidget(self.counter)
        self.body.addWidget(self.cited_box)
        self.body.addWidget(self.flags_box)
        self.body.addWidget(self.problems)

    def fill(self, case: CaseFile) -> None:
        key = (case.invoice.id, case.ruling is not None)
        editable = case.ruling is None and case.transaction is None
        for widget in (self.release, self.refund, self.split, self.split_editor, self.rationale,
                       self.cited_box, self.flags_box):
            widget.setEnabled(editable)
        if key == self._shown_for:
            self.on_edited()
            return
        self._shown_for = key
        self._filling = True
        try:
            self._fill_editor(case)
        finally:
            self._filling = False
        self.on_edited()

    def _fill_editor(self, case: CaseFile) -> None:
        ruling = case.ruling
        draft = queries.load_draft(self.session, case.invoice.id) if ruling is None else None
        decision = ruling.decision if ruling else (draft.decision if draft else None)
        cited = set(ruling.cited if ruling else (draft.cited if draft else ()))
        self.decision.setExclusive(False)
        self.release.setChecked(decision is Decision.RELEASE)
        self.refund.setChecked(decision is Decision.REFUND)
        self.split.setChecked(decision is Decision.SPLIT)
        self.decision.setExclusive(True)
        self.split_editor.set_total(case.invoice.amount, ruling.payee_amount if ruling else None)
        self.rationale.setPlainText(ruling.rationale if ruling else (draft.text if draft else ""))
        _clear(self.cited_layout)
        self.cited = {}
        for item in case.dispute.evidence:
            if item.state is not EvidenceState.VERIFIED:
                continue
            box = QCheckBox(f"#{item.index} ({item.party.value}) "
                            f"{display_name(item.title or '(untitled)', 80)} — {item.manifest_cid}")
            box.setChecked(item.manifest_cid in cited)
            box.toggled.connect(self.on_edited)
            self.cited[item.manifest_cid] = box
            self.cited_layout.addWidget(box)
        _clear(self.flags_layout)
        self.flags = {}
        confirmed = set(ruling.confirmations) if ruling else set()
        for flag, why in queries.review_reasons(self.session, case):
            box = QCheckBox(f"{why} I confirm I reviewed this case with that in mind.")
            box.setChecked(flag in confirmed)
            box.toggled.connect(self.on_edited)
            self.flags[flag] = box
            self.flags_layout.addWidget(box)
        self.flags_box.setVisible(bool(self.flags))

    def proposal(self) -> RulingProposal | None:
        """The ruling as currently entered (``None`` until a decision is chosen)."""
        decision = (Decision.RELEASE if self.release.isChecked()
                    else Decision.REFUND if self.refund.isChecked()
                    else Decision.SPLIT if self.split.isChecked() else None)
        if decision is None:
            return None
        share = self.split_editor.payee_amount() if decision is Decision.SPLIT else None
        return RulingProposal(decision, self.rationale.toPlainText(),
                              tuple(c for c, box in self.cited.items() if box.isChecked()),
                              tuple(f for f, box in self.flags.items() if box.isChecked()),
                              payee_amount=share)

    def on_edited(self) -> None:
        minimum = self.session.settings.min_rationale_chars
        length = len(self.rationale.toPlainText().strip())
        self.counter.setText(f"{length} / {minimum} characters"
                             + ("" if length >= minimum else f" ({minimum - length} more needed)"))
        if self.case is None:
            return
        proposal = self.proposal()
        self.split_editor.setVisible(self.split.isChecked())
        if self.case.ruling is not None:
            self.problems.setText("The ruling is finalized.")
        elif proposal is None:
            self.problems.setText("Choose release, refund or split.")
        else:
            problems = ruling_problems(self.case, proposal, tuple(self.flags),
                                       self.session.settings.min_rationale_chars)
            self.problems.setText("\n".join(f"• {p}" for p in problems) or "Ready to finalize.")
        if not self._filling and self.case.ruling is None:
            self.draft_timer.start()

    def draft(self) -> Draft:
        """The rationale as currently typed, as a draft of this case."""
        assert self.case is not None
        proposal = self.proposal()
        return Draft(self.case.invoice.id, self.rationale.toPlainText(),
                     proposal.decision if proposal else None,
                     proposal.cited if proposal else (), int(time.time()))

    def save_draft(self) -> None:
        """Save the rationale as typed (debounced; one small transaction on the task runner)."""
        if self.case is None or self.case.ruling is not None:
            return
        session, draft = self.session, self.draft()
        Task(call(lambda: steps.save_draft(session, draft)), parent=self.window()).run()

    def completion(self, case: CaseFile, now: int) -> Callable[[], object]:
        """Save the draft, then finalize the ruling (both on the task runner, in order)."""
        self.draft_timer.stop()
        session, invoice_id = self.session, case.invoice.id
        proposal, draft = self.proposal(), self.draft()

        def work() -> object:
            steps.save_draft(session, draft)
            if proposal is None:
                raise PolicyError("step 5 cannot be completed: choose release, refund or split")
            return steps.finalize_ruling(session, invoice_id, proposal, now=now)
        return work


class ExecutionPage(StepPage):
    """Step 6: review the decoded transaction, sign it on the Ledger, broadcast, confirm."""

    def __init__(self, session: Session, parent: QWidget | None = None) -> None:
        super().__init__(session, Step.EXECUTION, parent)
        self.summary = plain()
        self.status = plain()
        self.receipt_button = QPushButton("Show receipt")
        self.receipt_button.clicked.connect(self.on_show_receipt)
        self.complete_button.setText("Sign and broadcast…")
        self.review: FinalReviewDialog | None = None
        self.prompt: QtDevicePrompt | None = None
        self.receipt_view: Any = None
        self.body.addWidget(self.summary)
        self.published = plain()
        self.body.addWidget(self.status)
        self.body.addWidget(self.published)
        self.body.addWidget(self.receipt_button)
        self.body.addStretch(1)

    def fill(self, case: CaseFile) -> None:
        self.summary.setText(ruling_words(case) if case.ruling else "No ruling finalized yet.")
        tx = case.transaction
        lines = [] if tx is None else [f"Transaction {tx.txid}: {tx.status.value}"] + [
            f"  {time.strftime('%H:%M:%S', time.gmtime(e.at))} {e.status.value} "
            f"{display_name(e.detail, 300)}"
            for e in tx.history]
        self.status.setText("\n".join(lines))
        if tx is not None and Step.EXECUTION not in case.completed:
            self.complete_button.setText("Resume broadcast…")
            self.complete_button.setEnabled(case.current is Step.EXECUTION)
        receipt = queries.load_receipt(self.session, case.invoice.id)
        self.receipt_button.setVisible(receipt is not None)
        self.published.setText("\n".join(
            publication.describe(p) for p in publication.for_case(self.session, case.invoice.id)))

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
        from arbiter_app.services.ruling import execute_ruling

        if case is None:
            return
        session, invoice_id = self.session, case.invoice.id
        # The service names each signature itself (the transaction by its amount and
        # recipient, the log-key binding, the receipt), so the prompt gets no fixed subject.
        self.prompt = QtDevicePrompt(self.window())
        prompt = self.prompt
        Task(lambda token: execute_ruling(session, invoice_id, token, prompt=prompt,
                                          reviewed=reviewed),
             parent=self.window()).on_success(self.on_executed).on_failure(
            self.on_failed).with_progress("Executing the ruling").run()

    def on_executed(self, result: Any) -> None:
        self.changed.emit()
        self.on_show_receipt()

    def on_failed(self, error: BaseException) -> None:
        if self.prompt is not None:
            self.prompt.on_finished()
        self.changed.emit()
        show_error(error, self.window())

    def on_show_receipt(self) -> None:
        from arbiter_app.gui.views.receipt import ReceiptView

        if self.case is None:
            return
        receipt = queries.load_receipt(self.session, self.case.invoice.id)
        if receipt is not None:
            self.receipt_view = ReceiptView(receipt.document, self.window())
            self.receipt_view.open()


def previewed(session: Session, invoice_id: int, token: CancelToken
              ) -> Generator[Progress, None, RulingPreview]:
    """The service's :func:`~arbiter_app.services.ruling.preview_ruling` as a task: the
    transaction the review shows is built by the same code that builds the signed one."""
    from arbiter_app.services.ruling import preview_ruling

    yield Progress("building the ruling transaction", 0, 1)
    token.check()
    return preview_ruling(session, invoice_id)


def _clear(layout: QVBoxLayout) -> None:
    while layout.count():
        child = layout.takeAt(0)
        widget = child.widget() if child is not None else None
        if widget is not None:
            widget.deleteLater()
