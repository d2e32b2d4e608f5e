"""The row-list mechanics every table model here shares: frozen rows, headers and two roles.

A :class:`RowsModel` holds a list of frozen rows (cases, evidence items) that the window hands
it; it never reads the store. It answers Qt's row and column counts and horizontal headers,
returns the row object itself for :data:`ROW_ROLE` and a comparable key for :data:`SORT_ROLE`
(so a ``QSortFilterProxyModel`` sorts numbers as numbers), and replaces its rows inside
``begin/endResetModel`` (STYLE habit 9). Subclasses say only what a cell shows.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, Generic, TypeVar

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt

SORT_ROLE = Qt.ItemDataRole.UserRole + 1
ROW_ROLE = Qt.ItemDataRole.UserRole + 2
# The first role number a subclass may give its own meaning.
FIRST_FREE_ROLE = Qt.ItemDataRole.UserRole + 3

Index = QModelIndex | QPersistentModelIndex
RowT = TypeVar("RowT")


class RowsModel(QAbstractTableModel, Generic[RowT]):
    """A flat table of frozen rows under fixed column headers.

    :param headers: the column titles, in column order
    """

    def __init__(self, headers: tuple[str, ...], parent: Any = None) -> None:
        super().__init__(parent)
        self._headers = headers
        self._rows: list[RowT] = []

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008 - Qt's signature
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._headers)

    def headerData(self, section: int, orientation: Qt.Orientation,
                   role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if (orientation is Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole
                and 0 <= section < len(self._headers)):
            return self._headers[section]
        return None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        row = self._rows[index.row()]
        if role == ROW_ROLE:
            return row
        if role == SORT_ROLE:
            return self.sort_key(row, index.column())
        return self.cell(row, index.column(), role)

    def cell(self, row: RowT, column: int, role: int) -> Any:
        """What ``row`` shows in ``column`` for ``role`` (``None`` for nothing)."""
        raise NotImplementedError

    def sort_key(self, row: RowT, column: int) -> Any:
        """A comparable key of ``row`` in ``column``, for :data:`SORT_ROLE`."""
        raise NotImplementedError

    def replace_rows(self, rows: Iterable[RowT]) -> None:
        """Replace every row inside one model reset."""
        self.beginResetModel()
        self._rows = list(rows)
        self.endResetModel()

    def replace_row(self, row: int, value: RowT) -> None:
        """Swap in one changed row: one ``dataChanged`` over all its columns."""
        self._rows[row] = value
        self.dataChanged.emit(self.index(row, 0), self.index(row, len(self._headers) - 1))

    def row(self, row: int) -> RowT:
        """The row object at position ``row``."""
        return self._rows[row]

    def rows(self) -> list[RowT]:
        """A copy of every row, in model order."""
        return list(self._rows)
