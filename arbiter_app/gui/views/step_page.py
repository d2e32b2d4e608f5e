"""The frame every step page shares: title, gating note, body, complete and reopen buttons.

Whether a button may be pressed comes from :mod:`arbiter_app.case.framework` through the case
pane (:meth:`StepPage.load`); what a completion means is decided by
:mod:`arbiter_app.services.steps`, which judges with the framework and logs the change in the
same transaction; every write runs on the task runner (:meth:`StepPage.write`). :func:`plain` and
:func:`party_text` are how every page shows party or server text: never as rich text, and
with bidi and invisible characters escaped (docs/reliability.md §4, T4.5, T4.7).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Generator
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from arbiter_app.case import words
from arbiter_app.case.framework import CaseFile
from arbiter_app.case.models import InvoiceStatus, Step
from arbiter_app.gui.errors import sentence
from arbiter_app.gui.tasks import Task, call
from arbiter_app.progress import CancelToken, Progress
from arbiter_app.text import display_name

if TYPE_CHECKING:
    from arbiter_app.services.session import Session

def plain(text: str = "") -> QLabel:
    """A label that never interprets its text as rich text (docs/reliability.md §4, T4.7)."""
    label = QLabel(text)
    label.setTextFormat(Qt.TextFormat.PlainText)
    label.setWordWrap(True)
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    return label


def short_cid(cid: str) -> str:
    """``bafkreib5b76b…2e3``: enough of both ends of a CID to tell it apart on a page (the
    whole CID goes in a tooltip or the viewer)."""
    shown = display_name(cid, 200)
    return shown if len(shown) <= 24 else f"{shown[:12]}…{shown[-6:]}"


class StepPage(QWidget):
    """A step's page: title, gating note, body, and complete/reopen buttons.

    :param session: the session (store, API, fetcher)
    :param step: the step this page completes
    """

    changed = Signal()  # the case changed in the store: the pane reloads it
    reopen_requested = Signal(int)

    def __init__(self, session: Session, step: Step, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.session = session
        self.step = step
        self.case: CaseFile | None = None
        self.gate = plain()
        self.gate.setStyleSheet("color: #8a6d00")
        self.complete_button = QPushButton(f"Complete step {int(step)}")
        self.complete_button.clicked.connect(self.on_complete)
        self.reopen_button = QPushButton(f"Reopen step {int(step)}")
        self.reopen_button.clicked.connect(lambda: self.reopen_requested.emit(int(self.step)))
        self.body = QVBoxLayout()
        title = plain(f"Step {int(step)}: {words.STEP_TITLES[step]}")
        title.setStyleSheet("font-size: 15px; font-weight: bold")
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.reopen_button)
        buttons.addWidget(self.complete_button)
        layout = QVBoxLayout(self)
        layout.addWidget(title)
        layout.addWidget(self.gate)
        layout.addLayout(self.body, 1)
        layout.addLayout(buttons)

    def load(self, case: CaseFile) -> None:
        """Show ``case`` and apply the framework's gating to the buttons."""
        self.case = case
        done = self.step in case.completed
        # Closed on chain (refunded, released, split): read-only but for the execution record.
        closed = (case.invoice.status is not InvoiceStatus.DISPUTED
                  and self.step is not Step.EXECUTION)
        open_now = case.current == self.step and case.transaction is None and not closed
        self.complete_button.setEnabled(open_now)
        self.reopen_button.setVisible(self.step is not Step.EXECUTION)
        self.reopen_button.setEnabled(done and case.transaction is None and not closed)
        if closed and not done:
            self.gate.setText(f"The invoice is {case.invoice.status.name} on chain: the case is "
                              "closed and can only be read.")
        elif done:
            record = next(r for r in case.steps if r.step is self.step)
            when = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime(record.completed_at))
            self.gate.setText(f"Completed {when}: {sentence(record.note)}")
        elif case.current is not None and case.current < self.step:
            self.gate.setText(f"Complete step {int(case.current)} first; steps are done in order.")
        else:
            self.gate.setText("This is the current step.")
        self.fill(case)

    def fill(self, case: CaseFile) -> None:
        """Show the step's facts (pages override)."""

    def on_complete(self) -> None:
        """Complete the step through the services (pages say how in :meth:`completion`)."""
        if self.case is not None:
            self.write(self.completion(self.case, int(time.time())))

    def completion(self, case: CaseFile, now: int) -> Callable[[], object]:
        """The service call completing the step, with the page's inputs read now (pages
        override); it runs on the task runner's pool, so it must not touch a widget."""
        raise NotImplementedError

    def write(self, work: Callable[[], object],
              failed: Callable[[BaseException], None] | None = None) -> Task:
        """Run a service write on the task runner; the case reloads when it has landed.

        :param failed: called with the error instead of the one presenter
        """
        task = Task(call(work), parent=self.window()).on_success(lambda _: self.changed.emit())
        if failed is not None:
            task.on_failure(failed)
        return task.run()

    def run(self, operation: Callable[[CancelToken], Generator[Progress, None, Any]],
            title: str, done: Callable[[Any], None]) -> Task:
        """Run a service operation in the one background runner, with progress."""
        return Task(operation, parent=self.window()).on_success(done).with_progress(title).run()
