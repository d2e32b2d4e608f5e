"""The pages of steps 1–3 of a case: terms, evidence, chain records (docs/ARCHITECTURE.md
§1; step 4 is :mod:`arbiter_app.gui.views.documents`).

Each page shows one step's facts and its completion control in the frame of
:class:`~arbiter_app.gui.views.step_page.StepPage`. Evidence is read through the services
(verified against its CIDs, openings logged) and shown in the safe viewer; the chain checks
are read from the contract and must still hold when acknowledged.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Generator
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QSortFilterProxyModel, Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QInputDialog,
    QListWidget,
    QPushButton,
    QWidget,
)

from arbiter_app.case import words
from arbiter_app.case.framework import CaseFile
from arbiter_app.case.models import (
    ChainChecks,
    EvidenceItem,
    EvidenceState,
    Step,
    TermsState,
    TermsSummary,
)
from arbiter_app.errors import PolicyError, VerificationError
from arbiter_app.gui.errors import sentence, show_error
from arbiter_app.gui.models.evidence import ROW_ROLE, SORT_ROLE, EvidenceModel
from arbiter_app.gui.views.evidence import EvidenceViewer, ShownFile
from arbiter_app.gui.views.step_page import StepPage, plain
from arbiter_app.gui.views.table import rows_table
from arbiter_app.progress import CancelToken, Progress
from arbiter_app.services import evidence, queries, steps
from arbiter_app.services.chain import ChainReader
from arbiter_app.services.party_index import escrow_held
from arbiter_app.text import party_text

if TYPE_CHECKING:
    from arbiter_app.services.session import Session

MAX_VIEW_BYTES = 64 * 1024 * 1024


class TermsPage(StepPage):
    """Step 1: the invoice's facts, its terms (verified or absent), the neutrality declaration."""

    def __init__(self, session: Session, parent: QWidget | None = None) -> None:
        super().__init__(session, Step.TERMS, parent)
        self.facts = QFormLayout()
        self.terms = plain()
        self.terms_fields = QFormLayout()
        self.dealings = plain()
        self.dealings_list = QListWidget()
        self.dealings_list.setMaximumHeight(140)
        self.no_conflict = QCheckBox("I have no conflict of interest with either party "
                                     "(past dealings listed above)")
        self.shown_dealings: list[int] = []
        self._case_id: int | None = None
        self.body.addLayout(self.facts)
        heading = plain("Terms document")
        heading.setStyleSheet("font-weight: bold")
        self.body.addWidget(heading)
        self.body.addWidget(self.terms)
        self.body.addLayout(self.terms_fields)
        self.body.addWidget(self.dealings)
        self.body.addWidget(self.dealings_list)
        self.body.addWidget(self.no_conflict)
        self.body.addStretch(1)

    def fill(self, case: CaseFile) -> None:
        inv = case.invoice
        while self.facts.rowCount():
            self.facts.removeRow(0)
        for name, value in (
            ("Invoice", str(inv.id)), ("Status", inv.status.name),
            ("Amount", f"{words.amount(inv.amount)} sBTC (deposit {words.amount(inv.deposit)})"),
            ("Token", inv.token), ("Payer", inv.payer), ("Payee", inv.payee),
            ("Arbiter", inv.arbiter), ("Deadline", f"block {inv.deadline}"),
            ("Raised by", case.dispute.raised_by),
        ):
            self.facts.addRow(plain(name), plain(value))
        self.terms.setText(terms_text(case))
        while self.terms_fields.rowCount():
            self.terms_fields.removeRow(0)
        for name, value in terms_rows(case.invoice.terms):
            label = plain(name)
            label.setStyleSheet("color: #555555")
            self.terms_fields.addRow(label, plain(value))
        if self._case_id != inv.id:
            self._case_id = inv.id  # a declaration is made for one case, never carried over
            self.no_conflict.setChecked(False)
        found = queries.dealings(self.session, case)
        self.shown_dealings = found.ids
        self.dealings.setText(f"Your past dealings with these parties: {found.summary()}")
        self.dealings_list.clear()
        self.dealings_list.addItems([found.line(i) for i in found.invoices])
        self.dealings_list.setVisible(bool(found.invoices))
        self.no_conflict.setEnabled(self.complete_button.isEnabled())

    def completion(self, case: CaseFile, now: int) -> Callable[[], object]:
        session, invoice_id = self.session, case.invoice.id
        no_conflict, shown = self.no_conflict.isChecked(), list(self.shown_dealings)
        return lambda: steps.complete_terms(session, invoice_id, no_conflict=no_conflict,
                                            dealings_shown=shown, now=now)


