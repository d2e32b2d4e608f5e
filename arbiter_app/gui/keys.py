"""The keyboard: the Case and View menus with their shortcuts, and the tab chain.

Every action has a menu entry with a mnemonic, so it can be found as well as typed:

* Ctrl+PgDown / Ctrl+PgUp: next / previous case in the queue (the queue's own arrows move the
  selection too; Tab leaves the queue instead of walking its cells);
* Ctrl+Return: the shown step's main action (complete it); Ctrl+1 … Ctrl+6 show a step;
* Ctrl+\\: collapse the case pane; Ctrl+Shift+L: the alert list; Ctrl+Shift+Y: copy the
  case's id and full addresses;
* Ctrl+F: the filter box; Ctrl+Shift+F: search past cases; Ctrl+Shift+O / C / A: open,
  closed or all cases.

The tab chain runs filter → view chooser → queue → step list → the shown page's controls,
each page's own inputs before its Reopen and Complete buttons (the buttons are built first,
so Qt's default chain would reach Complete before the checkbox it needs).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QApplication, QWidget

from arbiter_app.case.models import Step
from arbiter_app.gui import layout

if TYPE_CHECKING:
    from arbiter_app.gui.main_window import MainWindow
    from arbiter_app.gui.views.step_page import StepPage


def _action(window: MainWindow, text: str, keys: str, slot: Callable[[], object]) -> QAction:
    action = QAction(text, window)
    action.setShortcut(QKeySequence(keys))
    action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
    action.triggered.connect(lambda: slot())
    window.addAction(action)
    return action


def install(window: MainWindow) -> None:
    """Add the Case and View menus and set the tab chain of ``window``."""
    queue, pane = window.queue, window.case_pane
    case_menu = window.menuBar().addMenu("&Case")
    for title, keys, delta in (("&Next case", "Ctrl+PgDown", 1),
                               ("&Previous case", "Ctrl+PgUp", -1)):
        case_menu.addAction(_action(window, title, keys, partial(queue.step_case, delta)))
    case_menu.addSeparator()
    case_menu.addAction(_action(window, "&Complete this step", "Ctrl+Return",
                                pane.complete_shown_step))
    for step in Step:
        case_menu.addAction(_action(window, f"Step &{int(step)}", f"Ctrl+{int(step)}",
                                    partial(pane.show_step, step)))
    view_menu = window.menuBar().addMenu("&View")
    view_menu.addAction(window.pane_action)
    alerts = window.alerts.dock.toggleViewAction()
    alerts.setText("Aler&ts")
    alerts.setShortcut(QKeySequence("Ctrl+Shift+L"))
    view_menu.addAction(alerts)
    view_menu.addAction(_action(window, "&Copy case", "Ctrl+Shift+Y", partial(_copy, window)))
    view_menu.addAction(_action(window, "&Filter…", "Ctrl+F", queue.filter.setFocus))
    view_menu.addAction(_action(window, "&Search cases…", "Ctrl+Shift+F", window.on_search))
    for view, title, keys in (("open", "&Open cases", "Ctrl+Shift+O"),
                              ("closed", "C&losed cases", "Ctrl+Shift+C"),
                              ("all", "&All cases", "Ctrl+Shift+A")):
        view_menu.addAction(_action(window, title, keys, partial(queue.show_view, view)))
    chain(queue.filter, queue.view, queue.table, pane.steps)
    for page in pane.pages.values():
        page_chain(page)


def _copy(window: MainWindow) -> None:
    QApplication.clipboard().setText(layout.copy_text(window))


def chain(*widgets: QWidget) -> None:
    """Tab goes through ``widgets`` in this order."""
    for first, second in zip(widgets, widgets[1:], strict=False):
        QWidget.setTabOrder(first, second)


def page_chain(page: StepPage) -> None:
    """The page's own inputs in the order they were built, then Reopen, then Complete."""
    buttons = (page.reopen_button, page.complete_button)
    inputs = [w for w in page.findChildren(QWidget)
              if w.focusPolicy() & Qt.FocusPolicy.TabFocus and w not in buttons]
    chain(*inputs, *buttons)
