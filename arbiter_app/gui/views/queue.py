"""The dispute queue: the disputes table with a filter box and the open/closed/all views.

The model sorts (the header's click) and filters (each keystroke) over keys it worked out
once per case. Choosing a row emits the invoice id, once per change of case: a filter, a sort
or a refill that hides or moves the open case never opens another one (the case pane keeps
what it shows), and the row is chosen again when it comes back into view.
"""

from __future__ import annotations

from PySide6.QtCore import QItemSelection, Qt, Signal
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QHeaderView, QLineEdit, QVBoxLayout, QWidget

from arbiter_app.gui.models.disputes import SLA, VIEWS, DisputesModel
from arbiter_app.gui.views.table import rows_table

# How many rows the columns are fitted to when the queue first fills (Qt would measure every
# row of a 10,000-case queue otherwise).
FIT_ROWS = 50
VIEW_TITLES = {"open": "Open cases", "closed": "Closed cases", "all": "All cases"}


class QueueView(QWidget):
    """The queue table with its filter box and view chooser.

    :param model: the disputes model the window fills
    """

    case_selected = Signal(int)

    def __init__(self, model: DisputesModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.model = model
        self.chosen: int | None = None  # the case last emitted
        self.filter = QLineEdit()
        self.filter.setPlaceholderText("Filter disputes (invoice, status, address…)")
        self.filter.setClearButtonEnabled(True)
        self.filter.setAccessibleName("Filter disputes")
        self.filter.textChanged.connect(self.on_filter)
        self.view = QComboBox()
        for view in VIEWS:
            self.view.addItem(VIEW_TITLES[view], view)
        self.view.setAccessibleName("Show cases")
        self.view.currentIndexChanged.connect(lambda _: self.show_view(self.view.currentData()))
        self.table = rows_table(model)
        self.table.setSortingEnabled(True)
        self.table.sortByColumn(SLA, Qt.SortOrder.AscendingOrder)
        self.table.verticalHeader().setVisible(False)
        self.table.setTabKeyNavigation(False)  # Tab leaves the queue; arrows move the row
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setResizeContentsPrecision(FIT_ROWS)
        header.setStretchLastSection(True)
        header.setMinimumSectionSize(40)
        self.table.selectionModel().selectionChanged.connect(self.on_selection)
        model.modelReset.connect(self.reselect)
        model.set_view("open")
        top = QHBoxLayout()
        top.addWidget(self.filter, 1)
        top.addWidget(self.view)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(top)
        layout.addWidget(self.table)
        self.setMinimumWidth(320)

    def fit_columns(self) -> None:
        """Fit each column to its title and the first rows (after the first fill)."""
        self.table.resizeColumnsToContents()
        self.table.horizontalHeader().setStretchLastSection(True)

    def on_filter(self, text: str) -> None:
        self.model.set_filter(text)

    def show_view(self, view: str) -> None:
        """Show the open, closed or all cases (the chooser's choice)."""
        index = self.view.findData(view)
        if index != self.view.currentIndex():
            self.view.setCurrentIndex(index)  # comes back here through the signal
            return
        self.model.set_view(view)

    def on_selection(self, selected: QItemSelection, deselected: QItemSelection) -> None:
        rows = self.table.selectionModel().selectedRows()
        if not rows:
            return  # a hidden case stays open in the pane
        invoice_id = self.model.case(rows[0].row()).invoice.id
        if invoice_id != self.chosen:
            self.chosen = invoice_id
            self.case_selected.emit(invoice_id)

    def reselect(self) -> None:
        """Choose the open case's row again after the rows were rearranged."""
        if self.chosen is not None:
            self._select_row(self.model.row_of(self.chosen))

    def select(self, invoice_id: int) -> None:
        """Select the row of ``invoice_id`` (if it is shown) and open it."""
        self._select_row(self.model.row_of(invoice_id))

    def _select_row(self, row: int) -> None:
        if row >= 0:
            self.table.selectRow(row)
            self.table.scrollTo(self.model.index(row, 0))

    def step_case(self, delta: int) -> None:
        """Open the case ``delta`` rows below (above, if negative) the selected one."""
        rows = self.table.selectionModel().selectedRows()
        row = rows[0].row() + delta if rows else 0
        self._select_row(max(0, min(row, self.model.rowCount() - 1)))

    def selected_id(self) -> int | None:
        """The selected invoice id, if any."""
        rows = self.table.selectionModel().selectedRows()
        return self.model.case(rows[0].row()).invoice.id if rows else None