def terms_text(case: CaseFile) -> str:
    """Whether the terms were verified, in plain words (or why there are none)."""
    terms = case.invoice.terms
    if terms.state is TermsState.ABSENT:
        return "Absent: the invoice carries no terms document hash."
    if terms.state is not TermsState.VERIFIED:
        return (f"Not verified ({terms.state.value}); CID {terms.cid}. It is fetched when the "
                "case is opened.")
    return f"Verified against the on-chain hash ({terms.cid})."


def terms_rows(terms: TermsSummary) -> list[tuple[str, str]]:
    """The verified terms as labelled fields (party text escaped; milestone amounts were put
    in sBTC when the document was read); none before they are verified."""
    if terms.state is not TermsState.VERIFIED:
        return []
    rows = [("Title", terms.title), ("Payer", terms.payer_name), ("Payee", terms.payee_name),
            ("Description", terms.description)]
    rows += [(f"Milestone {n}", m) for n, m in enumerate(terms.milestones, 1)]
    shown = [(name, party_text(value)) for name, value in rows if value]
    if terms.ai_parse is not None:
        shown.append(("Parsed by", f"{party_text(terms.ai_parse.model)}, confidence "
                                   f"{terms.ai_parse.confidence:.2f}"))
    return shown


class EvidencePage(StepPage):
    """Step 2: both parties' evidence with its verification state, opened in the safe viewer."""

    def __init__(self, session: Session, parent: QWidget | None = None) -> None:
        super().__init__(session, Step.EVIDENCE, parent)
        self.model = EvidenceModel(self)
        self.proxy = QSortFilterProxyModel(self)
        self.proxy.setSourceModel(self.model)
        self.proxy.setSortRole(SORT_ROLE)
        self.table = rows_table(self.proxy)
        self.table.setSortingEnabled(True)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.doubleClicked.connect(lambda _: self.on_open())
        self.open_button = QPushButton("Open in viewer")
        self.open_button.clicked.connect(self.on_open)
        self.unavailable_button = QPushButton("Mark unavailable…")
        self.unavailable_button.clicked.connect(self.on_mark_unavailable)
        self.viewer: EvidenceViewer | None = None
        row = QHBoxLayout()
        row.addWidget(self.open_button)
        row.addWidget(self.unavailable_button)
        row.addStretch(1)
        self.body.addWidget(plain("Open every item (one still pending is fetched and verified "
                                  "first); mark what cannot be had, with a reason."))
        self.body.addWidget(self.table, 1)
        self.body.addLayout(row)

    def fill(self, case: CaseFile) -> None:
        self.model.set_rows(case.dispute.evidence)
        self.table.sortByColumn(0, Qt.SortOrder.AscendingOrder)

    def selected_index(self) -> int | None:
        """The evidence index of the selected row."""
        rows = self.table.selectionModel().selectedRows()
        if not rows:
            return None
        return int(self.proxy.data(rows[0], ROW_ROLE).index)

    def on_open(self) -> None:
        index = self.selected_index()
        if index is None or self.case is None:
            return
        invoice_id, session = self.case.invoice.id, self.session
        self.run(lambda token: open_evidence(session, invoice_id, index, token),
                 "Opening evidence", self.on_opened)

    def on_opened(self, result: tuple[Any, list[ShownFile]]) -> None:
        item, files = result
        self.model.update_item(item)
        self.changed.emit()
        if item.state is not EvidenceState.VERIFIED:
            show_error(VerificationError(f"Evidence #{item.index} could not be verified now: "
                                    f"{item.reason}"), self)
            return
        self.viewer = EvidenceViewer(item.title, files, self.window())
        self.viewer.shown.connect(lambda _: self.on_shown(item),
                                  Qt.ConnectionType.SingleShotConnection)
        self.viewer.open()

    def on_shown(self, item: EvidenceItem) -> None:
        """The viewer put the item's content on screen: now record the opening."""
        session = self.session
        self.write(lambda: evidence.record_opened(session, item))

    def on_mark_unavailable(self) -> None:
        index = self.selected_index()
        if index is None or self.case is None:
            return
        reason, ok = QInputDialog.getText(self, "Mark unavailable",
                                          f"Why can evidence #{index} not be examined?")
        if not ok:
            return
        session, invoice_id, now = self.session, self.case.invoice.id, int(time.time())
        self.write(lambda: steps.mark_evidence_unavailable(session, invoice_id, index,
                                                           reason=reason, now=now))

    def completion(self, case: CaseFile, now: int) -> Callable[[], object]:
        session, invoice_id = self.session, case.invoice.id
        return lambda: steps.complete_evidence(session, invoice_id, now=now)


