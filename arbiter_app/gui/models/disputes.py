"""The dispute queue as a Qt table model over frozen :class:`CaseFile` rows.

A queue holds every case of the store (10,000 is an ordinary working set), so nothing here
walks the cases on the UI thread more than once per change: each case's cell texts, sort keys
and filter text are worked out once when the case arrives (:class:`QueueRow`), and sorting,
filtering and the open/closed view choose an order of row numbers over those precomputed
values (a Python sort of 10,000 keys takes milliseconds, where a proxy asking the model for
every comparison takes seconds). A step or a sync hands in the changed cases only
(:meth:`DisputesModel.update_cases`); the SLA clock moves with one ``dataChanged`` over its
column. The model never reads the store: the window hands it the cases.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Iterable
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, Qt
from PySide6.QtGui import QBrush, QColor

from arbiter_app.case import words
from arbiter_app.case.framework import CaseFile
from arbiter_app.case.sla import SlaClock, sla_clock
from arbiter_app.gui.models.rows import (
    FIRST_FREE_ROLE,
    ROW_ROLE,
    SORT_ROLE,
    Index,
    header_value,
    no_value,
)

__all__ = ["FILTER_ROLE", "ROW_ROLE", "SORT_ROLE", "DisputesModel", "QueueRow", "short_address"]

FILTER_ROLE = FIRST_FREE_ROLE  # full text (addresses unshortened) for filtering

(INVOICE, STATUS, SLA, STEP, AMOUNT, EVIDENCE, RAISED, RULED, PAYER, PAYEE) = range(10)
HEADERS = ("Invoice", "Status", "SLA", "Step", "Amount (sBTC)", "Evidence", "Raised", "Ruled",
           "Payer", "Payee")
VIEWS = ("open", "closed", "all")
OVERDUE = QColor("#b00020")
RIGHT_FLAGS = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
LEFT = Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter
RIGHT = int(RIGHT_FLAGS)


def short_address(address: str) -> str:
    """``ST2NEB84…ZQPG87ND``: enough of both ends to tell addresses apart in a table."""
    return address if len(address) <= 20 else f"{address[:8]}…{address[-8:]}"


def _date(seconds: int | None) -> str:
    return "" if seconds is None else time.strftime("%Y-%m-%d %H:%M", time.gmtime(seconds))


@dataclasses.dataclass(frozen=True)
class QueueRow:
    """One case with everything the queue shows of it, worked out once."""

    case: CaseFile
    closed: bool
    texts: tuple[str, ...]
    keys: tuple[Any, ...]
    filter_text: str

    @classmethod
    def of(cls, case: CaseFile, sla_hours: int) -> QueueRow:
        """The row of ``case``; the SLA column keeps the due time, its text is worked out
        when painted (the clock moves, the due time does not)."""
        inv, closed = case.invoice, words.closed(case)
        due = sla_clock(case.dispute, sla_hours, 0).due_at
        ruled = case.ruling.finalized_at if case.ruling is not None else None
        states = [e.state.value for e in case.dispute.evidence]
        evidence = f"{states.count('verified')}/{len(states)} verified"
        if "pending" in states:  # not fetched yet: the case's first opening fetches them
            evidence += f", {states.count('pending')} pending"
        texts = (str(inv.id), inv.status.name, words.CLOSED if closed else "",
                 words.step_label(case), words.amount(inv.amount), evidence,
                 _date(case.dispute.raised_time), _date(ruled), inv.payer, inv.payee)
        keys = (inv.id, int(inv.status), due, 7 if case.current is None else int(case.current),
                inv.amount, len(case.dispute.evidence), case.dispute.raised_time, ruled or 0,
                inv.payer, inv.payee)
        return cls(case, closed, texts, keys, "\t".join(texts).casefold())


def changed_rows(cases: Iterable[CaseFile], known: dict[int, CaseFile],
                 sla_hours: int) -> list[QueueRow]:
    """The rows of the ``cases`` that are new or differ from ``known`` (a snapshot of
    :meth:`DisputesModel.known`); pure, so a worker thread can work them out."""
    return [QueueRow.of(c, sla_hours) for c in cases if known.get(c.invoice.id) != c]


class DisputesModel(QAbstractTableModel):
    """The arbiter's disputes, one row per shown case, in the chosen order.

    :param sla_hours: the configured response time (``Settings.sla_hours``)
    """

    def __init__(self, sla_hours: int, parent: Any = None) -> None:
        super().__init__(parent)
        self._sla_hours = sla_hours
        self._now = int(time.time())
        self._rows: list[QueueRow] = []
        self._position: dict[int, int] = {}  # invoice id -> index in _rows
        self._sorted: list[int] = []  # indexes into _rows, in the chosen order
        self._shown: list[int] = []  # those of _sorted the view and the filter let through
        self._sort: tuple[int, Qt.SortOrder] = (SLA, Qt.SortOrder.AscendingOrder)
        self._filter = ""
        self._view = "all"

    # Qt's table interface -------------------------------------------------------------

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008 - Qt's signature
        return 0 if parent.isValid() else len(self._shown)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(HEADERS)

    def headerData(self, section: int, orientation: Qt.Orientation,
                   role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        title = ""
        if orientation is Qt.Orientation.Horizontal and 0 <= section < len(HEADERS):
            title = HEADERS[section]
        elif orientation is Qt.Orientation.Vertical:
            title = str(section + 1)
        return header_value(role, orientation, title)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._shown):
            return no_value(role)
        row, column = self._rows[self._shown[index.row()]], index.column()
        value = self._cell(row, column, role)
        return no_value(role) if value is None else value

    def shown(self, index: Index) -> tuple[str, Qt.AlignmentFlag, QBrush | None]:
        """What a cell draws, in one call (the table's delegate): text, alignment, colour."""
        row, column = self._rows[self._shown[index.row()]], index.column()
        brush = self._cell(row, column, Qt.ItemDataRole.ForegroundRole)
        align = LEFT if column not in (INVOICE, AMOUNT) else RIGHT_FLAGS
        return self._cell(row, column, Qt.ItemDataRole.DisplayRole), align, brush

    def _cell(self, row: QueueRow, column: int, role: int) -> Any:
        if role == Qt.ItemDataRole.DisplayRole:
            if column == SLA and not row.closed:
                return SlaClock(row.keys[SLA], row.keys[SLA] - self._now).label()
            text = row.texts[column]
            return short_address(text) if column in (PAYER, PAYEE) else text
        if role == ROW_ROLE:
            return row.case
        if role == SORT_ROLE:
            return row.keys[column]
        if role == FILTER_ROLE or (role == Qt.ItemDataRole.ToolTipRole
                                   and column in (PAYER, PAYEE)):
            return row.texts[column]  # a c32 address: no markup can be in it
        if role == Qt.ItemDataRole.ForegroundRole and column == SLA and not row.closed:
            return QBrush(OVERDUE) if row.keys[SLA] < self._now else None
        if role == Qt.ItemDataRole.TextAlignmentRole and column in (INVOICE, AMOUNT):
            return RIGHT
        return None

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        """Order the rows by ``column`` (the header's click), on the precomputed keys."""
        self._sort = (column, order)
        self._order()
        self._choose()

    def _order(self) -> None:
        column, order = self._sort
        keys = [r.keys[column] for r in self._rows]
        self._sorted = sorted(range(len(keys)), key=keys.__getitem__,
                              reverse=order is Qt.SortOrder.DescendingOrder)

    # What the queue shows ----------------------------------------------------------------

    def set_filter(self, text: str) -> None:
        """Show only the cases whose texts (full addresses) contain ``text``, any case."""
        self._filter = text.strip().casefold()
        self._choose()

    def set_view(self, view: str) -> None:
        """Show the ``open`` cases (work to do), the ``closed`` ones, or ``all``."""
        if view not in VIEWS:
            raise ValueError(f"unknown queue view {view!r}")
        self._view = view
        self._choose()

    def _choose(self) -> None:
        """Choose the shown rows, in the sorted order (one model reset)."""
        wanted = {"open": False, "closed": True}.get(self._view)
        needle, rows = self._filter, self._rows
        if wanted is None and not needle:
            shown = list(self._sorted)
        else:
            shown = [n for n in self._sorted
                     if (wanted is None or rows[n].closed is wanted)
                     and needle in rows[n].filter_text]
        self.beginResetModel()
        self._shown = shown
        self.endResetModel()

    def set_rows(self, cases: Iterable[CaseFile], now: int | None = None) -> None:
        """Replace every case (the queue at start)."""
        self._now = int(time.time()) if now is None else now
        self._rows = [QueueRow.of(c, self._sla_hours) for c in cases]
        self._position = {r.case.invoice.id: n for n, r in enumerate(self._rows)}
        self._order()
        self._choose()

    @property
    def sla_hours(self) -> int:
        """The response time the SLA column counts down."""
        return self._sla_hours

    def known(self) -> dict[int, CaseFile]:
        """Every case the queue holds, by invoice id (for :func:`changed_rows`)."""
        return {r.case.invoice.id: r.case for r in self._rows}

    def update_cases(self, cases: Iterable[CaseFile]) -> None:
        """Take in changed or new cases (after a step): see :meth:`update_rows`."""
        cases = list(cases)
        self.update_rows(changed_rows(cases, self.known_of(cases), self._sla_hours))

    def known_of(self, cases: Iterable[CaseFile]) -> dict[int, CaseFile]:
        """The held cases with the ids of ``cases``."""
        return {c.invoice.id: self._rows[at].case for c in cases
                if (at := self._position.get(c.invoice.id)) is not None}

    def update_rows(self, rows: Iterable[QueueRow]) -> None:
        """Take in the rows of changed or new cases (after a step, a sync or the background
        load): a changed case keeps its place and repaints its row; new cases join the shown
        order once, at the end of the call."""
        added = False
        for row in rows:
            case = row.case
            at = self._position.get(case.invoice.id)
            if at is None:
                self._position[case.invoice.id] = len(self._rows)
                self._rows.append(row)
                added = True
                continue
            self._rows[at] = row
            shown = self._shown_row(at)
            if shown >= 0:
                self.dataChanged.emit(self.index(shown, 0), self.index(shown, len(HEADERS) - 1))
        if added:
            self._order()
            self._choose()

    def add_rows(self, rows: Iterable[QueueRow]) -> None:
        """Take in the cases the queue does not hold yet (the background load), in one
        change; a case it holds already is newer there (a sync brought it meanwhile) and
        stays."""
        position, held = self._position, self._rows
        new = [r for r in rows if r.case.invoice.id not in position]
        for row in new:
            position[row.case.invoice.id] = len(held)
            held.append(row)
        if new:
            self._order()
            self._choose()

    def cases(self) -> list[CaseFile]:
        """Every case the queue holds, shown or not (immutable: safe to hand to a task)."""
        return [r.case for r in self._rows]

    def _shown_row(self, at: int) -> int:
        try:
            return self._shown.index(at)
        except ValueError:
            return -1

    def tick(self, now: int) -> None:
        """Move the SLA clock to ``now``: one ``dataChanged`` over the SLA column (the rows
        keep their places until the next sort)."""
        self._now = now
        count = self.rowCount()
        if count:
            top, bottom = self.index(0, SLA), self.index(count - 1, SLA)
            self.dataChanged.emit(top, bottom, [Qt.ItemDataRole.DisplayRole, SORT_ROLE,
                                                Qt.ItemDataRole.ForegroundRole])

    # Lookups ------------------------------------------------------------------------------

    def row_of(self, invoice_id: int) -> int:
        """The shown row holding ``invoice_id``, or -1."""
        at = self._position.get(invoice_id)
        return -1 if at is None else self._shown_row(at)

    def case(self, row: int) -> CaseFile:
        """The case at shown ``row``."""
        return self._rows[self._shown[row]].case

    def find(self, invoice_id: int) -> CaseFile | None:
        """The case of ``invoice_id`` whether shown or not."""
        at = self._position.get(invoice_id)
        return None if at is None else self._rows[at].case

    def rows(self) -> list[CaseFile]:
        """The shown cases, in display order."""
        return [self._rows[n].case for n in self._shown]

    def counts(self) -> tuple[int, int]:
        """How many cases are open and how many closed, whatever is shown."""
        closed = sum(1 for r in self._rows if r.closed)
        return len(self._rows) - closed, closed
