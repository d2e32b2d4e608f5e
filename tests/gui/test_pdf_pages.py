"""PDF paging and zoom in the evidence viewer: one page rendered at a time by the render
child, the right page shown for each control and key (read from bars that spell each page's
number), the bounds at the first and last page, zoom re-rendering the page at the size shown
within the per-page cap, and a page the child cannot show refused without losing the others."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QToolButton, QWidget
from pytestqt.qtbot import QtBot

from arbiter_app.gui import render_child as child
from arbiter_app.gui.render_process import LIMITS, RenderLimits, announced_pages
from arbiter_app.gui.views import evidence as viewer
from arbiter_app.gui.views.evidence import EvidenceViewer
from arbiter_app.gui.views.pdf_pages import PdfPages
from arbiter_app.gui.zoom import MAX_PAGE_PIXELS, MAX_PAGE_SIDE, PDF_UNIT
from tests.fixtures.hostile_documents import page_objects, pdf
from tests.fixtures.marked_pdf import HEIGHT, WIDTH, marked_pdf, page_number
from tests.gui.test_viewer import open_viewer, shown

# Resident memory beyond the data limit: code and files mapped read-only (libraries, fonts).
MAPPED_ALLOWANCE = 128 << 20
CTRL = Qt.KeyboardModifier.ControlModifier


def settled(qtbot: QtBot, pane: PdfPages) -> PdfPages:
    """Wait until no page is being rendered or about to be."""
    qtbot.waitUntil(lambda: not pane.rendering, timeout=int(LIMITS.deadline_seconds + 10) * 1000)
    return pane


def shown_number(pane: PdfPages) -> int:
    """The page number the bars on screen spell (read from the painted picture)."""
    return page_number(pane.area.picture.grab().toImage())


@pytest.fixture
def twelve_pages(qtbot: QtBot) -> EvidenceViewer:
    dialog = open_viewer(qtbot, "t", shown("minutes.pdf", marked_pdf(12)))
    dialog.show()
    qtbot.waitExposed(dialog)
    settled(qtbot, dialog.pdf)
    return dialog


def test_only_the_page_on_screen_is_rendered(twelve_pages: EvidenceViewer) -> None:
    pane = twelve_pages.pdf
    assert twelve_pages.kind == viewer.PDF
    assert twelve_pages.rendering is not None
    assert [p.index for p in twelve_pages.rendering.pages] == [0]
    assert (pane.page_count, pane.number.text()) == (12, "1 / 12")
    assert shown_number(pane) == 1


def test_next_previous_last_first_and_the_page_box_show_the_right_page(
        qtbot: QtBot, twelve_pages: EvidenceViewer) -> None:
    pane = twelve_pages.pdf
    qtbot.mouseClick(button_of(pane, pane.next), Qt.MouseButton.LeftButton)
    assert settled(qtbot, pane).number.text() == "2 / 12" and shown_number(pane) == 2
    qtbot.keyClick(pane.area, Qt.Key.Key_PageDown)
    assert settled(qtbot, pane).number.text() == "3 / 12" and shown_number(pane) == 3
    qtbot.keyClick(pane.area, Qt.Key.Key_PageUp)
    assert shown_number(settled(qtbot, pane)) == 2
    qtbot.keyClick(pane.area, Qt.Key.Key_End, CTRL)
    assert shown_number(settled(qtbot, pane)) == 12
    qtbot.mouseClick(button_of(pane, pane.first), Qt.MouseButton.LeftButton)
    assert shown_number(settled(qtbot, pane)) == 1
    pane.number.lineEdit().selectAll()
    qtbot.keyClicks(pane.number, "7")
    qtbot.keyClick(pane.number, Qt.Key.Key_Return)
    assert settled(qtbot, pane).number.text() == "7 / 12" and shown_number(pane) == 7
    assert pane.page is not None and pane.page.index == 6


@pytest.mark.parametrize(("start", "key", "arrow", "disabled"), [
    ("first", Qt.Key.Key_PageUp, Qt.Key.Key_Down, ("first", "previous")),
    ("last", Qt.Key.Key_PageDown, Qt.Key.Key_Up, ("next", "last")),
], ids=["pgup-and-page-box-down-on-the-first-page", "pgdn-and-page-box-up-on-the-last-page"])
def test_paging_past_either_end_stays_on_that_page_without_rendering(
        qtbot: QtBot, twelve_pages: EvidenceViewer, start: str, key: Qt.Key, arrow: Qt.Key,
        disabled: tuple[str, ...]) -> None:
    pane = twelve_pages.pdf
    getattr(pane, start).trigger()
    settled(qtbot, pane)
    number = shown_number(pane)
    assert number == (1 if start == "first" else 12)
    assert all(not getattr(pane, name).isEnabled() for name in disabled)
    qtbot.keyClick(pane.area, key)
    assert not pane.rendering and shown_number(pane) == number
    qtbot.keyClick(pane.number, arrow)
    assert not pane.rendering and shown_number(pane) == number
    assert pane.number.text() == f"{number} / 12"


def test_the_next_page_is_shown_from_its_top(qtbot: QtBot, twelve_pages: EvidenceViewer) -> None:
    pane = twelve_pages.pdf
    bar = pane.area.verticalScrollBar()
    bar.setValue(bar.maximum())
    qtbot.keyClick(pane.area, Qt.Key.Key_PageDown)
    assert bar.value() == 0
    assert shown_number(settled(qtbot, pane)) == 2 and bar.value() == 0


def test_the_page_being_rendered_says_so(qtbot: QtBot, twelve_pages: EvidenceViewer) -> None:
    pane = twelve_pages.pdf
    pane.next.trigger()
    assert pane.status.text() == "Rendering page 2…"
    assert pane.area.picture.placeholder == "Rendering page 2…"
    assert pane.area.picture.image.isNull()
    settled(qtbot, pane)
    assert pane.status.text() == "" and not pane.area.picture.image.isNull()


def test_zoom_renders_the_page_again_at_the_size_shown(
        qtbot: QtBot, twelve_pages: EvidenceViewer) -> None:
    pane = twelve_pages.pdf
    qtbot.keyClick(pane.area, Qt.Key.Key_1, CTRL)  # 100 %
    assert pane.area.picture.width() == round(WIDTH * PDF_UNIT)
    assert pane.zoom_bar.level.text() == "100 %"
    settled(qtbot, pane)
    assert pane.page is not None and pane.page.width == round(WIDTH * PDF_UNIT)
    qtbot.keyClick(pane.area, Qt.Key.Key_Plus, CTRL)
    assert pane.zoom_bar.level.text() == "125 %"
    assert pane.area.picture.width() == round(WIDTH * PDF_UNIT * 1.25)
    settled(qtbot, pane)
    assert pane.page.width == round(WIDTH * PDF_UNIT * 1.25) and shown_number(pane) == 1
    qtbot.mouseClick(button_of(pane.zoom_bar, pane.zoom_bar.fits["fit-page"]),
                     Qt.MouseButton.LeftButton)
    view_width, view_height = pane.area.view()
    assert pane.area.picture.height() == view_height
    assert pane.area.picture.width() == round(WIDTH * view_height / HEIGHT) <= view_width
    assert pane.area.verticalScrollBar().maximum() == 0
    settled(qtbot, pane)
    assert pane.page.height == view_height


def test_fit_width_follows_the_window_and_the_page_is_rendered_for_the_new_width(
        qtbot: QtBot, twelve_pages: EvidenceViewer) -> None:
    pane = twelve_pages.pdf
    before = pane.area.picture.width()
    assert before == pane.area.view()[0]
    twelve_pages.resize(twelve_pages.width() + 200, twelve_pages.height())
    qtbot.waitUntil(lambda: pane.area.picture.width() == before + 200)
    settled(qtbot, pane)
    assert pane.page is not None and pane.page.width == before + 200


def test_a_huge_zoom_on_a_large_page_is_rendered_within_the_page_cap(qtbot: QtBot) -> None:
    poster = pdf(page_objects(media_box=b"[0 0 5000 5000]"))  # 1.76 m square
    dialog = open_viewer(qtbot, "t", shown("poster.pdf", poster))
    pane = dialog.pdf
    for _ in range(12):
        pane.zoom_bar.zoom_in.trigger()
    assert pane.zoom_bar.level.text() == "400 %"
    assert pane.area.picture.width() == round(5000 * PDF_UNIT * 4)  # 26,667 pixels
    settled(qtbot, pane)
    page = pane.page
    assert page is not None and page.natural == (5000.0, 5000.0)
    assert page.width <= MAX_PAGE_SIDE and page.width * page.height <= MAX_PAGE_PIXELS
    assert pane.area.picture.width() == round(5000 * PDF_UNIT * 4)  # enlarged by the painter
    assert dialog.rendering is not None
    assert dialog.rendering.peak_rss <= LIMITS.memory_bytes + MAPPED_ALLOWANCE


def test_a_page_the_child_cannot_show_is_refused_and_the_others_stay_readable(
        qtbot: QtBot) -> None:
    limits = RenderLimits(memory_bytes=256 << 20)
    dialog = open_viewer(qtbot, "t", shown("report.pdf", marked_pdf(3, bomb_page=2)),
                         limits=limits)
    pane = dialog.pdf
    assert dialog.kind == viewer.PDF and shown_number(settled(qtbot, pane)) == 1
    pane.next.trigger()
    settled(qtbot, pane)
    assert pane.body.currentWidget() is pane.failure and pane.page is None
    assert pane.failure.text() == ("Page 2 could not be shown safely: it needed more than the "
                                   "256 MiB of memory allowed.\n"
                                   "The other pages can still be shown.")
    assert dialog.rendering is not None
    assert dialog.rendering.peak_rss <= limits.memory_bytes + MAPPED_ALLOWANCE
    assert dialog.kind == viewer.PDF and pane.next.isEnabled()
    pane.next.trigger()
    assert shown_number(settled(qtbot, pane)) == 3
    pane.first.trigger()
    assert shown_number(settled(qtbot, pane)) == 1


def test_a_refused_first_page_leaves_the_other_pages_reachable_and_unopened_till_one_shows(
        qtbot: QtBot) -> None:
    limits = RenderLimits(memory_bytes=256 << 20)
    dialog = EvidenceViewer("t", [shown("report.pdf", marked_pdf(3, bomb_page=1))],
                            limits=limits)
    qtbot.addWidget(dialog)
    emitted: list[object] = []
    dialog.shown.connect(emitted.append)
    pane = settled(qtbot, dialog.pdf)
    assert dialog.kind == viewer.PDF and emitted == [] and pane.page is None
    assert pane.failure.text().startswith("Page 1 could not be shown safely: it needed more")
    assert pane.number.text() == "1 / 3" and pane.next.isEnabled()
    pane.next.trigger()
    assert shown_number(settled(qtbot, pane)) == 2
    assert emitted == dialog.files


def frames(*parts: tuple[bytes, bytes]) -> bytes:
    return b"".join(child.frame(tag, payload) for tag, payload in parts)


@pytest.mark.parametrize(("out", "count"), [
    (frames((child.DOCU, b"\0\0\0\3")) + child.PAGE + b"\0\1", 3),
    (frames((child.NOTE, b"n"), (child.DOCU, b"\0\0\0\5")), 5),
    (frames((child.DOCU, b"\0\0\3")), 0),
    (frames((child.DOCU, b"\0\0\0\3"))[:-1], 0),
    (frames((child.PAGE, b"\0" * 28), (child.DOCU, b"\0\0\0\3")), 0),
    (b"", 0),
], ids=["count-then-a-page-cut-short", "note-then-count", "count-of-3-bytes",
        "count-cut-short", "count-after-another-frame", "nothing"])
def test_the_page_count_a_stopped_child_announced(out: bytes, count: int) -> None:
    assert announced_pages(out) == count


def test_tab_runs_through_the_page_and_zoom_controls_to_the_page_then_close(
        qtbot: QtBot, twelve_pages: EvidenceViewer) -> None:
    pane, bar = twelve_pages.pdf, twelve_pages.pdf.zoom_bar
    pane.next.trigger()  # so First and Previous are enabled
    settled(qtbot, pane)
    first = button_of(pane, pane.first)
    first.setFocus()
    expected = [button_of(pane, pane.previous), pane.number, button_of(pane, pane.next),
                button_of(pane, pane.last), button_of(bar, bar.fits["fit-width"]),
                button_of(bar, bar.fits["fit-page"]), button_of(bar, bar.actual),
                button_of(bar, bar.zoom_out), button_of(bar, bar.zoom_in), pane.area]
    walked: list[QWidget] = []
    widget: QWidget = first
    for _ in expected:
        qtbot.keyClick(widget, Qt.Key.Key_Tab)
        focused = QApplication.focusWidget()
        assert focused is not None
        walked.append(focused if focused is not pane.number.lineEdit() else pane.number)
        widget = focused
    assert walked == expected


def test_controls_are_labelled_in_sentence_case_and_name_their_keys(
        twelve_pages: EvidenceViewer) -> None:
    pane = twelve_pages.pdf
    buttons = pane.findChildren(QToolButton)
    assert [b.text() for b in buttons] == [
        "First", "Previous", "Next", "Last", "Fit width", "Fit page", "100 %", "Zoom out",
        "Zoom in"]
    tips = {b.text(): b.toolTip() for b in buttons}
    assert tips["Previous"] == "Previous page (PgUp)"
    assert tips["Next"] == "Next page (PgDown)"
    assert tips["Zoom in"] == "Zoom in (Ctrl++)"
    assert tips["Fit width"] == "Fit width (Ctrl+0)"


def button_of(owner: QWidget, action: object) -> QToolButton:
    """The tool button of ``owner`` that carries ``action``."""
    found = [b for b in owner.findChildren(QToolButton) if b.defaultAction() is action]
    assert len(found) == 1
    return found[0]


def test_a_single_pdf_opens_with_the_focus_on_its_page(
        qtbot: QtBot, twelve_pages: EvidenceViewer) -> None:
    twelve_pages.activateWindow()
    qtbot.waitUntil(lambda: QApplication.focusWidget() is twelve_pages.pdf.area)
