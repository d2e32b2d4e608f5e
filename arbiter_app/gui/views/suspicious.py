"""The suspicious-address list: add an address with its reason, remove one, import a shared
list or export this one (JSON or CSV). Every change is written by the service on the task
runner with its decision-log entry; a dispute whose payer or payee is listed must have that
flag confirmed at step 5.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QDialog,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from arbiter_app.gui.tasks import Task, call
from arbiter_app.services import suspicious
from arbiter_app.text import display_name

if TYPE_CHECKING:
    from arbiter_app.services.session import Session


class SuspiciousDialog(QDialog):
    """Manage the list of suspicious addresses.

    :param session: the session whose store keeps the list
    """

    def __init__(self, session: Session, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.session = session
        self.setWindowTitle("Suspicious addresses")
        self.setMinimumSize(640, 380)
        self.entries = QListWidget()
        self.entries.setAccessibleName("Suspicious addresses")
        self.summary = QLabel()
        self.summary.setTextFormat(Qt.TextFormat.PlainText)
        self.address = QLineEdit()
        self.address.setPlaceholderText("Stacks address (S…)")
        self.reason = QLineEdit()
        self.reason.setPlaceholderText("Why it is suspicious (required)")
        self.reason.returnPressed.connect(self.on_add)
        add = QPushButton("Add")
        add.clicked.connect(self.on_add)
        self.remove_button = QPushButton("Remove selected")
        self.remove_button.clicked.connect(self.on_remove)
        imported = QPushButton("Import…")
        imported.clicked.connect(self.on_import)
        exported = QPushButton("Export…")
        exported.clicked.connect(self.on_export)
        entry = QHBoxLayout()
        entry.addWidget(self.address, 3)
        entry.addWidget(self.reason, 3)
        entry.addWidget(add)
        buttons = QHBoxLayout()
        for b in (self.remove_button, imported, exported):
            buttons.addWidget(b)
        buttons.addStretch(1)
        layout = QVBoxLayout(self)
        layout.addWidget(self.summary)
        layout.addWidget(self.entries, 1)
        layout.addLayout(entry)
        layout.addLayout(buttons)
        self.refresh()

    def refresh(self) -> None:
        """Show the list as stored."""
        self.entries.clear()
        listed = suspicious.listed(self.session)
        for e in listed:
            item = QListWidgetItem(f"{e.address} — {display_name(e.reason, 200)}")
            item.setData(Qt.ItemDataRole.UserRole, e.address)
            self.entries.addItem(item)
        self.summary.setText(f"{len(listed)} address(es) listed. A dispute with a listed payer "
                             "or payee needs that confirmed at step 5.")

    def _write(self, work: Callable[[], object]) -> Task:
        return Task(call(work), parent=self).on_success(lambda _: self.refresh()).run()

    def on_add(self) -> Task:
        """List the typed address with the typed reason."""
        session, address, reason = self.session, self.address.text(), self.reason.text()
        self.address.clear()
        self.reason.clear()
        return self._write(lambda: suspicious.flag(session, address, reason,
                                                   now=int(time.time())))

    def on_remove(self) -> Task | None:
        """Take the selected address off the list."""
        item = self.entries.currentItem()
        if item is None:
            return None
        session, address = self.session, str(item.data(Qt.ItemDataRole.UserRole))
        return self._write(lambda: suspicious.unflag(session, address, now=int(time.time())))

    def on_import(self, path: str | None = None) -> Task | None:
        """Add the entries of a shared .json or .csv list."""
        path = path or QFileDialog.getOpenFileName(self, "Import a list", "",
                                                   "Lists (*.json *.csv)")[0]
        if not path:
            return None
        session = self.session
        return self._write(lambda: suspicious.import_file(session, Path(path), None,
                                                          now=int(time.time())))

    def on_export(self, path: str | None = None) -> Task | None:
        """Write the list to a .json or .csv file."""
        path = path or QFileDialog.getSaveFileName(self, "Export the list", "suspicious.json",
                                                   "Lists (*.json *.csv)")[0]
        if not path:
            return None
        session = self.session
        return self._write(lambda: suspicious.export_file(session, Path(path), None))
