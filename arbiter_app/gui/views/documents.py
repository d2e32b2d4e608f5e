"""Step 4 of a case: the dispute's reason and the invoice terms, read as fields, with notes.

Each document is fetched verified and shown on the page as labelled fields
(:mod:`arbiter_app.services.documents`: amounts in sBTC, dates in words, unknown fields as
escaped text), never as JSON; a document counts as consulted once its fields are on screen.
The files a document names open, verified, in the safe viewer, and count as consulted once
the viewer has shown them.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QFormLayout,
    QFrame,
    QHBoxLayout,
    QListWidget,
    QPlainTextEdit,
    QPushButton,
    QScrollArea,
    QWidget,
)

from arbiter_app.case.framework import CaseFile
from arbiter_app.case.models import EvidenceFile, Step, TermsState
from arbiter_app.errors import PolicyError
from arbiter_app.gui.tasks import Task, call
from arbiter_app.gui.views.evidence import EvidenceViewer, ShownFile
from arbiter_app.gui.views.step_page import StepPage, plain, short_cid
from arbiter_app.services import documents, queries, steps
from arbiter_app.services.documents import ReadableDocument
from arbiter_app.text import display_name

if TYPE_CHECKING:
    from arbiter_app.services.session import Session


class DocumentsPage(StepPage):
    """Step 4: the dispute's reason and the terms document opened as fields, with notes."""

    def __init__(self, session: Session, parent: QWidget | None = None) -> None:
        super().__init__(session, Step.DOCUMENTS, parent)
        self.consulted: set[str] = set()
        self.shown: ReadableDocument | None = None
        self._case_id: int | None = None
        self.viewer: EvidenceViewer | None = None
        self.documents = QListWidget()
        self.documents.setMaximumHeight(self.documents.fontMetrics().lineSpacing() * 3 + 8)
        self.documents.itemDoubleClicked.connect(lambda _: self.on_open())
        self.open_button = QPushButton("&Open document")
        self.open_button.clicked.connect(self.on_open)
        self.heading = plain("Open a document to read it here.")
        self.heading.setStyleSheet("font-weight: bold")
        self.fields = QFormLayout()
        self.files = QListWidget()
        self.files.itemDoubleClicked.connect(lambda _: self.on_open_file())
        self.open_file_button = QPushButton("Open file in &viewer")
        self.open_file_button.clicked.connect(self.on_open_file)
        self.notes = QPlainTextEdit()
        self.notes.setPlaceholderText("Notes on the off-chain documentation (kept with the "
                                      "case and logged when saved)")
        self.save_notes_button = QPushButton("Save notes")
        self.save_notes_button.clicked.connect(self.on_save_notes)
        self.confirmed = QCheckBox("I consulted the off-chain documentation listed above")
        self._lay_out()

    def _lay_out(self) -> None:
        chooser = QHBoxLayout()
        chooser.addWidget(self.documents, 1)
        chooser.addWidget(self.open_button, 0, Qt.AlignmentFlag.AlignTop)
        holder = QWidget()
        holder.setLayout(self.fields)
        area = QScrollArea()
        area.setWidget(holder)
        area.setWidgetResizable(True)
        area.setFrameShape(QFrame.Shape.StyledPanel)
        self.fields_area = area
        named = QHBoxLayout()
        named.addWidget(self.files, 1)
        named.addWidget(self.open_file_button, 0, Qt.AlignmentFlag.AlignTop)
        self.files.setMaximumHeight(self.files.fontMetrics().lineSpacing() * 4 + 8)
        self.body.addLayout(chooser)
        self.body.addWidget(self.heading)
        self.body.addWidget(area, 3)
        self.files_label = plain("Files this document names (each opens verified in the viewer)")
        self.body.addWidget(self.files_label)
        self.body.addLayout(named)
        self.body.addWidget(self.notes, 1)
        self.body.addWidget(self.save_notes_button)
        self.body.addWidget(self.confirmed)
        self.show_document(None)

    def required(self, case: CaseFile) -> list[tuple[str, str]]:
        """The documents step 4 needs: (name, CID)."""
        docs = [("dispute reason", case.dispute.reason_cid)]
        terms = case.invoice.terms
        if terms.cid and terms.state is TermsState.VERIFIED:
            docs.append(("invoice terms", terms.cid))
        return docs

    def fill(self, case: CaseFile) -> None:
        if self._case_id != case.invoice.id:
            self._case_id = case.invoice.id
            self.consulted.clear()
            self.notes.setPlainText(queries.load_notes(self.session, case.invoice.id))
            self.confirmed.setChecked(False)
            self.show_document(None)
        row = max(self.documents.currentRow(), 0)
        self.documents.clear()
        for name, cid in self.required(case):
            mark = "read" if cid in self.consulted else "not opened yet"
            self.documents.addItem(f"{name[0].upper()}{name[1:]}: {short_cid(cid)} ({mark})")
            self.documents.item(self.documents.count() - 1).setToolTip(cid)
        self.documents.setCurrentRow(min(row, self.documents.count() - 1))

    def show_document(self, document: ReadableDocument | None) -> None:
        """Put a document's fields and named files on the page (``None``: none opened)."""
        self.shown = document
        while self.fields.rowCount():
            self.fields.removeRow(0)
        self.files.clear()
        has_files = document is not None and bool(document.files)
        for widget in (self.files_label, self.files, self.open_file_button):
            widget.setVisible(has_files)
        if document is None:
            self.heading.setText("Open a document to read it here.")
            return
        self.heading.setText(f"{document.name[0].upper()}{document.name[1:]}, verified "
                             f"against {document.cid}")
        for field in document.fields:
            label = plain(field.label)
            label.setStyleSheet("color: #555555")
            self.fields.addRow(label, plain(field.value))
        for f in document.files:
            self.files.addItem(f"{display_name(f.name, 80)} ({display_name(f.media_type, 40)}, "
                               f"{f.size:,} bytes)")
        self.files.setCurrentRow(0)

    def on_save_notes(self) -> Task | None:
        """Store the notes with the case (logged) on the task runner."""
        if self.case is None:
            return None
        session, invoice_id, text = self.session, self.case.invoice.id, self.notes.toPlainText()
        return Task(call(lambda: steps.save_notes(session, invoice_id, text,
                                                  now=int(time.time()))), parent=self).run()

    def on_open(self) -> None:
        row = self.documents.currentRow()
        if self.case is None or row < 0:
            return
        name, cid = self.required(self.case)[row]
        session, invoice_id = self.session, self.case.invoice.id
        self.run(lambda token: documents.open_document(session, name, cid, invoice_id, token),
                 "Opening document", self.on_opened)

    def on_opened(self, document: ReadableDocument) -> None:
        """The document's fields are on the page: it counts as consulted."""
        if self.case is None or document.cid not in dict(self.required(self.case)).values():
            return  # read for a case that is no longer shown
        self.show_document(document)
        self.consulted.add(document.cid)
        if self.case is not None:
            self.fill(self.case)

    def on_open_file(self) -> None:
        row = self.files.currentRow()
        if self.shown is None or row < 0:
            return
        file, title, session = self.shown.files[row], self.shown.name, self.session
        self.run(lambda token: documents.open_file(session, file, token), "Opening file",
                 lambda data: self.on_file_read(title, file, data))

    def on_file_read(self, title: str, file: EvidenceFile, data: bytes) -> None:
        if self.shown is None or file not in self.shown.files:
            return  # read for a document that is no longer shown
        self.viewer = EvidenceViewer(f"{title[0].upper()}{title[1:]}: {file.name}",
                                     [ShownFile(file, data)], self.window())
        self.viewer.shown.connect(lambda _: self.consulted.add(file.cid),
                                  Qt.ConnectionType.SingleShotConnection)
        self.viewer.open()

    def completion(self, case: CaseFile, now: int) -> Callable[[], object]:
        session, invoice_id = self.session, case.invoice.id
        confirmed, consulted = self.confirmed.isChecked(), sorted(self.consulted)

        def work() -> object:
            if not confirmed:
                raise PolicyError("step 4 cannot be completed: confirm that you consulted the "
                                  "documentation")
            return steps.complete_documents(session, invoice_id, consulted=consulted, now=now)
        return work
