"""A PDF shown one page at a time, each page rendered on demand by the render child at the
size it is shown.

Controls, left to right: First, Previous, the page box ("3 / 120"; type a number and press
Enter), Next, Last, then the zoom bar: fit width (the default), fit page, 100 % and percentage
steps. Keys: PgUp / PgDn for the previous and next page, Ctrl+Home / Ctrl+End for the first
and last, and the zoom bar's keys.

Only the page on screen is ever rendered, and the child renders it at most
:data:`~arbiter_app.gui.zoom.MAX_PAGE_SIDE` a side and
:data:`~arbiter_app.gui.zoom.MAX_PAGE_PIXELS` in all, however far the zoom goes; past that
the window enlarges the picture. While a page renders, its place says "Rendering page 3…".
When only the zoom or the window's size changes, the page on screen is scaled at once and a
sharp rendering replaces it shortly after. A page the child could not show within its limits
is replaced by the sentence saying why, and the other pages stay reachable.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import QHBoxLayout, QSpinBox, QStackedWidget, QVBoxLayout, QWidget

from arbiter_app.gui.render_process import LIMITS, UNSAFE, Page, Rendering, RenderLimits
from arbiter_app.gui.views.picture import (
    PictureArea,
    ZoomBar,
    image_of,
    key_action,
    plain_label,
    tool_button,
)
from arbiter_app.gui.views.rendering import Renderer
from arbiter_app.gui.zoom import (
    FIT_PAGE,
    FIT_WIDTH,
    MAX_RATIO,
    PDF_UNIT,
    PageRequest,
    Zoom,
    render_size,
)

SHARPEN_AFTER_MS = 250  # a zoom or resize settles this long before the page is re-rendered
LETTER = (612.0, 792.0)  # the size assumed for a page before any page's size is known


class PdfPages(QWidget):
    """The pages of one PDF, with page and zoom controls."""

    rendered = Signal(object)  # each Rendering that ended in a page shown or a refusal

    def __init__(self, limits: RenderLimits = LIMITS) -> None:
        super().__init__()
        self.renderer = Renderer(self, limits)
        self.data = b""
        self.page_count = 0  # 0 until the document opened
        self.index = 0  # the page shown or being rendered
        self.page: Page | None = None  # the rendering on screen
        self.natural = LETTER
        self._asked = PageRequest()  # the request being rendered
        self.first = key_action(self, "First", ("Ctrl+Home",), lambda: self.go(0), "First page")
        self.previous = key_action(self, "Previous", ("PgUp",),
                                   lambda: self.go(self.index - 1), "Previous page")
        self.number = QSpinBox()
        self.number.setKeyboardTracking(False)  # go when Enter is pressed, not per digit
        self.number.setAccessibleName("Page number")
        self.number.setToolTip("Page number: type one and press Enter")
        self.number.valueChanged.connect(lambda value: self.go(value - 1))
        self.next = key_action(self, "Next", ("PgDown",), lambda: self.go(self.index + 1),
                               "Next page")
        self.last = key_action(self, "Last", ("Ctrl+End",),
                               lambda: self.go(self.page_count - 1), "Last page")
        self.area = PictureArea(PDF_UNIT, Zoom(FIT_WIDTH), enlarge=True, paper=True)
        self.zoom_bar = ZoomBar(self.area, (("Fit width", FIT_WIDTH), ("Fit page", FIT_PAGE)))
        self.status = plain_label("")
        self.failure = plain_label("")
        self.failure.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.body = QStackedWidget()
        self.body.addWidget(self.area)
        self.body.addWidget(self.failure)
        self._sharpen = _timer(self, SHARPEN_AFTER_MS, self.on_sharpen)
        # A page is rendered once the events already queued are handled: by then a window
        # just shown has its size, and a burst of PgDn asks for the last page only.
        self._soon = _timer(self, 0, self._render)
        self.area.zoom_changed.connect(self._sharpen.start)
        self.setFocusProxy(self.area)  # arrows scroll the page, PgUp / PgDn turn it
        self._lay_out()

    def _lay_out(self) -> None:
        bar = QHBoxLayout()
        for widget in (tool_button(self.first), tool_button(self.previous), self.number,
                       tool_button(self.next), tool_button(self.last), self.zoom_bar):
            bar.addWidget(widget)
        bar.addWidget(self.status, 1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(bar)
        layout.addWidget(self.body, 1)

    def open(self, data: bytes) -> None:
        """Show the first page of the PDF ``data`` at the default fit."""
        self.stop()
        self.data, self.page_count, self.page, self.natural = data, 0, None, LETTER
        self.area.zoom = self.area.default
        self.index = -1
        self.go(0)

    def stop(self) -> None:
        """Stop the render under way (its child is killed)."""
        self._sharpen.stop()
        self._soon.stop()
        self.renderer.stop()

    @property
    def rendering(self) -> bool:
        """Whether a page is being rendered, or may be soon (a page asked for, or the zoom
        or view changed)."""
        return self._soon.isActive() or self._sharpen.isActive() or self.renderer.running

    def go(self, index: int) -> None:
        """Show page ``index`` (0-based), kept within the document."""
        if self.page_count:
            index = max(0, min(index, self.page_count - 1))
        if index == self.index:
            return
        self.index = index
        self.page = None
        self.area.set_placeholder(f"Rendering page {index + 1}…", self.natural)
        self.area.verticalScrollBar().setValue(0)  # a new page is read from its top
        self.body.setCurrentWidget(self.area)
        self._sync_controls()
        self.status.setText(f"Rendering page {index + 1}…")
        self.renderer.stop()
        self._soon.start()

    def on_sharpen(self) -> None:
        """Re-render the page on screen if the zoom or the view changed its size."""
        page, request = self.page, self._request()
        if self.renderer.running and request == self._asked:
            return
        if page is not None and render_size(page.natural, request) != (page.width, page.height):
            self._render()

    def _request(self) -> PageRequest:
        ratio = min(MAX_RATIO, max(1.0, self.devicePixelRatioF()))
        return PageRequest(self.index, self.area.zoom, self.area.view(), ratio)

    def _render(self) -> None:
        self.status.setText(f"Rendering page {self.index + 1}…")
        self._asked = self._request()
        self.renderer.start("pdf", self.data, self._asked, self._on_rendered)

    def _on_rendered(self, got: Rendering) -> None:
        self.status.setText("")
        if not got.refusal and not got.pages and got.page_count:
            self.page_count = got.page_count
            self.go(got.page_count - 1)  # the page asked for is past the end
            return
        if not got.refusal and not got.pages:
            got = Rendering(refusal="This PDF has no pages.", seconds=got.seconds,
                            peak_rss=got.peak_rss)
        if got.refusal:
            self.page_count = got.page_count or self.page_count
            self._fail(got.refusal)
        else:
            self.page_count = got.page_count
            self._show(got.pages[0])
        self._sync_controls()
        self.rendered.emit(got)

    def _show(self, page: Page) -> None:
        self.page, self.natural = page, page.natural
        self.area.set_content(image_of(page), page.natural)
        self.body.setCurrentWidget(self.area)

    def _fail(self, why: str) -> None:
        self.page = None
        page = f"Page {self.index + 1}"
        why = (f"{page} could not be shown safely: {why.removeprefix(UNSAFE)}"
               if why.startswith(UNSAFE) else f"{page} is not shown. {why}")
        self.failure.setText(f"{why}\nThe other pages can still be shown.")
        self.body.setCurrentWidget(self.failure)

    def _sync_controls(self) -> None:
        self.number.blockSignals(True)
        self.number.setRange(1, max(1, self.page_count))
        self.number.setSuffix(f" / {self.page_count or '…'}")
        self.number.setValue(self.index + 1)
        self.number.blockSignals(False)
        self.first.setEnabled(self.index > 0)
        self.previous.setEnabled(self.index > 0)
        self.next.setEnabled(self.index < self.page_count - 1)
        self.last.setEnabled(self.index < self.page_count - 1)


def _timer(owner: QWidget, milliseconds: int, slot: Callable[[], None]) -> QTimer:
    timer = QTimer(owner)
    timer.setSingleShot(True)
    timer.setInterval(milliseconds)
    timer.timeout.connect(slot)
    return timer
