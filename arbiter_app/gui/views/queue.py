"""The dispute queue: the disputes table behind a sort/filter proxy, with a filter box.

Sorting uses the model's sort role (SLA seconds, amounts as integers), filtering matches the
typed text against every column, case-insensitively. Choosing a row emits the invoice id.
"""

from __future__ import annotations

from PySide6.QtCore import QItemSelection, QSortFilterProxyModel, Qt, Signal
from PySide6.QtWidgets import QHeaderView, QLineEdit, QVBoxLayout, QWidget

from arbiter_app.gui.models.disputes import (
    FILTER_ROLE,
    ROW_ROLE,
    SLA,
    SORT_ROLE,
    DisputesModel,
)
from arbiter_app.gui.views.table import rows_table


class QueueView(QWidget):
    """The queue table with its filter box.

    :param model: the disputes model the window fills
    """

    case_selected = Signal(int)

    def __init__(self, model: DisputesModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.model = model
        self.proxy = QSortFilterProxyModel(self)
        self.proxy.setSourceModel(model)
        self.proxy.setSortRole(SORT_ROLE)
        self.proxy.setFilterKeyColumn(-1)
        self.proxy.setFilterRole(FILTER_ROLE)
        self.proxy.setFilterCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        self.filter = QLineEdit()
        self.filter.setPlaceholderText("Filter disputes (invoice, status, address…)")
        self.filter.setClearButtonEnabled(True)
        self.filter.textChanged.connect(self.proxy.setFilterFixedString)
        self.table = rows_table(self.proxy)
        self.table.setSortingEnabled(True)
        self.table.sortByColumn(SLA, Qt.SortOrder.AscendingOrder)
        self.table.verticalHeader().setVisible(False)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.table.selectionModel().selectionChanged.connect(self.on_selection)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.filter)
        layout.addWidget(self.table)

    def on_selection(self, selected: QItemSelection, deselected: QItemSelection) -> None:
        rows = self.table.selectionModel().selectedRows()
        if rows:
            self.case_selected.emit(int(self.proxy.data(rows[0], ROW_ROLE).invoice.id))

    def select(self, invoice_id: int) -> None:
        """Select the row of ``invoice_id`` (if it is shown)."""
        row = self.model.row_of(invoice_id)
        if row < 0:
            return
        index = self.proxy.mapFromSource(self.model.index(row, 0))
        if index.isValid():
            self.table.selectRow(index.row())

    def selected_id(self) -> int | None:
        """The selected invoice id, if any."""
        rows = self.table.selectionModel().selectedRows()
        return int(self.proxy.data(rows[0], ROW_ROLE).invoice.id) if rows else None
