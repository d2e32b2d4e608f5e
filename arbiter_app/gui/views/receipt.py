"""The receipt view after execution: the signed receipt's facts, its JSON, and saving it.

The receipt is the store's canonical JSON; the facts listed are the ones the PDF prints
(:func:`arbiter_app.services.receipts.receipt_facts`), after the receipt has verified. It can
be saved as JSON or as a PDF (:func:`arbiter_app.services.receipts.save_pdf`).
"""

from __future__ import annotations

import json
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from arbiter_app.gui.tasks import Task, call
from arbiter_app.services import receipts


class ReceiptView(QDialog):
    """Shows one ruling receipt; saves it as JSON or PDF.

    :param document: the receipt's canonical JSON
    :param rationale: the ruling's rationale text, printed in the PDF
    """

    def __init__(self, document: str, parent: QWidget | None = None,
                 rationale: str | None = None) -> None:
        super().__init__(parent)
        self.rationale = rationale
        self.setWindowTitle("Ruling receipt")
        self.resize(900, 720)
        self.document = document
        facts = QFormLayout()
        for name, value in self.facts():
            label = QLabel(value)
            label.setTextFormat(Qt.TextFormat.PlainText)
            label.setWordWrap(True)
            label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            facts.addRow(name, label)
        raw = QPlainTextEdit(json.dumps(json.loads(document), indent=2, sort_keys=True))
        raw.setReadOnly(True)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        save_json = QPushButton("Save JSON…")
        save_pdf = QPushButton("Save PDF…")
        buttons.addButton(save_json, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.addButton(save_pdf, QDialogButtonBox.ButtonRole.ActionRole)
        save_json.clicked.connect(self.on_save_json)
        save_pdf.clicked.connect(self.on_save_pdf)
        buttons.rejected.connect(self.reject)
        self.saved = QLabel()
        self.saved.setTextFormat(Qt.TextFormat.PlainText)
        self.saved.setStyleSheet("color: #1b5e20")
        layout = QVBoxLayout(self)
        layout.addLayout(facts)
        layout.addWidget(raw, 1)
        layout.addWidget(self.saved)
        layout.addWidget(buttons)

    def facts(self) -> list[tuple[str, str]]:
        """The verified facts of the receipt, or the reason it does not verify."""
        try:
            facts = receipts.receipt_facts(self.document)
        except Exception as error:  # noqa: BLE001 - a receipt that fails says so, plainly
            return [("Not verified", str(error))]
        # The full signature is in the JSON below; the facts show enough to compare.
        return [("Verified", "signed by the arbiter's key (SIP-018), tied to the decision log")
                ] + [(k, f"{v[:24]}…{v[-24:]}" if k.startswith("Signature") else v)
                     for k, v in facts]

    def file_name(self, suffix: str) -> str:
        """``receipt-<invoice>.<suffix>``, the name offered when saving (``receipt`` alone
        if the document names no invoice)."""
        try:
            invoice_id = int(json.loads(self.document)["receipt"]["invoice_id"])
        except (ValueError, KeyError, TypeError):
            return f"receipt.{suffix}"
        return f"receipt-{invoice_id}.{suffix}"

    def save_json(self, path: Path) -> None:
        """Write the receipt's JSON to ``path`` and say where it went."""
        path.write_text(self.document, encoding="utf-8")
        self.confirm(path)

    def confirm(self, path: Path) -> None:
        """Tell the arbiter the receipt was saved, and where."""
        self.saved.setText(f"Saved the receipt to {path}.")

    def on_save_json(self) -> None:
        name, _ = QFileDialog.getSaveFileName(self, "Save receipt", self.file_name("json"),
                                              "JSON (*.json)")
        if name:
            self.save_json(Path(name))

    def on_save_pdf(self) -> None:
        name, _ = QFileDialog.getSaveFileName(self, "Save receipt PDF", self.file_name("pdf"),
                                              "PDF (*.pdf)")
        if name:
            self.save_pdf(Path(name))

    def save_pdf(self, path: Path) -> Task:
        """Write the receipt as a PDF on the task runner and say where it went."""
        document, rationale = self.document, self.rationale
        return Task(call(lambda: receipts.save_pdf(document, path, rationale)), parent=self
                    ).on_success(lambda _: self.confirm(path)).run()
