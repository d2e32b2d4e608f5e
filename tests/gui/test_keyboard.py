"""The keyboard: the tab chain from the filter to the step's controls, the case shortcuts
and the menus' mnemonics."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QWidget
from pytestqt.qtbot import QtBot

from arbiter_app.case.models import Step
from arbiter_app.gui.main_window import MainWindow
from arbiter_app.gui.tasks import Task
from arbiter_app.gui.views.steps import TermsPage
from arbiter_app.services import queries
from arbiter_app.services.session import Session
from tests.gui.conftest import add_case


@pytest.fixture
def window(qtbot: QtBot, local_session: Session) -> Iterator[MainWindow]:
    for invoice_id in (1, 2, 3):
        add_case(local_session, invoice_id)
    window = MainWindow(local_session)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    yield window


def tab_from(qtbot: QtBot, widget: QWidget) -> QWidget:
    qtbot.keyClick(widget, Qt.Key.Key_Tab)
    focused = QApplication.focusWidget()
    assert focused is not None
    return focused


def test_tab_runs_filter_view_queue_steps_then_the_page_inputs_before_complete(
        qtbot: QtBot, window: MainWindow) -> None:
    queue, pane = window.queue, window.case_pane
    queue.select(1)
    queue.filter.setFocus()
    assert tab_from(qtbot, queue.filter) is queue.view
    assert tab_from(qtbot, queue.view) is queue.table
    assert tab_from(qtbot, queue.table) is pane.steps
    assert queue.selected_id() == 1  # crossing the queue opened no other case
    terms = pane.pages[Step.TERMS]
    assert isinstance(terms, TermsPage)
    order: list[QWidget] = []
    widget: QWidget = pane.steps
    for _ in range(12):
        widget = tab_from(qtbot, widget)
        order.append(widget)
        if widget is terms.complete_button:
            break
    assert terms.no_conflict in order and terms.complete_button in order
    assert order.index(terms.no_conflict) < order.index(terms.complete_button)


def test_case_shortcuts_move_between_cases_and_complete_the_shown_step(
        qtbot: QtBot, window: MainWindow, local_session: Session) -> None:
    queue = window.queue
    queue.select(window.model.case(0).invoice.id)
    queue.table.setFocus()
    qtbot.keyClick(queue.table, Qt.Key.Key_PageDown, Qt.KeyboardModifier.ControlModifier)
    second = window.model.case(1).invoice.id
    assert window.case_pane.case is not None and window.case_pane.case.invoice.id == second
    qtbot.keyClick(queue.table, Qt.Key.Key_PageUp, Qt.KeyboardModifier.ControlModifier)
    assert window.case_pane.case.invoice.id == window.model.case(0).invoice.id
    terms = window.case_pane.pages[Step.TERMS]
    assert isinstance(terms, TermsPage)
    terms.no_conflict.setChecked(True)
    qtbot.keyClick(queue.table, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: not Task._running, timeout=10_000)
    first = window.model.case(0).invoice.id
    assert Step.TERMS in queries.load_case(local_session, first).completed
    qtbot.keyClick(queue.table, Qt.Key.Key_4, Qt.KeyboardModifier.ControlModifier)
    assert window.case_pane.steps.currentRow() == 3


def test_every_menu_and_action_has_a_mnemonic(window: MainWindow) -> None:
    menus = [a.menu() for a in window.menuBar().actions()]
    assert [m.title() for m in menus] == ["&File", "&Case", "&View"]
    for menu in menus:
        for action in menu.actions():
            assert action.isSeparator() or "&" in action.text(), action.text()
