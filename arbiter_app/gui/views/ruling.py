"""Step 5: the ruling editor (step 6 is :mod:`arbiter_app.gui.views.execution`).

:class:`RulingPage`: release, refund or split (a share for the payee, the rest
to the payer; :mod:`arbiter_app.gui.views.split`), the rationale saved as typed (a debounced draft
through the services, so a crash loses nothing), cited evidence, a character counter against
the minimum, and one explicit confirmation per manual-review flag; what is still missing
comes from :func:`arbiter_app.case.framework.ruling_problems`, live. The list of what is
missing has a fixed height (it scrolls when longer), so typing never moves the checkboxes
under the pointer.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import (
    QButtonGroup,
    QCheckBox,
    QFrame,
    QGroupBox,
    QHBoxLayout,
    QPlainTextEdit,
    QRadioButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from arbiter_app.case.framework import CaseFile, RulingProposal, ruling_problems
from arbiter_app.case.models import Decision, Draft, EvidenceState, ReviewFlag, Step
from arbiter_app.errors import PolicyError
from arbiter_app.gui.errors import sentence
from arbiter_app.gui.tasks import Task, call
from arbiter_app.gui.views.split import SplitEditor
from arbiter_app.gui.views.step_page import StepPage, plain, short_cid
from arbiter_app.services import queries, steps
from arbiter_app.text import display_name

if TYPE_CHECKING:
    from arbiter_app.services.session import Session

DRAFT_DELAY_MS = 800
PROBLEM_LINES = 4  # the height kept for what is missing; more lines scroll


class RulingPage(StepPage):
    """Step 5: decision, rationale, citations and manual-review confirmations."""

    def __init__(self, session: Session, parent: QWidget | None = None) -> None:
        super().__init__(session, Step.RULING, parent)
        self.release = QRadioButton("Release the funds to the payee")
        self.refund = QRadioButton("Refund the funds to the payer")
        self.split = QRadioButton("Split the funds")
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
        self.flag_reasons: dict[ReviewFlag, str] = {}
        self.problems = plain()
        self.problems.setStyleSheet("color: #8a6d00")
        self.problems.setAlignment(Qt.AlignmentFlag.AlignTop)
        self.problems_area = _fixed_lines(self.problems, PROBLEM_LINES)
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
        self.body.addWidget(self.problems_area)

    def fill(self, case: CaseFile) -> None:
        key = (case.invoice.id, case.ruling is not None)
        editable = case.ruling is None and case.transaction is None
        for widget in (self.release, self.refund, self.split, self.split_editor, self.rationale,
                       self.cited_box, self.flags_box):
            widget.setEnabled(editable)
        self._filling = True  # shown, not typed: no draft is saved for it
        try:
            if key != self._shown_for:
                self._shown_for = key
                self._fill_editor(case)
            elif list(self.cited) != citable(case):  # evidence verified since (the opening)
                self._fill_cited(case, {c for c, box in self.cited.items() if box.isChecked()})
            self.on_edited()
        finally:
            self._filling = False

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
        self._fill_cited(case, cited)
        _clear(self.flags_layout)
        self.flags = {}
        confirmed = set(ruling.confirmations) if ruling else set()
        self.flag_reasons = dict(queries.review_reasons(self.session, case))
        for flag, why in self.flag_reasons.items():
            box = QCheckBox("I confirm I reviewed this case with that in mind")
            box.setAccessibleDescription(why)
            box.setChecked(flag in confirmed)
            box.toggled.connect(self.on_edited)
            self.flags[flag] = box
            self.flags_layout.addWidget(plain(why))  # wrapped: a check box's text is not
            self.flags_layout.addWidget(box)
        self.flags_box.setVisible(bool(self.flags))

    def _fill_cited(self, case: CaseFile, cited: set[str]) -> None:
        """A check box per verified evidence item (only those can be cited), ``cited`` ticked."""
        _clear(self.cited_layout)
        self.cited = {}
        for item in case.dispute.evidence:
            if item.state is not EvidenceState.VERIFIED:
                continue
            box = QCheckBox(f"#{item.index} ({item.party.value}) "
                            f"{display_name(item.title or '(untitled)', 80)} — "
                            f"{short_cid(item.manifest_cid)}")
            box.setToolTip(f"Evidence manifest {item.manifest_cid}")
            box.setChecked(item.manifest_cid in cited)
            box.toggled.connect(self.on_edited)
            self.cited[item.manifest_cid] = box
            self.cited_layout.addWidget(box)

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
            self.problems.setText("\n".join(f"• {sentence(p)}" for p in problems)
                                  or "Ready to finalize.")
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


def _fixed_lines(label: QWidget, lines: int) -> QScrollArea:
    """``label`` in an area ``lines`` text lines high that scrolls when it holds more."""
    area = QScrollArea()
    area.setWidget(label)
    area.setWidgetResizable(True)
    area.setFrameShape(QFrame.Shape.NoFrame)
    area.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
    area.setFixedHeight(label.fontMetrics().lineSpacing() * lines + 4)
    return area


def _clear(layout: QVBoxLayout) -> None:
    while layout.count():
        child = layout.takeAt(0)
        widget = child.widget() if child is not None else None
        if widget is not None:
            widget.deleteLater()


def citable(case: CaseFile) -> list[str]:
    """The manifest CIDs of the case's verified evidence, the ones a ruling may cite."""
    return [e.manifest_cid for e in case.dispute.evidence if e.state is EvidenceState.VERIFIED]
