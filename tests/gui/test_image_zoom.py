"""Image zoom in the evidence viewer: fitted to the window by default (and following it), 100 %,
zoom steps in and out by button and key, scroll bars when larger than the view, the zoom shown,
and never a second decode: zooming scales the picture the render child already returned."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QBuffer, QIODevice, QPoint, QPointF, Qt
from PySide6.QtGui import QColor, QImage, QPainter, QWheelEvent
from PySide6.QtWidgets import QApplication, QPushButton, QToolButton, QWidget
from pytestqt.qtbot import QtBot

from arbiter_app.gui.views import evidence as viewer
from arbiter_app.gui.views.evidence import EvidenceViewer
from arbiter_app.gui.zoom import PERCENT, STEPS, Zoom
from tests.fixtures.marked_pdf import marked_pdf
from tests.gui.test_pdf_pages import settled
from tests.gui.test_viewer import open_viewer, rendered, shown, small_png

CTRL = Qt.KeyboardModifier.ControlModifier


def png(width: int, height: int) -> bytes:
    image = QImage(width, height, QImage.Format.Format_RGB32)
    image.fill(QColor("#1b5e20"))
    buffer = QBuffer()
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    image.save(buffer, "PNG")
    return bytes(buffer.data().data())


@pytest.fixture
def photo(qtbot: QtBot) -> EvidenceViewer:
    """A 2000 × 1000 photo in a shown viewer."""
    dialog = open_viewer(qtbot, "t", shown("photo.png", png(2000, 1000), "image/png"))
    dialog.show()
    qtbot.waitExposed(dialog)
    return dialog


def shown_size(dialog: EvidenceViewer) -> tuple[int, int]:
    picture = dialog.image.area.picture
    return picture.width(), picture.height()


def test_a_large_image_opens_fitted_to_the_window(photo: EvidenceViewer) -> None:
    area = photo.image.area
    view_width, view_height = area.view()
    width, height = shown_size(photo)
    assert width == view_width and height == round(view_width / 2) <= view_height
    assert area.horizontalScrollBar().maximum() == 0 and area.verticalScrollBar().maximum() == 0
    assert photo.image.zoom_bar.level.text() == f"{100 * width / 2000:.0f} %"
    assert photo.image.zoom_bar.fits["fit-page"].isChecked()


def test_a_small_image_is_not_enlarged_by_the_fit(qtbot: QtBot) -> None:
    dialog = open_viewer(qtbot, "t", shown("icon.png", small_png(), "image/png"))
    assert shown_size(dialog) == (40, 30)
    assert dialog.image.zoom_bar.level.text() == "100 %"


def test_the_fit_follows_the_window_as_it_is_resized(qtbot: QtBot, photo: EvidenceViewer) -> None:
    before = shown_size(photo)
    photo.resize(photo.width() - 200, photo.height())
    qtbot.waitUntil(lambda: shown_size(photo)[0] == before[0] - 200)
    assert shown_size(photo)[0] == photo.image.area.view()[0]
    assert photo.image.zoom_bar.level.text() == f"{100 * (before[0] - 200) / 2000:.0f} %"


@pytest.mark.parametrize("how", ["keys", "buttons"])
def test_zoom_changes_the_shown_size_without_decoding_again(
        qtbot: QtBot, photo: EvidenceViewer, how: str) -> None:
    bar, area = photo.image.zoom_bar, photo.image.area
    decoded = area.picture.image.cacheKey()
    fitted = shown_size(photo)

    def press(key: Qt.Key, action: object) -> None:
        if how == "keys":
            qtbot.keyClick(area, key, CTRL)
        else:
            buttons = [b for b in bar.findChildren(QToolButton) if b.defaultAction() is action]
            qtbot.mouseClick(buttons[0], Qt.MouseButton.LeftButton)

    press(Qt.Key.Key_1, bar.actual)
    assert shown_size(photo) == (2000, 1000) and bar.level.text() == "100 %"
    assert area.horizontalScrollBar().maximum() > 0 and area.verticalScrollBar().maximum() > 0
    press(Qt.Key.Key_Plus, bar.zoom_in)
    assert shown_size(photo) == (2500, 1250) and bar.level.text() == "125 %"
    press(Qt.Key.Key_Minus, bar.zoom_out)
    press(Qt.Key.Key_Minus, bar.zoom_out)
    assert shown_size(photo) == (1500, 750) and bar.level.text() == "75 %"
    assert not bar.fits["fit-page"].isChecked()
    press(Qt.Key.Key_0, bar.fits["fit-page"])
    assert shown_size(photo) == fitted and bar.fits["fit-page"].isChecked()
    assert not photo.renderer.running and area.picture.image.cacheKey() == decoded


def wheel(widget: QWidget, notches: int, modifiers: Qt.KeyboardModifier) -> None:
    centre = QPointF(widget.width() / 2, widget.height() / 2)
    event = QWheelEvent(centre, widget.mapToGlobal(centre), QPoint(), QPoint(0, 120 * notches),
                        Qt.MouseButton.NoButton, modifiers, Qt.ScrollPhase.NoScrollPhase, False)
    QApplication.sendEvent(widget, event)


def test_ctrl_wheel_zooms_and_the_wheel_alone_scrolls(photo: EvidenceViewer) -> None:
    area = photo.image.area
    area.set_zoom(Zoom(PERCENT, 100))
    wheel(area.viewport(), 1, CTRL)
    assert shown_size(photo) == (2500, 1250)
    wheel(area.viewport(), -2, CTRL)
    assert shown_size(photo) == (1500, 750)
    scrolled = area.verticalScrollBar().value()
    wheel(area.viewport(), -1, Qt.KeyboardModifier.NoModifier)
    assert shown_size(photo) == (1500, 750) and area.verticalScrollBar().value() > scrolled


def test_zoom_stops_at_the_first_and_last_step(photo: EvidenceViewer) -> None:
    bar = photo.image.zoom_bar
    for _ in range(len(STEPS) + 2):
        bar.zoom_in.trigger()
    assert shown_size(photo) == (2000 * STEPS[-1] // 100, 1000 * STEPS[-1] // 100)
    for _ in range(len(STEPS) + 2):
        bar.zoom_out.trigger()
    assert shown_size(photo) == (2000 * STEPS[0] // 100, 1000 * STEPS[0] // 100)


def test_an_image_scaled_down_by_the_child_is_shown_at_its_own_size_at_100(
        qtbot: QtBot) -> None:
    dialog = open_viewer(qtbot, "t", shown("wide.png", png(6000, 30), "image/png"))
    assert dialog.image.area.picture.image.width() == 4096
    dialog.image.zoom_bar.actual.trigger()
    assert shown_size(dialog) == (6000, 30)


def test_zoom_keys_act_on_the_file_shown_only(qtbot: QtBot) -> None:
    """The image and PDF views both have Ctrl++: only the visible one's keys are live."""
    dialog = EvidenceViewer("t", [shown("photo.png", png(2000, 1000), "image/png"),
                                  shown("minutes.pdf", marked_pdf(2))])
    qtbot.addWidget(dialog)
    dialog.show()
    rendered(qtbot, dialog)
    image_size = shown_size(dialog)
    dialog.list.setCurrentRow(1)
    rendered(qtbot, dialog)
    assert dialog.kind == viewer.PDF
    pdf_width = settled(qtbot, dialog.pdf).area.picture.width()
    qtbot.keyClick(dialog.pdf.area, Qt.Key.Key_Plus, CTRL)
    assert dialog.pdf.area.picture.width() > pdf_width
    assert shown_size(dialog) == image_size


