"""The case pane: the selected dispute's six steps in order, with their state and gating.

A list on the left names each step with its state (done, current, locked) from
:mod:`arbiter_app.case.framework`; the page of the chosen step fills the rest. Step *i* can
only be completed when it is the case's current step (so after *i − 1*); reopening a step
asks for confirmation, because the store then invalidates it and every later step (each
change logged). The pane reloads the case from the store after every change and tells the
window, which refreshes the queue. The first opening of a case fetches its terms document and
evidence, which the sync leaves pending (a note says what is fetched, then what could not be).
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QHBoxLayout,
    QListWidget,
    QMessageBox,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from arbiter_app.case import words
from arbiter_app.case.framework import CaseFile
from arbiter_app.case.models import InvoiceStatus, Step
from arbiter_app.gui.errors import error_text
from arbiter_app.gui.tasks import Task, call
from arbiter_app.gui.views.documents import DocumentsPage
from arbiter_app.gui.views.execution import ExecutionPage
from arbiter_app.gui.views.ruling import RulingPage
from arbiter_app.gui.views.step_page import StepPage, plain
from arbiter_app.gui.views.steps import ChainPage, EvidencePage, TermsPage
from arbiter_app.services import opening, queries, steps
from arbiter_app.text import party_text

if TYPE_CHECKING:
    from arbiter_app.services.session import Session


def step_state(case: CaseFile, step: Step) -> str:
    """``done``, ``current``, ``locked``, or ``closed`` (the invoice left DISPUTED on chain
    before the step was done) for ``step`` of ``case``."""
    if step in case.completed:
        return "done"
    if case.invoice.status is not InvoiceStatus.DISPUTED and step is not Step.EXECUTION:
        return "closed"
    return "current" if case.current is step else "locked"


class CasePane(QWidget):
    """One case through the six steps.

    :param session: the session whose store holds the case
    """

    case_changed = Signal(int)

    def __init__(self, session: Session, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.session = session
        self.case: CaseFile | None = None
        self.header = plain("Select a dispute in the queue.")
        self.header.setStyleSheet("font-size: 16px; font-weight: bold")
        self.parties = plain()
        self.closed_note = plain()
        self.closed_note.setStyleSheet("color: #555555; font-weight: bold")
        self.closed_note.hide()
        self.opening_note = plain()
        self.opening_note.hide()
        self.fetching: int | None = None  # the case whose terms and evidence are being fetched
        self.steps = QListWidget()
        self.steps.setFixedWidth(190)
        self.steps.currentRowChanged.connect(self.on_step_chosen)
        self.pages: dict[Step, StepPage] = {
            Step.TERMS: TermsPage(session), Step.EVIDENCE: EvidencePage(session),
            Step.CHAIN: ChainPage(session), Step.DOCUMENTS: DocumentsPage(session),
            Step.RULING: RulingPage(session), Step.EXECUTION: ExecutionPage(session),
        }
        self.stack = QStackedWidget()
        for page in self.pages.values():
            self.stack.addWidget(page)
            page.changed.connect(self.reload)
            page.reopen_requested.connect(self.on_reopen)
        for step in Step:
            self.steps.addItem(f"{int(step)}. {words.STEP_SHORT[step]}")
        row = QHBoxLayout()
        row.addWidget(self.steps)
        row.addWidget(self.stack, 1)
        layout = QVBoxLayout(self)
        layout.addWidget(self.header)
        layout.addWidget(self.parties)
        layout.addWidget(self.closed_note)
        layout.addWidget(self.opening_note)
        layout.addLayout(row, 1)
        self.setEnabled(False)

    def show_case(self, invoice_id: int) -> None:
        """Load ``invoice_id`` from the store and open its current step."""
        first = self.case is None or self.case.invoice.id != invoice_id
        self.load(queries.load_case(self.session, invoice_id))
        if first and self.case is not None:
            current = self.case.current or Step.EXECUTION
            self.steps.setCurrentRow(int(current) - 1)
            self.opening_note.hide()
            if opening.needs_fetch(self.case):
                self.fetch_on_opening(self.case)

    def fetch_on_opening(self, case: CaseFile) -> None:
        """Fetch the case's terms document and pending evidence (the sync leaves them to the
        first opening), with a cancellable progress dialog when it lasts."""
        if self.fetching is not None:
            return
        invoice_id = self.fetching = case.invoice.id
        self.show_opening_note(f"Fetching {opening.what_is_fetched(case)}…")
        session = self.session
        task = Task(lambda token: opening.fetch_on_opening(session, invoice_id, token),
                    parent=self.window())
        task.with_progress("Fetching the case's documents")
        task.on_success(lambda got: self.fetched(invoice_id, got.problems()))
        task.on_failure(lambda e: self.fetched(invoice_id, [error_text(e) or "Stopped."]))
        task.run()

    def fetched(self, invoice_id: int, problems: list[str]) -> None:
        """Show the case with what was fetched, and what could not be verified (what could
        not be had: a later opening tries again). A case opened meanwhile gets its own
        fetch now."""
        self.fetching = None
        if self.case is None:
            return
        if self.case.invoice.id != invoice_id:
            if opening.needs_fetch(self.case):
                self.fetch_on_opening(self.case)
            return
        self.load(queries.load_case(self.session, invoice_id))
        self.case_changed.emit(invoice_id)
        if opening.needs_fetch(self.case):
            problems.append("What could not be fetched is fetched again the next time you "
                            "open the case.")
        if problems:  # reasons quote manifests and servers: shown escaped
            self.show_opening_note(party_text("\n".join(problems)))
        else:
            self.opening_note.hide()

    def show_opening_note(self, text: str) -> None:
        self.opening_note.setText(text)
        self.opening_note.show()

    def load(self, case: CaseFile) -> None:
        """Show ``case``: the header, each step's state, and every page."""
        self.case = case
        self.setEnabled(True)
        inv = case.invoice
        self.header.setText(f"Invoice {inv.id} — {inv.status.name} — "
                            f"{words.amount(inv.amount)} sBTC")
        self.parties.setText(f"Payer {inv.payer}  →  payee {inv.payee}")
        self.show_closed(case)
        marks = {"done": "✓ done", "current": "▶ current", "locked": "locked",
                 "closed": "closed"}
        for step in Step:
            item = self.steps.item(int(step) - 1)
            mark = marks[step_state(case, step)]
            item.setText(f"{int(step)}. {words.STEP_SHORT[step]}\n    {mark}")
        for page in self.pages.values():
            page.load(case)

    def show_closed(self, case: CaseFile) -> None:
        """For a case closed on chain: say so, with its ruling, transaction and receipt."""
        if case.invoice.status is InvoiceStatus.DISPUTED:
            self.closed_note.hide()
            return
        parts = [f"Closed on chain ({case.invoice.status.name}); read-only."]
        if case.ruling is not None:
            when = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime(case.ruling.finalized_at))
            parts.append(f"Ruling: {words.ruling_label(case.ruling.decision.value)}, {when}.")
        else:
            parts.append("No ruling of yours: the invoice was closed without one.")
        if case.transaction is not None:
            parts.append(f"Transaction {case.transaction.txid}.")
        receipt = queries.load_receipt(self.session, case.invoice.id)
        parts.append("Receipt issued." if receipt is not None else "No receipt.")
        self.closed_note.setText(" ".join(parts))
        self.closed_note.show()

    def reload(self) -> None:
        """Read the case again after a change, and tell the window."""
        if self.case is None:
            return
        invoice_id = self.case.invoice.id
        before = self.case.current
        self.show_case(invoice_id)
        if self.case is not None and self.case.current != before and self.case.current:
            self.steps.setCurrentRow(int(self.case.current) - 1)
        self.case_changed.emit(invoice_id)

    def show_step(self, step: Step) -> None:
        """Show the page of ``step``."""
        if self.case is not None:
            self.steps.setCurrentRow(int(step) - 1)

    def complete_shown_step(self) -> None:
        """The shown step's main action: complete it (when the gating allows)."""
        page = self.stack.currentWidget()
        if isinstance(page, StepPage) and page.complete_button.isEnabled():
            page.complete_button.click()

    def on_step_chosen(self, row: int) -> None:
        if row >= 0:
            self.stack.setCurrentIndex(row)

    def confirm_reopen(self, step: Step) -> bool:
        """Ask before reopening: later steps are invalidated."""
        assert self.case is not None
        later = [int(s) for s in Step if s > step and s in self.case.completed]
        extra = (f" Steps {', '.join(map(str, later))} will be invalidated too and must be done "
                 "again.") if later else ""
        title = words.STEP_TITLES[step]
        answer = QMessageBox.question(self, "Reopen step",
                                      f"Reopen step {int(step)} ({title})?{extra}")
        return answer == QMessageBox.StandardButton.Yes

    def on_reopen(self, number: int) -> None:
        step = Step(number)
        if self.case is None or not self.confirm_reopen(step):
            return
        session, invoice_id, now = self.session, self.case.invoice.id, int(time.time())
        Task(call(lambda: steps.reopen_step(session, invoice_id, step, now=now)),
             parent=self.window()).on_success(lambda _: self.reopened(number)).run()

    def reopened(self, number: int) -> None:
        """Show the case again after step ``number`` was reopened, on that step."""
        self.reload()
        self.steps.setCurrentRow(number - 1)
