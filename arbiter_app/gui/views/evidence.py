"""The safe in-app viewer for verified evidence: text, bounded images and PDF pages, each
rendered by a limited child process, never by the window itself.

Only bytes that the services verified against their CID reach it; the viewer itself never
loads anything. It picks the renderer from the sniffed content, never from the declared name
or type: text, JSON, HTML, SVG and XML are all shown as *plain text* (no markup is ever
interpreted, so no remote reference can be followed); PNG/JPEG/GIF/WebP are decoded with an
allocation limit after a dimension check, then shown fitted to the window and zoomed without
decoding again (:mod:`~arbiter_app.gui.views.picture`); PDFs are rendered by QtPdf one page at
a time, the page on screen only, at the zoom shown (:mod:`~arbiter_app.gui.views.pdf_pages`).
Anything else is described, not opened. Names are shown with invisible characters escaped.

A party's file may be built to hang or exhaust whatever parses it (a cyclic page tree, a
decompression bomb, one line of two million characters). So the parsing happens in
:mod:`arbiter_app.gui.render_child`, run by :func:`~arbiter_app.gui.render_process.render`
on the task runner with memory, processor-time and wall-clock limits, one render at a time
(:class:`~arbiter_app.gui.views.rendering.Renderer`); the window only shows
the pixels or the broken-up text that comes back, or the sentence saying why the file could
not be shown safely. :attr:`EvidenceViewer.shown` is emitted when a file's content is on
screen, and only then, so that the case can record the opening.
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QListWidget,
    QPlainTextEdit,
    QSplitter,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from arbiter_app.case.models import EvidenceFile
from arbiter_app.gui.render_process import FIRST_PAGE, LIMITS, Rendering, RenderLimits
from arbiter_app.gui.views.pdf_pages import PdfPages
from arbiter_app.gui.views.picture import ImagePane, image_of, plain_label
from arbiter_app.gui.views.rendering import Renderer
from arbiter_app.ipfs.sniff import SNIFF_BYTES, sniff
from arbiter_app.text import display_name

TEXT_TYPES = ("text/plain", "application/json", "text/html", "image/svg+xml", "application/xml")
IMAGE_TYPES = ("image/png", "image/jpeg", "image/gif", "image/webp")
TEXT, IMAGE, PDF, REFUSED, RENDERING = range(5)
_RENDERER = {TEXT: "text", IMAGE: "image"}


@dataclass(frozen=True)
class ShownFile:
    """One verified file handed to the viewer: what the manifest says and the bytes."""

    file: EvidenceFile
    data: bytes


class EvidenceViewer(QDialog):
    """A dialog showing the verified files of one evidence item or document.

    :param title: the item's title (party text: shown escaped, as plain text)
    :param files: the verified files
    :param limits: what rendering one file (or one PDF page) may cost
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
        self.current: ShownFile | None = None  # the file selected last
        self.renderer = Renderer(self, limits)
        self.title = plain_label(display_name(title or "(untitled)", 300))
        self.title.setStyleSheet("font-weight: bold")
        self.info = plain_label("")
        self.list = QListWidget(self)
        self.list.setVisible(len(files) > 1)  # beside the view only when there is a choice
        for file in files:
            self.list.addItem(f"{display_name(file.file.name, 80)}\n    "
                              f"{sniff(file.data[:SNIFF_BYTES])}, {len(file.data)} bytes")
        self.text = QPlainTextEdit()
        self.text.setReadOnly(True)
        self.image = ImagePane()
        self.pdf = PdfPages(limits)
        self.refused = plain_label("")
        self.refused.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.waiting = plain_label("")
        self.waiting.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.stack = QStackedWidget()
        for widget in (self.text, self.image, self.pdf, self.refused, self.waiting):
            self.stack.addWidget(widget)
        self._lay_out(files)
        self.pdf.rendered.connect(self.on_pdf_rendered)
        self.list.currentRowChanged.connect(self.on_file_selected)
        if files:
            self.list.setCurrentRow(0)
        else:
            self._refuse("This item lists no files.")

    def _lay_out(self, files: list[ShownFile]) -> None:
        """Title, description, the file list beside the view (with more than one file),
        and Close."""
        body: QWidget = self.stack
        if len(files) > 1:
            body = QSplitter()
            body.addWidget(self.list)
            body.addWidget(self.stack)
            body.setSizes([260, 640])
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        # Enter goes to the page box, not to Close (Escape closes the viewer).
        buttons.button(QDialogButtonBox.StandardButton.Close).setAutoDefault(False)
        layout = QVBoxLayout(self)
        layout.addWidget(self.title)
        layout.addWidget(self.info)
        layout.addWidget(body, 1)
        layout.addWidget(buttons)

    def on_file_selected(self, row: int) -> None:
        if 0 <= row < len(self.files):
            self.show_file(self.files[row])

    def show_file(self, file: ShownFile) -> None:
        """Render ``file`` by its sniffed content type, in the render child."""
        self._stop()
        self.current, self.refusal = file, ""
        media_type = sniff(file.data[:SNIFF_BYTES])
        declared = file.file.media_type
        note = "" if media_type == declared else f" (declared {display_name(declared, 60)})"
        self.info.setText(f"{display_name(file.file.name, 120)} — {media_type}{note}, "
                          f"{len(file.data)} bytes, verified against {file.file.cid}")
        if media_type not in (*TEXT_TYPES, *IMAGE_TYPES, "application/pdf"):
            self._refuse(f"Content of type {media_type} is not opened in the app.")
            return
        if media_type in TEXT_TYPES and media_type != "text/plain":
            # Markup is never interpreted: HTML/SVG/XML are shown as their source text.
            self.info.setText(self.info.text() + " — shown as plain text")
        self.waiting.setText(f"Preparing {display_name(file.file.name, 80)} for display in a "
                             "separate process with memory and time limits…")
        self.kind = RENDERING
        if media_type == "application/pdf":
            self.stack.setCurrentIndex(PDF)  # its page says "Rendering page 1…"
            self.pdf.open(file.data)
            return
        self.stack.setCurrentIndex(RENDERING)
        kind = TEXT if media_type in TEXT_TYPES else IMAGE
        self.renderer.start(_RENDERER[kind], file.data, FIRST_PAGE,
                            lambda got: self._on_rendered(file, kind, got))

    def _stop(self) -> None:
        """Forget the render under way (its child is killed) and anything it would show."""
        self.renderer.stop()
        self.pdf.stop()

    def done(self, result: int) -> None:
        self._stop()
        super().done(result)

    def _on_rendered(self, file: ShownFile, kind: int, got: Rendering) -> None:
        self.rendering = got
        if got.refusal:
            self._refuse(got.refusal)
            return
        if got.notes:
            self.info.setText(self.info.text() + " — " + "; ".join(got.notes))
        if kind == TEXT:
            self.text.setPlainText(got.text or "")
        else:
            page = got.pages[0]
            self.image.set_image(image_of(page), page.natural)
        self._on_shown(file, kind)

    def on_pdf_rendered(self, got: Rendering) -> None:
        """A page of the PDF was shown or refused. The file is shown with its first page on
        screen; it is refused when it could not be opened, or its only page not shown. A PDF
        of several pages stays open on a refused page, so its other pages can be reached,
        but counts as shown only once one of them is."""
        self.rendering = got
        if self.current is None:
            return
        if got.pages:
            self._on_shown(self.current, PDF)
        elif self.kind == RENDERING and self.pdf.page_count > 1:
            self.kind = PDF
        elif self.kind == RENDERING:
            self._refuse(got.refusal)

    def _on_shown(self, file: ShownFile, kind: int) -> None:
        self.kind = kind
        self.stack.setCurrentIndex(kind)
        if file not in self.shown_files:
            if len(self.files) == 1:  # else the focus stays in the file list
                (self.text, self.image, self.pdf)[kind].setFocus()
            self.shown_files.append(file)
            self.shown.emit(file)

    def _refuse(self, why: str) -> None:
        self.refusal = why
        self.refused.setText(why)
        self.kind = REFUSED
        self.stack.setCurrentIndex(REFUSED)
