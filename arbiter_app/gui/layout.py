"""The window's layout, remembered: geometry, the queue/case splitter, the queue's columns
and sort, and the chosen view, in ``window.ini`` beside the case store (so each data folder,
and each test's temporary one, keeps its own).

The case pane can collapse (View > Case pane, Ctrl+\\) to give the queue the whole width;
both sides keep a minimum width so neither shrinks to one column.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QByteArray, QSettings
from PySide6.QtGui import QAction, QKeySequence

if TYPE_CHECKING:
    from arbiter_app.gui.main_window import MainWindow

FILE_NAME = "window.ini"
CASE_PANE_MIN_WIDTH = 420


def settings_of(window: MainWindow) -> QSettings:
    """The window's remembered layout, in the session's data folder."""
    path = Path(window.session.settings.data_dir) / FILE_NAME
    return QSettings(str(path), QSettings.Format.IniFormat)


def install(window: MainWindow) -> QAction:
    """Set minimum widths; return the action that collapses the case pane."""
    window.case_pane.setMinimumWidth(CASE_PANE_MIN_WIDTH)
    window.splitter.setCollapsible(0, False)
    window.splitter.setCollapsible(1, True)
    toggle = QAction("Case &pane", window)
    toggle.setCheckable(True)
    toggle.setChecked(True)
    toggle.setShortcut(QKeySequence("Ctrl+\\"))
    toggle.toggled.connect(window.case_pane.setVisible)
    window.addAction(toggle)
    return toggle


def restore(window: MainWindow) -> bool:
    """Put back the remembered geometry, splitter, columns, sort and view; whether the
    columns were remembered (else the window fits them to their contents)."""
    saved = settings_of(window)
    geometry, splitter, columns = (saved.value(k) for k in ("geometry", "splitter", "columns"))
    if isinstance(geometry, QByteArray):
        window.restoreGeometry(geometry)
    if isinstance(splitter, QByteArray):
        window.splitter.restoreState(splitter)
    header = window.queue.table.horizontalHeader()
    restored = isinstance(columns, QByteArray) and header.restoreState(columns)
    window.queue.table.sortByColumn(header.sortIndicatorSection(), header.sortIndicatorOrder())
    view = saved.value("view")
    if view in ("open", "closed", "all"):
        window.queue.show_view(str(view))
    if saved.value("case_pane") == "hidden":
        window.pane_action.setChecked(False)
    return restored


def save(window: MainWindow) -> None:
    """Remember the layout (on closing)."""
    saved = settings_of(window)
    saved.setValue("geometry", window.saveGeometry())
    saved.setValue("splitter", window.splitter.saveState())
    saved.setValue("columns", window.queue.table.horizontalHeader().saveState())
    saved.setValue("view", window.queue.view.currentData())
    saved.setValue("case_pane", "shown" if window.pane_action.isChecked() else "hidden")
    saved.sync()


def copy_text(window: MainWindow) -> str:
    """The selected case as text for the clipboard: invoice id and full addresses."""
    case = window.case_pane.case
    if case is None:
        return ""
    inv = case.invoice
    return f"invoice {inv.id}\tpayer {inv.payer}\tpayee {inv.payee}"


