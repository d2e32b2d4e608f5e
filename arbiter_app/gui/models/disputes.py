"""The dispute queue as a Qt table model over frozen :class:`CaseFile` rows.

Named column constants over the shared row mechanics of :mod:`arbiter_app.gui.models.rows`
(a sort role that gives each cell a comparable key, a row role that returns the case itself,
rows replaced inside one model reset), plus :meth:`DisputesModel.tick` that moves the SLA
clock with one ``dataChanged`` for that column. The model never reads the store: the window
hands it the rows.
"""

from __future__ import annotations

import time
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QBrush, QColor

from arbiter_app.case import words
from arbiter_app.case.framework import CaseFile
from arbiter_app.case.sla import SlaClock, sla_clock
from arbiter_app.gui.models.rows import FIRST_FREE_ROLE, RowsModel
from arbiter_app.gui.models.rows import ROW_ROLE as ROW_ROLE  # the views import them from here
from arbiter_app.gui.models.rows import SORT_ROLE as SORT_ROLE

FILTER_ROLE = FIRST_FREE_ROLE  # full text (addresses unshortened) for filtering

INVOICE, STATUS, SLA, STEP, AMOUNT, EVIDENCE, PAYER, PAYEE = range(8)
HEADERS = ("Invoice", "Status", "SLA", "Step", "Amount (sBTC)", "Evidence", "Payer", "Payee")


def short_address(address: str) -> str:
    """``ST2NEB84…ZQPG87ND``: enough of both ends to tell addresses apart in a table."""
    return address if len(address) <= 20 else f"{address[:8]}…{address[-8:]}"


class DisputesModel(RowsModel[CaseFile]):
    """The arbiter's disputes, one row per case.

    :param sla_hours: the configured response time (``Settings.sla_hours``)
    """

    def __init__(self, sla_hours: int, parent: Any = None) -> None:
        super().__init__(HEADERS, parent)
        self._sla_hours = sla_hours
        self._now = int(time.time())

    def cell(self, case: CaseFile, column: int, role: int) -> Any:
        if role == Qt.ItemDataRole.DisplayRole:
            text = self._text(case, column)
            return short_address(text) if column in (PAYER, PAYEE) else text
        if role == FILTER_ROLE:
            return self._text(case, column)
        if role == Qt.ItemDataRole.ToolTipRole and column in (PAYER, PAYEE):
            return self._text(case, column)  # a c32 address: no markup can be in it
        if role == Qt.ItemDataRole.ForegroundRole and column == SLA:
            overdue = self._clock(case).overdue and not words.closed(case)
            return QBrush(QColor("#b00020")) if overdue else None
        if role == Qt.ItemDataRole.TextAlignmentRole and column in (INVOICE, AMOUNT):
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None

    def _clock(self, case: CaseFile) -> SlaClock:
        return sla_clock(case.dispute, self._sla_hours, self._now)

    def _text(self, case: CaseFile, column: int) -> str:
        inv = case.invoice
        if column == INVOICE:
            return str(inv.id)
        if column == STATUS:
            return inv.status.name
        if column == AMOUNT:
            return words.amount(inv.amount)
        if column == PAYER:
            return inv.payer
        if column == PAYEE:
            return inv.payee
        if column == SLA:
            return words.sla_label(case, self._sla_hours, self._now)
        if column == STEP:
            return words.step_label(case)
        verified = sum(1 for e in case.dispute.evidence if e.state.value == "verified")
        return f"{verified}/{len(case.dispute.evidence)} verified"

    def sort_key(self, case: CaseFile, column: int) -> Any:
        inv = case.invoice
        keys: dict[int, Any] = {
            INVOICE: inv.id, STATUS: int(inv.status), AMOUNT: inv.amount, PAYER: inv.payer,
            PAYEE: inv.payee, SLA: self._clock(case).remaining,
            STEP: 7 if case.current is None else int(case.current),
            EVIDENCE: len(case.dispute.evidence),
        }
        return keys[column]

    def set_rows(self, rows: list[CaseFile], now: int | None = None) -> None:
        """Replace every row (the queue after a sync or a step)."""
        self._now = int(time.time()) if now is None else now
        self.replace_rows(rows)

    def tick(self, now: int) -> None:
        """Move the SLA clock to ``now``: one ``dataChanged`` over the SLA column."""
        self._now = now
        count = self.rowCount()
        if count:
            top, bottom = self.index(0, SLA), self.index(count - 1, SLA)
            self.dataChanged.emit(top, bottom, [Qt.ItemDataRole.DisplayRole, SORT_ROLE,
                                                Qt.ItemDataRole.ForegroundRole])

    def row_of(self, invoice_id: int) -> int:
        """The row holding ``invoice_id``, or -1."""
        return next((n for n, c in enumerate(self.rows()) if c.invoice.id == invoice_id), -1)

    def case(self, row: int) -> CaseFile:
        """The case at ``row``."""
        return self.row(row)
