"""The row-list mechanics every table model here shares: frozen rows, headers and two roles.

A :class:`RowsModel` holds a list of frozen rows (cases, evidence items) that the window hands
it; it never reads the store. It answers Qt's row and column counts and horizontal headers,
returns the row object itself for :data:`ROW_ROLE` and a comparable key for :data:`SORT_ROLE`
(so a ``QSortFilterProxyModel`` sorts numbers as numbers), and replaces its rows inside
``begin/endResetModel``. Subclasses say only what a cell shows.

``data()`` and ``headerData()`` never return ``None``: PySide6 6.12 drops one reference to
``None`` each time a Python override hands it back to Qt, until the interpreter dies with
"deallocating None" (a busy table makes millions of such calls). A role a model does not fill
gets :func:`no_value`, a value of the role's own type that looks exactly like no value; the
views draw these tables through :mod:`arbiter_app.gui.views.table`, which reads them so.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, Generic, TypeVar

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, QSize, Qt
from PySide6.QtGui import QBrush, QFont, QFontMetrics, QIcon, QPalette
from PySide6.QtWidgets import QApplication, QStyle, QStyleOptionHeader

SORT_ROLE = Qt.ItemDataRole.UserRole + 1
ROW_ROLE = Qt.ItemDataRole.UserRole + 2
# The first role number a subclass may give its own meaning.
FIRST_FREE_ROLE = Qt.ItemDataRole.UserRole + 3

Index = QModelIndex | QPersistentModelIndex
RowT = TypeVar("RowT")
Role = Qt.ItemDataRole
DEFAULT_ALIGNMENT = int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)


def no_value(role: int) -> Any:
    """What a cell or header shows for ``role`` when the model has nothing to say: the
    default Qt would use (alignment, font, text colour), an empty text, or a null value of the
    role's type (icon, size, brush) that the table views read as absent."""
    if role == Role.TextAlignmentRole:
        return DEFAULT_ALIGNMENT
    if role == Role.FontRole:
        return QFont()
    if role == Role.ForegroundRole:
        return QPalette().text()
    if role == Role.BackgroundRole:
        return QBrush()
    if role == Role.DecorationRole:
        return QIcon()
    if role == Role.SizeHintRole:
        return QSize()
    if role == Role.CheckStateRole:
        return Qt.CheckState.Unchecked  # the items are not checkable (flags say so)
    return ""


def header_value(role: int, orientation: Qt.Orientation, title: str) -> Any:
    """What a header section titled ``title`` shows for ``role``: Qt's own defaults for a
    header (button colours, centred titles across the top) and its size from the title, with
    room for the sort arrow."""
    if role == Role.DisplayRole:
        return title
    if role == Role.BackgroundRole:
        return QPalette().button()
    if role == Role.ForegroundRole:
        return QPalette().buttonText()
    if role == Role.TextAlignmentRole and orientation is Qt.Orientation.Horizontal:
        return int(Qt.AlignmentFlag.AlignCenter)
    if role == Role.SizeHintRole:
        option = QStyleOptionHeader()
        option.text = title
        option.fontMetrics = QFontMetrics(QApplication.font())
        style = QApplication.style()
        size = style.sizeFromContents(QStyle.ContentsType.CT_HeaderSection, option, QSize())
        arrow = size.height() + style.pixelMetric(QStyle.PixelMetric.PM_HeaderMargin)
        return QSize(size.width() + arrow, size.height())
    return no_value(role)


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
        title = ""
        if orientation is Qt.Orientation.Horizontal and 0 <= section < len(self._headers):
            title = self._headers[section]
        elif orientation is Qt.Orientation.Vertical:
            title = str(section + 1)
        return header_value(role, orientation, title)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return no_value(role)
        row = self._rows[index.row()]
        if role == ROW_ROLE:
            return row
        if role == SORT_ROLE:
            return self.sort_key(row, index.column())
        value = self.cell(row, index.column(), role)
        return no_value(role) if value is None else value

    def cell(self, row: RowT, column: int, role: int) -> Any:
        """What ``row`` shows in ``column`` for ``role`` (``None`` for nothing: the caller
        turns it into :func:`no_value`, never handing ``None`` to Qt)."""
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