def test_zoom_buttons_are_in_sentence_case_and_name_their_keys(photo: EvidenceViewer) -> None:
    tips = {b.text(): b.toolTip() for b in photo.image.findChildren(QToolButton)}
    assert tips == {"Fit": "Fit (Ctrl+0)", "100 %": "Natural size (Ctrl+1)",
                    "Zoom out": "Zoom out (Ctrl+-)", "Zoom in": "Zoom in (Ctrl++)"}


def test_tab_runs_through_the_zoom_buttons_to_the_image_then_close(
        qtbot: QtBot, photo: EvidenceViewer) -> None:
    bar = photo.image.zoom_bar
    buttons = {b.defaultAction(): b for b in bar.findChildren(QToolButton)}
    close = photo.findChildren(QPushButton)[0]
    expected = [buttons[bar.actual], buttons[bar.zoom_out], buttons[bar.zoom_in],
                photo.image.area, close]
    widget: QWidget = buttons[bar.fits["fit-page"]]
    widget.setFocus()
    walked: list[QWidget] = []
    for _ in expected:
        qtbot.keyClick(widget, Qt.Key.Key_Tab)
        focused = QApplication.focusWidget()
        assert focused is not None
        walked.append(focused)
        widget = focused
    assert walked == expected


def stripes_png(width: int, height: int) -> bytes:
    """Black and white columns one pixel wide: shrunk smoothly they average to grey, shrunk
    by sampling they alias into bands."""
    image = QImage(width, height, QImage.Format.Format_RGB32)
    image.fill(QColor("white"))
    painter = QPainter(image)
    for x in range(0, width, 2):
        painter.drawLine(x, 0, x, height)
    painter.end()
    buffer = QBuffer()
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    image.save(buffer, "PNG")
    return bytes(buffer.data().data())


def test_a_shrunk_image_is_smoothed_in_the_background(qtbot: QtBot) -> None:
    dialog = open_viewer(qtbot, "t", shown("stripes.png", stripes_png(2000, 1000), "image/png"))
    dialog.show()
    picture = dialog.image.area.picture
    assert picture.width() < 1000  # shrunk by more than half

    def greys() -> list[int]:
        row = picture.grab().toImage()
        return [row.pixelColor(x, row.height() // 2).lightness()
                for x in range(10, row.width() - 10)]

    qtbot.waitUntil(lambda: all(100 <= grey <= 155 for grey in greys()), timeout=10_000)
