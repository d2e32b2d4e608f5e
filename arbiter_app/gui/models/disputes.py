"""The dispute queue as a Qt table model over frozen :class:`CaseFile` rows (STYLE habit 9).

Named column constants, a sort role that gives each cell a comparable key, a row role that
returns the case itself, :meth:`DisputesModel.set_rows` inside begin/endResetModel, and
:meth:`DisputesModel.tick` that moves the SLA clock with one ``dataChanged`` for that column.
The model never reads the store: the window hands it the rows.
"""

from __future__ import annotations

import time
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QBrush, QColor

from arbiter_app.case.framework import CaseFile
from arbiter_app.case.models import InvoiceStatus
from arbiter_app.case.sla import sla_clock
from arbiter_app.services.listing import format_amount

SORT_ROLE = Qt.ItemDataRole.UserRole + 1
ROW_ROLE = Qt.ItemDataRole.UserRole + 2
FILTER_ROLE = Qt.ItemDataRole.UserRole + 3  # full text (addresses unshortened) for filtering

INVOICE, STATUS, SLA, STEP, AMOUNT, EVIDENCE, PAYER, PAYEE = range(8)
HEADERS = ("Invoice", "Status", "SLA", "Step", "Amount (sBTC)", "Evidence", "Payer", "Payee")

Index = QModelIndex | QPersistentModelIndex


def short_address(address: str) -> str:
    """``ST2NEB84…ZQPG87ND``: enough of both ends to tell addresses apart in a table."""
    return address if len(address) <= 20 else f"{address[:8]}…{address[-8:]}"


class DisputesModel(QAbstractTableModel):
    """The arbiter's disputes, one row per case.

    :param sla_hours: the configured response time (``Settings.sla_hours``)
    """

    def __init__(self, sla_hours: int, parent: Any = None) -> None:
        super().__init__(parent)
        self._rows: list[CaseFile] = []
        self._sla_hours = sla_hours
        self._now = int(time.time())

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008 - Qt's signature
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(HEADERS)

    def headerData(self, section: int, orientation: Qt.Orientation,
                   role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if (orientation is Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole
                and 0 <= section < len(HEADERS)):
            return HEADERS[section]
        return None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        case = self._rows[index.row()]
        column = index.column()
        if role == ROW_ROLE:
            return case
        if role == Qt.ItemDataRole.DisplayRole:
            text = self._text(case, column)
            return short_address(text) if column in (PAYER, PAYEE) else text
        if role == FILTER_ROLE:
            return self._text(case, column)
        if role == Qt.ItemDataRole.ToolTipRole and column in (PAYER, PAYEE):
            return self._text(case, column)  # a c32 address: no markup can be in it
        if role == SORT_ROLE:
            return self._sort_key(case, column)
        if role == Qt.ItemDataRole.ForegroundRole and column == SLA:
            overdue = self._clock(case).overdue and not self._closed(case)
            return QBrush(QColor("#b00020")) if overdue else None
        if role == Qt.ItemDataRole.TextAlignmentRole and column in (INVOICE, AMOUNT):
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None

    @staticmethod
    def _closed(case: CaseFile) -> bool:
        """No clock runs once the case is done or the invoice left DISPUTED."""
        return case.current is None or case.invoice.status is not InvoiceStatus.DISPUTED

    def _clock(self, case: CaseFile) -> Any:
        return sla_clock(case.dispute, self._sla_hours, self._now)

    def _text(self, case: CaseFile, column: int) -> str:
        inv = case.invoice
        if column == INVOICE:
            return str(inv.id)
        if column == STATUS:
            return inv.status.name
        if column == AMOUNT:
            return format_amount(inv.amount)
        if column == PAYER:
            return inv.payer
        if column == PAYEE:
            return inv.payee
        if column == SLA:
            return "closed" if self._closed(case) else self._clock(case).label()
        if column == STEP:
            return "done" if case.current is None else f"{int(case.current)} of 6"
        verified = sum(1 for e in case.dispute.evidence if e.state.value == "verified")
        return f"{verified}/{len(case.dispute.evidence)} verified"

    def _sort_key(self, case: CaseFile, column: int) -> Any:
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
        self.beginResetModel()
        self._rows = list(rows)
        self._now = int(time.time()) if now is None else now
        self.endResetModel()

    def tick(self, now: int) -> None:
        """Move the SLA clock to ``now``: one ``dataChanged`` over the SLA column."""
        self._now = now
        if self._rows:
            top, bottom = self.index(0, SLA), self.index(len(self._rows) - 1, SLA)
            self.dataChanged.emit(top, bottom, [Qt.ItemDataRole.DisplayRole, SORT_ROLE,
                                                Qt.ItemDataRole.ForegroundRole])

    def row_of(self, invoice_id: int) -> int:
        """The row holding ``invoice_id``, or -1."""
        return next((n for n, c in enumerate(self._rows) if c.invoice.id == invoice_id), -1)

    def case(self, row: int) -> CaseFile:
        """The case at ``row``."""
        return self._rows[row]
