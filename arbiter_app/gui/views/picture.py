"""A rendered page or image shown at any zoom, with the zoom buttons and their keys.

What is shown here is already safe pixels from the render child: zooming never decodes
anything again. Shrinking keeps one smoothly scaled copy, never larger than the picture;
enlarging is left to the painter, which scales only the part on screen, so no zoom allocates
memory in proportion to the zoom. A fit follows the window as it is resized.

Keys: Ctrl++ (or Ctrl+=) zooms in, Ctrl+- zooms out, Ctrl+0 returns to the default fit, and
Ctrl+1 shows 100 %; Ctrl+wheel zooms too. Every button says its key in its tooltip.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

import shiboken6
from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtGui import (
    QAction,
    QColor,
    QImage,
    QKeySequence,
    QPainter,
    QPaintEvent,
    QResizeEvent,
    QWheelEvent,
)
from PySide6.QtWidgets import QHBoxLayout, QLabel, QScrollArea, QToolButton, QVBoxLayout, QWidget

from arbiter_app.gui.render_process import Page
from arbiter_app.gui.tasks import Task, call
from arbiter_app.gui.zoom import FIT_PAGE, PERCENT, Zoom, next_step, percent_shown, shown_size

MARGIN = 8  # pixels of free view around a fitted picture
NOTCH = 120  # one notch of a mouse wheel, in eighths of a degree


class Picture(QWidget):
    """Paints its image over its whole size; without one, paints ``placeholder`` (on white
    paper for a document page).

    Enlarging, and shrinking until a smooth copy is ready, are done by the painter for the
    part on screen only. The smooth copy is made on the task runner, because shrinking a
    picture of 4096² pixels takes longer than the window may stall.
    """

    def __init__(self, paper: bool) -> None:
        super().__init__()
        self.image = QImage()
        self.placeholder = ""
        self.paper = paper
        self._shrunk = QImage()
        self._shrinking_to = QSize()

    def set_image(self, image: QImage) -> None:
        self.image = image
        self._shrunk, self._shrinking_to = QImage(), QSize()
        self.update()

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        if self.paper:
            painter.fillRect(self.rect(), QColor("white"))  # a PDF page is transparent paper
        if self.image.isNull():
            # Near the top: a page fitted to the width is taller than the view.
            painter.drawText(self.rect().adjusted(0, 40, 0, 0),
                             Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignTop,
                             self.placeholder)
            return
        target = self.size() * self.devicePixelRatioF()
        if self._shrunk.size() == target:
            painter.drawImage(self.rect(), self._shrunk)
            return
        painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
        painter.drawImage(self.rect(), self.image)
        if target.width() < self.image.width():
            self._shrink(target)

    def _shrink(self, target: QSize) -> None:
        """Make the smooth copy at ``target`` in the background, unless under way."""
        if self._shrinking_to == target:
            return
        self._shrinking_to, image = target, self.image

        def done(shrunk: QImage) -> None:
            if shiboken6.isValid(self) and image is self.image and target == self._shrinking_to:
                self._shrunk = shrunk
                self.update()

        Task(call(lambda: image.scaled(target, Qt.AspectRatioMode.IgnoreAspectRatio,
                                       Qt.TransformationMode.SmoothTransformation)),
             parent=self).on_success(done).run()


class PictureArea(QScrollArea):
    """A scrollable :class:`Picture` at a :class:`Zoom`.

    :param unit: pixels per natural unit at 100 %
    :param zoom: the default zoom (a fit), set again for each new content
    :param enlarge: whether a fit may enlarge the content past 100 %
    """

    zoom_changed = Signal()  # the zoom, or the size a fit shows, changed

    def __init__(self, unit: float, zoom: Zoom, enlarge: bool, paper: bool) -> None:
        super().__init__()
        self.unit = unit
        self.default = self.zoom = zoom
        self.enlarge = enlarge
        self.natural = (1.0, 1.0)
        self._turned = 0  # wheel turn not yet made a zoom step, in eighths of a degree
        self.picture = Picture(paper)
        self.setWidget(self.picture)
        self.setWidgetResizable(False)
        self.setAlignment(Qt.AlignmentFlag.AlignCenter)

    def set_content(self, image: QImage, natural: tuple[float, float]) -> None:
        """Show ``image``, a rendering of content of ``natural`` size."""
        self.natural = natural
        self.picture.set_image(image)
        self._lay_out()

    def set_placeholder(self, text: str, natural: tuple[float, float]) -> None:
        """Show ``text`` on a blank picture of ``natural`` size (a page being rendered)."""
        self.picture.placeholder = text
        self.set_content(QImage(), natural)

    def set_zoom(self, zoom: Zoom) -> None:
        """Show the content at ``zoom`` from now on (a fit keeps fitting as the view
        changes)."""
        self.zoom = zoom
        self._lay_out()

    def zoom_by(self, direction: int) -> None:
        """Zoom to the next step in (1) or out (-1) from the percentage now shown."""
        self.set_zoom(Zoom(PERCENT, next_step(self.percent(), direction)))

    def percent(self) -> float:
        """The percentage of the natural size shown."""
        return percent_shown(self.natural, self.picture.width(), self.unit)

    def view(self) -> tuple[int, int]:
        """The logical pixels a fit may fill: the viewport less a margin, and less the
        vertical scroll bar when fitting the width (the page is then usually taller)."""
        size = self.maximumViewportSize()
        width = size.width() - 2 * MARGIN
        if self.zoom.mode != FIT_PAGE:
            width -= self.verticalScrollBar().sizeHint().width()
        return max(1, width), max(1, size.height() - 2 * MARGIN)

    def shown_size(self) -> QSize:
        width, height = shown_size(self.natural, self.zoom, self.view(), self.unit,
                                   self.enlarge)
        return QSize(width, height)

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        if self.zoom.mode != PERCENT:
            self._lay_out()

    def wheelEvent(self, event: QWheelEvent) -> None:
        """Ctrl+wheel zooms a step per notch (a touchpad's small turns add up); the wheel
        alone scrolls."""
        if not event.modifiers() & Qt.KeyboardModifier.ControlModifier:
            super().wheelEvent(event)
            return
        self._turned += event.angleDelta().y()
        while abs(self._turned) >= NOTCH:
            direction = 1 if self._turned > 0 else -1
            self._turned -= direction * NOTCH
            self.zoom_by(direction)
        event.accept()

    def _lay_out(self) -> None:
        """Resize the picture for the zoom, keeping the point at the view's centre."""
        bars = (self.horizontalScrollBar(), self.verticalScrollBar())
        centres = [(bar.value() + bar.pageStep() / 2) / max(1, bar.maximum() + bar.pageStep())
                   for bar in bars]
        self.picture.resize(self.shown_size())
        for bar, centre in zip(bars, centres, strict=True):
            bar.setValue(round(centre * (bar.maximum() + bar.pageStep()) - bar.pageStep() / 2))
        self.zoom_changed.emit()


def key_action(owner: QWidget, text: str, keys: tuple[str, ...], slot: Callable[[], object],
               tip: str = "") -> QAction:
    """An action of ``owner``'s window named ``text``, described by ``tip`` (default: the
    text) with its first key in the tooltip. Its keys work while ``owner`` is visible."""
    action = QAction(text, owner)
    sequences = [QKeySequence(key) for key in keys]
    action.setShortcuts(sequences)
    action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
    native = sequences[0].toString(QKeySequence.SequenceFormat.NativeText) if keys else ""
    action.setToolTip(f"{tip or text} ({native})" if native else tip or text)
    action.triggered.connect(lambda: slot())  # not given the checked state
    owner.addAction(action)
    return action


def tool_button(action: QAction) -> QToolButton:
    """A button for ``action``, reachable with Tab."""
    button = QToolButton()
    button.setDefaultAction(action)
    button.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
    return button


class ZoomBar(QWidget):
    """The fit buttons, 100 %, zoom out and zoom in for ``area``, and the zoom shown.

    :param fits: (button text, fit mode) for each fit offered; the first is the default fit
        (Ctrl+0), the others have no key
    """

    def __init__(self, area: PictureArea, fits: tuple[tuple[str, str], ...]) -> None:
        super().__init__()
        self.area = area
        self.fits: dict[str, QAction] = {}
        for n, (text, mode) in enumerate(fits):
            action = key_action(self, text, ("Ctrl+0",) if n == 0 else (),
                                partial(area.set_zoom, Zoom(mode)))
            action.setCheckable(True)
            self.fits[mode] = action
        self.actual = key_action(self, "100 %", ("Ctrl+1",),
                                 lambda: area.set_zoom(Zoom(PERCENT, 100)), "Natural size")
        self.zoom_out = key_action(self, "Zoom out", ("Ctrl+-",), lambda: area.zoom_by(-1))
        self.zoom_in = key_action(self, "Zoom in", ("Ctrl++", "Ctrl+="), lambda: area.zoom_by(1))
        self.level = plain_label("")
        self.level.setWordWrap(False)
        self.level.setToolTip("Zoom: the share of the content's natural size shown")
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        for action in (*self.fits.values(), self.actual, self.zoom_out, self.zoom_in):
            layout.addWidget(tool_button(action))
        layout.addWidget(self.level)
        area.zoom_changed.connect(self.on_zoom_changed)

    def on_zoom_changed(self) -> None:
        for mode, action in self.fits.items():
            action.setChecked(self.area.zoom.mode == mode)
        percent = self.area.percent()  # under 1 % only for a page of absurd size
        self.level.setText(f"{percent:.0f} %" if percent >= 1 else f"{percent:.2g} %")


class ImagePane(QWidget):
    """An image fitted to the window by default (never enlarged by the fit), with the zoom bar."""

    def __init__(self) -> None:
        super().__init__()
        self.area = PictureArea(1.0, Zoom(FIT_PAGE), enlarge=False, paper=False)
        self.zoom_bar = ZoomBar(self.area, (("Fit", FIT_PAGE),))
        self.setFocusProxy(self.area)  # arrows scroll the image
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.zoom_bar, 0, Qt.AlignmentFlag.AlignLeft)
        layout.addWidget(self.area, 1)

    def set_image(self, image: QImage, natural: tuple[float, float]) -> None:
        """Show a new image at the default fit."""
        self.area.zoom = self.area.default
        self.area.set_content(image, natural)


def image_of(page: Page) -> QImage:
    """The image of a rendered page or picture."""
    image = QImage(page.pixels, page.width, page.height, page.width * 4,
                   QImage.Format.Format_ARGB32_Premultiplied)
    return image.copy()  # the copy owns its pixels; ``page`` may go


def plain_label(text: str) -> QLabel:
    """A word-wrapped label that shows ``text`` as plain text, never as markup."""
    label = QLabel(text)
    label.setTextFormat(Qt.TextFormat.PlainText)
    label.setWordWrap(True)
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    return label