def open_evidence(session: Session, invoice_id: int, index: int, token: CancelToken
                  ) -> Generator[Progress, None, tuple[Any, list[ShownFile]]]:
    """Verify an item again (the service), then read its verified files for the viewer."""
    item = yield from evidence.check_item(session, invoice_id, index, token)
    files = []
    if item.state is EvidenceState.VERIFIED:
        for f in item.files:
            got = yield from evidence.verified_bytes(session.fetcher, f.cid, token, MAX_VIEW_BYTES)
            files.append(ShownFile(f, got.read()))
    return item, files


class ChainPage(StepPage):
    """Step 3: the chain checks read now, listed, and acknowledged as shown."""

    def __init__(self, session: Session, parent: QWidget | None = None) -> None:
        super().__init__(session, Step.CHAIN, parent)
        self.checks: ChainChecks | None = None
        self._read_for: int | None = None
        self.list = QListWidget()
        self.read_button = QPushButton("Read the chain checks")
        self.read_button.clicked.connect(self.on_read)
        self.complete_button.setText("Acknowledge the checks (step 3)")
        self.body.addWidget(plain("Read from the contract now; the ruling is refused if "
                                  "any fails."))
        self.body.addWidget(self.read_button)
        self.body.addWidget(self.list, 1)

    def fill(self, case: CaseFile) -> None:
        if self.checks is not None and self._read_for != case.invoice.id:
            self.checks = None  # another case: what was read belongs to the previous one
        self.show_checks(self.checks)

    def on_read(self) -> None:
        if self.case is not None:
            self._read_for = self.case.invoice.id
            self.run(self.reader_op(self.case.invoice.id), "Reading the chain", self.show_checks)

    def reader_op(self, invoice_id: int) -> Callable[[CancelToken], Generator[Progress, None, Any]]:
        session = self.session
        assert self.case is not None
        arbiter = self.case.invoice.arbiter  # read here: the op runs on a pool thread
        token_contract = self.case.invoice.token
        known = len(self.case.dispute.evidence)

        def op(token: CancelToken) -> Generator[Progress, None, ChainChecks]:

            yield Progress("reading the invoice, dispute, contract state and balance", 0, None)
            reader = ChainReader(session.api, session.contract_id, arbiter)
            return reader.checks(invoice_id, session.signer.address(),
                                 held=escrow_held(session, token_contract), known_evidence=known)
        return op

    def show_checks(self, checks: ChainChecks | None) -> None:
        self.checks = checks
        self.list.clear()
        if checks is None:
            self.list.addItem("Not read yet.")
            return
        for ok, text in words.chain_check_lines(checks):
            self.list.addItem(f"{'✓' if ok else '✗'}  {sentence(text)}")
        self.list.addItem(f"•  Deadline block {checks.deadline}, chain tip {checks.chain_tip}.")
        self.list.addItem(f"•  Raised by {checks.raised_by}.")

    def on_complete(self) -> None:
        """Acknowledge: the checks are read again and must equal the ones shown."""
        if self.case is None or self.checks is None:
            show_error(PolicyError("Read the chain checks before acknowledging them."), self)
            return
        shown, invoice_id = self.checks, self.case.invoice.id
        self.run(self.reader_op(invoice_id), "Checking the chain again",
                 lambda fresh: self.acknowledge(fresh, shown))

    def acknowledge(self, fresh: ChainChecks, shown: ChainChecks) -> None:
        """Complete step 3 with the checks read again; if refused, show what was read."""
        assert self.case is not None
        session, invoice_id, now = self.session, self.case.invoice.id, int(time.time())

        def refused(error: BaseException) -> None:
            self.show_checks(fresh)
            show_error(error, self)

        self.write(lambda: steps.complete_chain(session, invoice_id, checks=fresh,
                                                acknowledged=shown, now=now), refused)
