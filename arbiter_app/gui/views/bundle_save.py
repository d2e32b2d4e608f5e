"""Saving a ruled case's bundle from the case pane: "Save case bundle…".

Shown once the case's receipt is issued (a closed, ruled case). It offers
``bundle-<invoice>.car``, writes the bundle the service verified (the one published after the
receipt, or built now) on the task runner, and says where it went and what award it states,
as the receipt dialog confirms its saves (docs/bundle.md).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtWidgets import QFileDialog, QHBoxLayout, QPushButton, QVBoxLayout, QWidget

from arbiter_app.gui.tasks import Task
from arbiter_app.gui.views.step_page import plain
from arbiter_app.services import bundle
from arbiter_app.services.bundle import BundleFacts

if TYPE_CHECKING:
    from arbiter_app.services.session import Session


class BundleSave(QWidget):
    """The "Save case bundle…" button of a ruled case and its confirmation.

    :param session: the session whose store holds the case
    """

    def __init__(self, session: Session, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.session = session
        self.invoice_id: int | None = None
        self.button = QPushButton("Save case bundle…")
        self.button.setToolTip("One CAR file that proves the whole outcome: receipt, "
                               "rationale, evidence report, decision-log proofs and the signed "
                               "transaction; anyone verifies it with 'arbiter-app bundle "
                               "verify'")
        self.button.clicked.connect(self.on_save)
        self.saved = plain()
        self.saved.setStyleSheet("color: #1b5e20")
        row = QHBoxLayout()
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.button)
        row.addStretch(1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(row)
        layout.addWidget(self.saved)
        self.hide()

    def load(self, invoice_id: int, receipt_issued: bool) -> None:
        """Offer the bundle of ``invoice_id`` when its receipt is issued."""
        if invoice_id != self.invoice_id:
            self.saved.setText("")
        self.invoice_id = invoice_id
        self.setVisible(receipt_issued)

    def file_name(self) -> str:
        """``bundle-<invoice>.car``, the name offered when saving."""
        return f"bundle-{self.invoice_id}.car"

    def on_save(self) -> None:
        name, _ = QFileDialog.getSaveFileName(self, "Save case bundle", self.file_name(),
                                              "Case bundle (*.car)")
        if name:
            self.save(Path(name))

    def save(self, path: Path) -> Task:
        """Write the verified bundle to ``path`` on the task runner and confirm it."""
        session, invoice_id = self.session, self.invoice_id
        assert invoice_id is not None
        return Task(lambda token: bundle.save(session, invoice_id, path, token),
                    parent=self.window()).on_success(lambda facts: self.confirm(path, facts)
                                                     ).with_progress("Saving the case bundle"
                                                                     ).run()

    def confirm(self, path: Path, facts: BundleFacts) -> None:
        """Tell the arbiter the bundle was saved, where, and what it states."""
        self.saved.setText(f"Saved the case bundle to {path} ({facts.root}). It states: "
                           f"{facts.award['text']}")
