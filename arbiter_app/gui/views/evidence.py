"""The safe in-app viewer for verified evidence: text, bounded images and PDF pages, each
rendered by a limited child process, never by the window itself.

Only bytes that the services verified against their CID reach it; the viewer itself never
loads anything. It picks the renderer from the sniffed content, never from the declared name
or type: text, JSON, HTML, SVG and XML are all shown as *plain text* (no markup is ever
interpreted, so no remote reference can be followed); PNG/JPEG/GIF/WebP are decoded with an
allocation limit after a dimension check; PDFs are rendered page by page by QtPdf. Anything
else is described, not opened. Names are shown with invisible characters escaped.

A party's file may be built to hang or exhaust whatever parses it (a cyclic page tree, a
decompression bomb, one line of two million characters). So the parsing happens in
:mod:`arbiter_app.gui.render_child`, run by :func:`~arbiter_app.gui.render_process.render`
on the task runner with memory, processor-time and wall-clock limits; the window only shows
the pixels or the broken-up text that comes back, or the sentence saying why the file could
not be shown safely. :attr:`EvidenceViewer.shown` is emitted when a file's content is on
screen, and only then, so that the case can record the opening.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QImage, QPixmap
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QListWidget,
    QPlainTextEdit,
    QPushButton,
    QScrollArea,
    QSplitter,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from arbiter_app.case.models import EvidenceFile
from arbiter_app.errors import Cancelled
from arbiter_app.gui.render_process import LIMITS, Page, Rendering, RenderLimits, render
from arbiter_app.gui.tasks import Task
from arbiter_app.ipfs.sniff import SNIFF_BYTES, sniff
from arbiter_app.text import display_name

log = logging.getLogger(__name__)
TEXT_TYPES = ("text/plain", "application/json", "text/html", "image/svg+xml", "application/xml")
IMAGE_TYPES = ("image/png", "image/jpeg", "image/gif", "image/webp")
TEXT, IMAGE, PDF, REFUSED, RENDERING = range(5)
_RENDERER = {TEXT: "text", IMAGE: "image", PDF: "pdf"}


@dataclass(frozen=True)
class ShownFile:
    """One verified file handed to the viewer: what the manifest says and the bytes."""

    file: EvidenceFile
    data: bytes


class EvidenceViewer(QDialog):
    """A dialog showing the verified files of one evidence item or document.

    :param title: the item's title (party text: shown escaped, as plain text)
    :param files: the verified files
    :param limits: what rendering one file may cost
    """

    shown = Signal(object)  # the ShownFile whose content is now on screen (once per file)

    def __init__(self, title: str, files: list[ShownFile], parent: QWidget | None = None,
                 limits: RenderLimits = LIMITS) -> None:
        super().__init__(parent)
        self.setWindowTitle("Evidence viewer")
        self.resize(900, 700)
        self.files = files
        self.limits = limits
        self.kind = REFUSED
        self.refusal = ""
        self.rendering: Rendering | None = None
        self.shown_files: list[ShownFile] = []
        self._request = 0  # results of earlier requests are dropped
        self._task: Task | None = None
        self.title = _plain_label(display_name(title or "(untitled)", 300))
        self.title.setStyleSheet("font-weight: bold")
        self.info = _plain_label("")
        self.list = QListWidget()
        for file in files:
            self.list.addItem(f"{display_name(file.file.name, 80)}\n    "
                              f"{sniff(file.data[:SNIFF_BYTES])}, {len(file.data)} bytes")
        self.text = QPlainTextEdit()
        self.text.setReadOnly(True)
        self.image = _plain_label("")
        self.image.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.pages = _scrolled(QWidget())
        self.more = QPushButton("Show the next pages")
        self.more.clicked.connect(self.on_more_pages)
        self.refused = _plain_label("")
        self.refused.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.waiting = _plain_label("")
        self.waiting.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.stack = QStackedWidget()
        for widget in (self.text, _scrolled(self.image), self.pages, self.refused,
                       self.waiting):
            self.stack.addWidget(widget)
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

    def show_file(self, file: ShownFile) -> None:
        """Render ``file`` by its sniffed content type, in the render child."""
        media_type = sniff(file.data[:SNIFF_BYTES])
        declared = file.file.media_type
        note = "" if media_type == declared else f" (declared {display_name(declared, 60)})"
        if media_type not in (*TEXT_TYPES, "application/pdf") and media_type not in IMAGE_TYPES:
            self._stop()
            self._describe(file, media_type, note)
            self._refuse(f"Content of type {media_type} is not opened in the app.")
            return
        self._describe(file, media_type, note)
        if media_type in TEXT_TYPES and media_type != "text/plain":
            # Markup is never interpreted: HTML/SVG/XML are shown as their source text.
            self.info.setText(self.info.text() + " — shown as plain text")
        kind = TEXT if media_type in TEXT_TYPES else IMAGE if media_type in IMAGE_TYPES else PDF
        self._start(file, kind, first=0)

    def _describe(self, file: ShownFile, media_type: str, note: str) -> None:
        self.info.setText(f"{display_name(file.file.name, 120)} — {media_type}{note}, "
                          f"{len(file.data)} bytes, verified against {file.file.cid}")

    def on_more_pages(self) -> None:
        row = self.list.currentRow()
        if self.rendering is not None and 0 <= row < len(self.files):
            shown_up_to = self.rendering.pages[-1].index + 1 if self.rendering.pages else 0
            self._start(self.files[row], PDF, first=shown_up_to)

    def _start(self, file: ShownFile, kind: int, first: int) -> None:
        self._stop()
        request = self._request
        self.waiting.setText(f"Preparing {display_name(file.file.name, 80)} for display in a "
                             "separate process with memory and time limits…")
        self.kind = RENDERING
        self.stack.setCurrentIndex(RENDERING)
        data, renderer, limits = file.data, _RENDERER[kind], self.limits
        self._task = (
            Task(lambda token: render(renderer, data, first, limits, token), parent=self)
            .on_success(lambda got: self._on_rendered(request, file, kind, got))
            .on_failure(lambda error: self._on_failed(request, error))
            .run())

    def _stop(self) -> None:
        """Forget the render under way (its child is killed) and anything it would show."""
        self._request += 1
        if self._task is not None:
            self._task.cancel()
            self._task = None

    def done(self, result: int) -> None:
        self._stop()
        super().done(result)

    def _on_rendered(self, request: int, file: ShownFile, kind: int, got: Rendering) -> None:
        if request != self._request:
            return
        self.rendering = got
        if got.refusal:
            self._refuse(got.refusal)
            return
        if got.notes:
            self.info.setText(self.info.text() + " — " + "; ".join(got.notes))
        if kind == TEXT:
            self.text.setPlainText(got.text or "")
        elif kind == IMAGE:
            self.image.setPixmap(_pixmap(got.pages[0]))
        else:
            self._show_pages(got)
        self.kind = kind
        self.stack.setCurrentIndex(kind)
        if file not in self.shown_files:
            self.shown_files.append(file)
            self.shown.emit(file)

    def _show_pages(self, got: Rendering) -> None:
        """Replace the pages shown by ``got``'s (the previous ones are deleted with their
        widget; the "next pages" button moves to the new one)."""
        first = got.pages[0].index + 1 if got.pages else 0
        last = got.pages[-1].index + 1 if got.pages else 0
        widget = QWidget()
        layout = QVBoxLayout(widget)
        layout.addWidget(_plain_label(f"Pages {first}–{last} of {got.page_count}"))
        fit = max(200, self.pages.viewport().width() - 30)  # i.e. fit to width, no zoom yet
        for page in got.pages:
            label = QLabel()
            label.setStyleSheet("background: white")  # a PDF page is transparent paper
            label.setPixmap(_pixmap(page).scaledToWidth(
                min(page.width, fit), Qt.TransformationMode.SmoothTransformation))
            layout.addWidget(label, 0, Qt.AlignmentFlag.AlignHCenter)
        self.more.setVisible(last < got.page_count)
        layout.addWidget(self.more, 0, Qt.AlignmentFlag.AlignHCenter)
        self.pages.setWidget(widget)

    def _on_failed(self, request: int, error: BaseException) -> None:
        if request != self._request or isinstance(error, Cancelled):
            return
        log.error("the render child could not be run", exc_info=error)
        self._refuse("This file could not be shown: the separate renderer could not be run.")

    def _refuse(self, why: str) -> None:
        self.refusal = why
        self.refused.setText(why)
        self.kind = REFUSED
        self.stack.setCurrentIndex(REFUSED)


def _pixmap(page: Page) -> QPixmap:
    image = QImage(page.pixels, page.width, page.height, page.width * 4,
                   QImage.Format.Format_ARGB32_Premultiplied)
    return QPixmap.fromImage(image.copy())  # the copy owns its pixels; ``page`` may go


def _scrolled(widget: QWidget) -> QScrollArea:
    scroll = QScrollArea()
    scroll.setWidget(widget)
    scroll.setWidgetResizable(True)
    return scroll


def _plain_label(text: str) -> QLabel:
    label = QLabel(text)
    label.setTextFormat(Qt.TextFormat.PlainText)
    label.setWordWrap(True)
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    return label
