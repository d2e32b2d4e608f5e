"""Search of past cases: rationale text, evidence titles, parties' addresses and invoice ids.

The words typed are looked up in the store's full-text index on the task runner; each result
names the case, where it matched and a snippet (party text, shown as plain text). Enter or a
double click opens the case in the window.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QDialog,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QVBoxLayout,
    QWidget,
)

from arbiter_app.gui.tasks import Task, call
from arbiter_app.services import queries
from arbiter_app.text import display_name

if TYPE_CHECKING:
    from arbiter_app.services.queries import SearchHit
    from arbiter_app.services.session import Session


class SearchDialog(QDialog):
    """Find past cases and open one.

    :param session: the session whose store is searched
    """

    open_case = Signal(int)

    def __init__(self, session: Session, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.session = session
        self.setWindowTitle("Search cases")
        self.setMinimumSize(520, 360)
        self.query = QLineEdit()
        self.query.setPlaceholderText("Words of a rationale or an evidence title, an address, "
                                      "an invoice id")
        self.query.setAccessibleName("Search words")
        self.query.returnPressed.connect(self.search)
        self.results = QListWidget()
        self.results.setAccessibleName("Search results")
        self.results.itemActivated.connect(self.on_activated)
        self.summary = QLabel("Type words and press Enter.")
        self.summary.setTextFormat(Qt.TextFormat.PlainText)
        layout = QVBoxLayout(self)
        layout.addWidget(self.query)
        layout.addWidget(self.summary)
        layout.addWidget(self.results, 1)

    def search(self) -> Task:
        """Look the typed words up on the task runner."""
        session, text = self.session, self.query.text()
        return Task(call(lambda: queries.search(session, text)), parent=self
                    ).on_success(self.show_hits).run()

    def show_hits(self, hits: list[SearchHit]) -> None:
        """List the results, the first one chosen (Enter opens it)."""
        self.results.clear()
        for hit in hits:
            item = QListWidgetItem(f"Invoice {hit.invoice_id} — {hit.where}: "
                                   f"{display_name(hit.snippet, 200)}")
            item.setData(Qt.ItemDataRole.UserRole, hit.invoice_id)
            self.results.addItem(item)
        self.summary.setText(f"{len(hits)} result{'s' if len(hits) != 1 else ''}."
                             if hits else "No case matches these words.")
        if hits:
            self.results.setCurrentRow(0)
            self.results.setFocus()

    def on_activated(self, item: QListWidgetItem) -> None:
        self.open_case.emit(int(item.data(Qt.ItemDataRole.UserRole)))
