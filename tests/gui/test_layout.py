"""The window remembers its layout (in the data folder: each test has its own), keeps
minimum widths, and collapses the case pane."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from arbiter_app.gui import layout
from arbiter_app.gui.main_window import MainWindow
from arbiter_app.gui.models.disputes import AMOUNT, PAYER
from arbiter_app.services.session import Session
from tests.fixtures.store import PAYER as PAYER_ADDRESS
from tests.gui.conftest import add_case


def open_window(qtbot: QtBot, session: Session) -> MainWindow:
    window = MainWindow(session)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    return window


def test_geometry_splitter_columns_sort_view_and_pane_are_remembered(
        qtbot: QtBot, local_session: Session) -> None:
    add_case(local_session, 1)
    add_case(local_session, 2)
    window = open_window(qtbot, local_session)
    window.resize(760, 560)
    window.splitter.setSizes([700, 400])
    window.queue.table.setColumnWidth(PAYER, 333)
    window.queue.table.sortByColumn(AMOUNT, Qt.SortOrder.DescendingOrder)
    window.queue.show_view("all")
    window.pane_action.setChecked(False)
    window.close()
    assert (layout.settings_of(window).fileName()
            == str(local_session.store.path.parent / layout.FILE_NAME))
    again = open_window(qtbot, local_session)
    header = again.queue.table.horizontalHeader()
    assert (again.width(), again.height()) == (760, 560)
    assert header.sectionSize(PAYER) == 333
    assert (header.sortIndicatorSection(), header.sortIndicatorOrder()) == (
        AMOUNT, Qt.SortOrder.DescendingOrder)
    assert again.queue.view.currentData() == "all"
    assert not again.case_pane.isVisible() and not again.pane_action.isChecked()
    again.pane_action.setChecked(True)
    assert again.case_pane.isVisible()


def test_a_small_window_keeps_both_sides_usable_and_copies_full_addresses(
        qtbot: QtBot, local_session: Session) -> None:
    add_case(local_session, 1)
    window = open_window(qtbot, local_session)
    window.resize(1024, 700)
    window.splitter.setSizes([10, 2000])
    assert window.queue.width() >= window.queue.minimumWidth() > 0
    assert window.case_pane.width() >= layout.CASE_PANE_MIN_WIDTH
    window.queue.select(1)
    shown = window.model.data(window.model.index(0, PAYER))
    assert "…" in shown and window.model.data(
        window.model.index(0, PAYER), Qt.ItemDataRole.ToolTipRole) == PAYER_ADDRESS
    assert window.case_pane.case is not None
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)
    qtbot.keyClick(window.queue.table, Qt.Key.Key_Y,
                   Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
    assert PAYER_ADDRESS in QApplication.clipboard().text()
