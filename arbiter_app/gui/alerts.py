"""The window's alerts: a list docked beside the queue, a count in the status bar, and a
desktop notification through the system tray (where the desktop has one).

Each alert (:mod:`arbiter_app.services.alerts`) is raised once per window; many at once (a
first look at a store with hundreds of overdue cases) make one summary notification per
kind instead of hundreds. Activating an alert in the list opens its case.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtWidgets import (
    QApplication,
    QDockWidget,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QMainWindow,
    QSystemTrayIcon,
)

from arbiter_app.services.alerts import Alert

LISTED = 200  # the newest alerts the list keeps
NOTIFY_EACH = 3  # more of one kind at once make one summary notification


class AlertCenter(QObject):
    """Raises alerts once: in the list, in the status bar, on the desktop.

    :param window: the main window (the list docks in it)
    """

    open_case = Signal(int)

    def __init__(self, window: QMainWindow) -> None:
        super().__init__(window)
        self.seen: set[tuple[object, ...]] = set()
        self.raised = 0
        self.notified: list[tuple[str, str]] = []  # (title, text) of each notification
        self.list = QListWidget()
        self.list.setAccessibleName("Alerts")
        self.list.itemActivated.connect(self.on_activated)
        self.dock = QDockWidget("Alerts", window)
        self.dock.setObjectName("alerts")
        self.dock.setWidget(self.list)
        window.addDockWidget(Qt.DockWidgetArea.BottomDockWidgetArea, self.dock)
        self.dock.hide()
        self.count = QLabel()
        self.count.setTextFormat(Qt.TextFormat.PlainText)
        self.tray: QSystemTrayIcon | None = None
        if QSystemTrayIcon.isSystemTrayAvailable():
            self.tray = QSystemTrayIcon(QApplication.windowIcon(), window)
            self.tray.setToolTip("Arbiter Desk")
            self.tray.show()
        self._show_count()

    def mark_seen(self, alerts: Iterable[Alert]) -> None:
        """Take ``alerts`` as already known (what was there before the window opened)."""
        self.seen.update(a.key for a in alerts)

    def raise_alerts(self, alerts: Iterable[Alert]) -> list[Alert]:
        """Show the alerts not raised before; return them."""
        new = [a for a in alerts if a.key not in self.seen]
        self.seen.update(a.key for a in new)
        self.raised += len(new)
        self.list.setUpdatesEnabled(False)
        for alert in new[-LISTED:]:
            item = QListWidgetItem(f"{alert.title}: {alert.text}")
            item.setData(Qt.ItemDataRole.UserRole, alert.invoice_id)
            self.list.insertItem(0, item)
        while self.list.count() > LISTED:
            self.list.takeItem(self.list.count() - 1)
        self.list.setUpdatesEnabled(True)
        self._notify(new)
        self._show_count()
        return new

    def _notify(self, alerts: list[Alert]) -> None:
        kinds = Counter(a.kind for a in alerts)
        for kind, count in kinds.items():
            of_kind = [a for a in alerts if a.kind == kind]
            if count > NOTIFY_EACH:
                self._desktop(of_kind[0].title, f"{count} cases: {of_kind[0].text} …")
            else:
                for alert in of_kind:
                    self._desktop(alert.title, alert.text)

    def _desktop(self, title: str, text: str) -> None:
        self.notified.append((title, text))
        if self.tray is not None:
            self.tray.showMessage(title, text, QSystemTrayIcon.MessageIcon.Information, 10_000)

    def _show_count(self) -> None:
        count = self.raised
        self.count.setText(f"{count:,} alert{'s' if count != 1 else ''}" if count else
                           "No alerts")

    def on_activated(self, item: QListWidgetItem) -> None:
        invoice_id = item.data(Qt.ItemDataRole.UserRole)
        if isinstance(invoice_id, int):
            self.open_case.emit(invoice_id)
