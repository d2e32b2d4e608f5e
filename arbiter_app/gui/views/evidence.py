"""The safe in-app viewer for verified evidence: plain text, bounded images, PDFs with QtPdf.

Only bytes that the services verified against their CID reach it (they come from the
verified fetcher and its cache); the viewer itself never loads anything. It picks the
renderer from the sniffed content, never from the declared name or type (reliability.md §4,
T4.6): text, JSON, HTML, SVG and XML are all shown as *plain text* in a ``QPlainTextEdit``
(no markup is ever interpreted, so no remote reference can be followed); PNG/JPEG/GIF/WebP go
through ``QImageReader`` with an allocation limit and a dimension check before decoding (T4.2);
PDFs are rendered by ``QPdfDocument`` + ``QPdfView``, page count bounded. Anything else is
described, not opened. Names are shown with invisible characters escaped (T4.5).
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import QBuffer, QByteArray, QIODevice, Qt
from PySide6.QtGui import QImageReader, QPixmap
from PySide6.QtPdf import QPdfDocument
from PySide6.QtPdfWidgets import QPdfView
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QListWidget,
    QPlainTextEdit,
    QScrollArea,
    QSplitter,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from arbiter_app.case.models import EvidenceFile
from arbiter_app.ipfs.sniff import SNIFF_BYTES, display_name, sniff

IMAGE_ALLOCATION_MB = 128  # QImageReader refuses a decoded image larger than this
MAX_IMAGE_SIDE = 16_384  # checked from the header, before anything is decoded
MAX_TEXT_CHARS = 2_000_000
MAX_PDF_PAGES = 2_000
TEXT_TYPES = ("text/plain", "application/json", "text/html", "image/svg+xml", "application/xml")
IMAGE_TYPES = ("image/png", "image/jpeg", "image/gif", "image/webp")
TEXT, IMAGE, PDF, REFUSED = range(4)


@dataclass(frozen=True)
class ShownFile:
    """One verified file handed to the viewer: what the manifest says and the bytes."""

    file: EvidenceFile
    data: bytes


class EvidenceViewer(QDialog):
    """A dialog showing the verified files of one evidence item or document.

    :param title: the item's title (party text: shown escaped, as plain text)
    :param files: the verified files
    """

    def __init__(self, title: str, files: list[ShownFile], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Evidence viewer")
        self.resize(900, 700)
        self.files = files
        self.kind = REFUSED
        self.refusal = ""
        self.title = _plain_label(display_name(title or "(untitled)", 300))
        self.title.setStyleSheet("font-weight: bold")
        self.info = _plain_label("")
        self.list = QListWidget()
        for shown in files:
            self.list.addItem(f"{display_name(shown.file.name, 80)}\n    "
                              f"{sniff(shown.data[:SNIFF_BYTES])}, {len(shown.data)} bytes")
        self.text = QPlainTextEdit()
        self.text.setReadOnly(True)
        self.image = _plain_label("")
        self.image.setAlignment(Qt.AlignmentFlag.AlignCenter)
        scroll = QScrollArea()
        scroll.setWidget(self.image)
        scroll.setWidgetResizable(True)
        self.pdf_document = QPdfDocument(self)
        self.pdf = QPdfView(self)
        self.pdf.setPageMode(QPdfView.PageMode.MultiPage)
        self.pdf.setZoomMode(QPdfView.ZoomMode.FitToWidth)
        self.refused = _plain_label("")
        self.stack = QStackedWidget()
        for widget in (self.text, scroll, self.pdf, self.refused):
            self.stack.addWidget(widget)
        self._buffer: QBuffer | None = None
        self._layout(files)
        self.list.currentRowChanged.connect(self.on_file_selected)
        if files:
            self.list.setCurrentRow(0)
        else:
            self._refuse("This item lists no files.")

    def _layout(self, files: list[ShownFile]) -> None:
        splitter = QSplitter()
        splitter.addWidget(self.list)
        splitter.addWidget(self.stack)
        splitter.setSizes([260, 640])
        self.list.setVisible(len(files) > 1)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.title)
        layout.addWidget(self.info)
        layout.addWidget(splitter, 1)
        layout.addWidget(buttons)

    def on_file_selected(self, row: int) -> None:
        if 0 <= row < len(self.files):
            self.show_file(self.files[row])

    def show_file(self, shown: ShownFile) -> None:
        """Render ``shown`` by its sniffed content type."""
        media_type = sniff(shown.data[:SNIFF_BYTES])
        declared = shown.file.media_type
        note = "" if media_type == declared else f" (declared {display_name(declared, 60)})"
        self.info.setText(f"{display_name(shown.file.name, 120)} — {media_type}{note}, "
                          f"{len(shown.data)} bytes, verified against {shown.file.cid}")
        if media_type in TEXT_TYPES:
            self._show_text(shown.data, media_type)
        elif media_type in IMAGE_TYPES:
            self._show_image(shown.data)
        elif media_type == "application/pdf":
            self._show_pdf(shown.data)
        else:
            self._refuse(f"Content of type {media_type} is not opened in the app.")

    def _show_text(self, data: bytes, media_type: str) -> None:
        text = data[: MAX_TEXT_CHARS * 4].decode("utf-8", errors="replace")[:MAX_TEXT_CHARS]
        self.text.setPlainText(text)
        if media_type != "text/plain":
            # Markup is never interpreted: HTML/SVG/XML are shown as their source text.
            self.info.setText(self.info.text() + " — shown as plain text")
        self.kind = TEXT
        self.stack.setCurrentIndex(TEXT)

    def _show_image(self, data: bytes) -> None:
        buffer = QBuffer()
        buffer.setData(QByteArray(data))
        buffer.open(QIODevice.OpenModeFlag.ReadOnly)
        reader = QImageReader(buffer)
        reader.setAllocationLimit(IMAGE_ALLOCATION_MB)
        size = reader.size()
        if not size.isValid() or size.width() > MAX_IMAGE_SIDE or size.height() > MAX_IMAGE_SIDE:
            self._refuse(f"The image is too large to show safely ({size.width()} × "
                         f"{size.height()} pixels; at most {MAX_IMAGE_SIDE} per side).")
            return
        image = reader.read()
        if image.isNull():
            self._refuse(f"The image could not be decoded safely: {reader.errorString()}.")
            return
        self.image.setPixmap(QPixmap.fromImage(image))
        self.kind = IMAGE
        self.stack.setCurrentIndex(IMAGE)

    def _show_pdf(self, data: bytes) -> None:
        self._buffer = QBuffer(self)
        self._buffer.setData(QByteArray(data))
        self._buffer.open(QIODevice.OpenModeFlag.ReadOnly)
        self.pdf_document.close()
        self.pdf_document.load(self._buffer)
        if self.pdf_document.status() is not QPdfDocument.Status.Ready:
            self._refuse(f"The PDF could not be read ({self.pdf_document.error().name}).")
            return
        if self.pdf_document.pageCount() > MAX_PDF_PAGES:
            self._refuse(f"The PDF has {self.pdf_document.pageCount()} pages; at most "
                         f"{MAX_PDF_PAGES} are shown in the app.")
            return
        self.pdf.setDocument(self.pdf_document)
        self.kind = PDF
        self.stack.setCurrentIndex(PDF)

    def _refuse(self, why: str) -> None:
        self.refusal = why
        self.refused.setText(why)
        self.kind = REFUSED
        self.stack.setCurrentIndex(REFUSED)


def _plain_label(text: str) -> QLabel:
    label = QLabel(text)
    label.setTextFormat(Qt.TextFormat.PlainText)
    label.setWordWrap(True)
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    return label
