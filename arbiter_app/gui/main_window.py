"""The main window: the dispute queue beside the case pane, the Sync, Export, Settings and
Search actions (menus and keys in :mod:`arbiter_app.gui.keys`, remembered layout in
:mod:`arbiter_app.gui.layout`), the alerts (:mod:`arbiter_app.gui.alerts`), and a status bar
saying online or offline and naming the network, the signer's address, the contract's state,
the decision log's head and the last sync.

Everything slow (identifying the signer, syncing, reading a large queue) runs through
:class:`Task`: the window paints the oldest cases at once and the rest join when read; a step
repaints its case's row, a sync the rows it changed; the SLA clock moves once a minute, when
deadlines are checked for alerts; a background sync runs every ``sync_every_minutes``.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

import shiboken6
from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QAction, QCloseEvent, QKeySequence
from PySide6.QtWidgets import QFileDialog, QLabel, QMainWindow, QSplitter, QWidget

from arbiter_app import config
from arbiter_app.decisionlog.keychain import Handover
from arbiter_app.errors import ApiError, NetworkError, ResponseError
from arbiter_app.gui import keys, layout, log_key
from arbiter_app.gui.alerts import AlertCenter
from arbiter_app.gui.errors import error_text, show_error
from arbiter_app.gui.models.disputes import DisputesModel, QueueRow, changed_rows
from arbiter_app.gui.prompts import QtDevicePrompt
from arbiter_app.gui.tasks import Task, call
from arbiter_app.gui.views.case import CasePane
from arbiter_app.gui.views.governance import GovernanceDialog
from arbiter_app.gui.views.queue import QueueView
from arbiter_app.gui.views.search import SearchDialog
from arbiter_app.gui.views.settings import SettingsDialog
from arbiter_app.gui.views.suspicious import SuspiciousDialog
from arbiter_app.progress import CancelToken, Progress
from arbiter_app.services import logs, queries
from arbiter_app.services.alerts import (
    FAILURE_WINDOW,
    Alert,
    failure_rate_alert,
    governance_alerts,
    sla_alerts,
    sync_alerts,
)
from arbiter_app.services.sync import sync_disputes

if TYPE_CHECKING:
    from collections.abc import Generator

    from arbiter_app.services.queries import GovernanceState
    from arbiter_app.services.session import Session

TICK_MS = 60_000
Synced = tuple[Any, list[QueueRow], list[Alert]]  # the sync's summary, changed rows, alerts
FIRST_CASES = 100  # more than a window shows


def contract_words(state: GovernanceState) -> str:
    """The status bar's words for the contract's pause state (from its governance events)."""
    if state.paused is None:
        return "Contract: never paused"
    if state.paused:
        return f"Contract: PAUSED by its admins (lapses at Bitcoin block {state.paused_until})"
    return "Contract: active"


def _when(seconds: int) -> str:
    """A moment in the arbiter's local time, with the date unless it is today."""
    moment = time.localtime(seconds)
    same_day = time.strftime("%Y-%m-%d", moment) == time.strftime("%Y-%m-%d")
    return time.strftime("%H:%M:%S" if same_day else "%Y-%m-%d %H:%M", moment)


def _status_label() -> QLabel:
    label = QLabel()
    label.setTextFormat(Qt.TextFormat.PlainText)
    return label


class MainWindow(QMainWindow):
    """The app's one window over one :class:`Session`.

    :param session: the session (settings, store, API, signer)
    :param sync_on_start: identify the signer, then run a first sync
    :param settings_path: the settings file the Settings dialog saves (default: the per-user
        one)
    """

    synced = Signal(object)
    queue_ready = Signal()  # every case of the store is in the queue
    signer_known = Signal(str)

    def __init__(self, session: Session, *, sync_on_start: bool = False,
                 settings_path: Path | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.session = session
        self.settings_path = settings_path or config.default_config_path()
        self.settings_dialog: SettingsDialog | None = None
        self.search_dialog: SearchDialog | None = None
        self.restart_requested = False
        self.setWindowTitle(f"Arbiter Desk — {session.network.name}")
        self.resize(1400, 860)
        self.model = DisputesModel(session.settings.sla_hours, self)
        self.queue = QueueView(self.model)
        self.case_pane = CasePane(session)
        self.splitter = QSplitter()
        self.splitter.addWidget(self.queue)
        self.splitter.addWidget(self.case_pane)
        self.splitter.setSizes([560, 840])
        self.setCentralWidget(self.splitter)
        self.queue.case_selected.connect(self.case_pane.show_case)
        self.case_pane.case_changed.connect(self.on_case_changed)
        self.signer_address: str | None = None
        self.last_sync: int | None = None
        self._build_actions()
        self.alerts = AlertCenter(self)
        self.alerts.open_case.connect(self.open_case)
        self.pane_action = layout.install(self)
        keys.install(self)
        self._build_status_bar()
        self.statusBar().addPermanentWidget(self.alerts.count)
        self.alerts.mark_seen(governance_alerts(queries.governance(session).history))
        self.background_sync = QTimer(self)
        self.background_sync.timeout.connect(lambda: self.sync(quiet=True))
        if session.settings.sync_every_minutes:
            self.background_sync.start(session.settings.sync_every_minutes * 60_000)
        self.clock = QTimer(self)
        self.clock.setInterval(TICK_MS)
        self.clock.timeout.connect(self.on_tick)
        self.clock.start()
        # The oldest cases (the top of the queue's SLA order) paint at once; the rest are read
        # and prepared on the task runner and join the queue when ready.
        self.model.set_rows(queries.list_cases(session, limit=FIRST_CASES))
        if not layout.restore(self):
            self.queue.fit_columns()
        self.show_log_head()
        self.queue_loaded = False
        self.load_queue()
        self.check_store()
        self.identify_signer(then_sync=sync_on_start)

    def _build_actions(self) -> None:
        self.sync_action = QAction("&Sync", self)
        self.sync_action.setShortcuts([QKeySequence("Ctrl+R"), QKeySequence("F5")])
        self.sync_action.triggered.connect(self.sync)
        self.export_action = QAction("&Export log…", self)
        self.export_action.triggered.connect(self.on_export)
        self.rotate_action = QAction("&Rotate log key…", self)
        self.rotate_action.triggered.connect(self.on_rotate_key)
        self.settings_action = QAction("Se&ttings…", self)
        self.settings_action.triggered.connect(self.on_settings)
        self.suspicious_action = QAction("S&uspicious addresses…", self)
        self.suspicious_action.triggered.connect(self.on_suspicious)
        self.governance_action = QAction("Escrow &governance…", self)
        self.governance_action.triggered.connect(self.on_governance)
        quit_action = QAction("&Quit", self)
        quit_action.setShortcut(QKeySequence.StandardKey.Quit)
        quit_action.triggered.connect(self.close)
        menu = self.menuBar().addMenu("&File")
        for action in (self.sync_action, self.export_action, self.rotate_action,
                       self.settings_action, self.suspicious_action, self.governance_action,
                       quit_action):
            menu.addAction(action)
        toolbar = self.addToolBar("Main")
        toolbar.setObjectName("main-toolbar")
        toolbar.addAction(self.sync_action)
        toolbar.addAction(self.export_action)

    def on_settings(self) -> None:
        """Open the settings dialog (checked before saving, every change logged); once saved,
        the window closes and the app opens again on the new settings."""
        self.settings_dialog = SettingsDialog(self.session.settings, self.settings_path, self)
        self.settings_dialog.accepted.connect(self.on_settings_saved)
        self.settings_dialog.open()

    def on_governance(self) -> GovernanceDialog:
        """Open the contract's governance view (pause state, admins, admin actions)."""
        dialog = GovernanceDialog(self.session, self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.open()
        return dialog

    def on_suspicious(self) -> SuspiciousDialog:
        """Open the suspicious-address list."""
        dialog = SuspiciousDialog(self.session, self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.open()
        return dialog

    def on_search(self) -> SearchDialog:
        """Open (or bring back) the search of past cases."""
        if self.search_dialog is None:
            self.search_dialog = SearchDialog(self.session, self)
            self.search_dialog.open_case.connect(self.open_case)
        self.search_dialog.show()
        self.search_dialog.raise_()
        self.search_dialog.query.setFocus()
        return self.search_dialog

    def open_case(self, invoice_id: int) -> None:
        """Open ``invoice_id`` in the case pane, and choose its row if the queue shows it."""
        self.queue.chosen = invoice_id
        self.queue.select(invoice_id)
        self.case_pane.show_case(invoice_id)

    def on_settings_saved(self) -> None:
        """Close, asking the caller to open the app again on the saved settings."""
        self.restart_requested = True
        self.close()

    def _build_status_bar(self) -> None:
        self.network_label = _status_label()
        self.signer_label = _status_label()
        self.log_label = _status_label()
        self.sync_label = _status_label()
        self.contract_label = _status_label()
        self.online_label = _status_label()
        self.store_label = _status_label()
        self.store_label.setStyleSheet("color: #b00020; font-weight: bold")
        self.store_label.hide()
        for label in (self.store_label, self.online_label, self.network_label, self.signer_label,
                      self.contract_label, self.log_label, self.sync_label):
            self.statusBar().addPermanentWidget(label)
        s = self.session.settings
        self.network_label.setText(f"Network: {s.network} ({s.stacks_api})")
        self.signer_label.setText(f"Signer: {s.signer} {s.ledger if s.signer == 'ledger' else ''}"
                                  " (not read yet)")
        synced = queries.last_synced(self.session)
        self.sync_label.setText("Last sync: never" if synced is None else
                                f"Last sync: {_when(synced)}")
        self.set_online(None)

    def set_online(self, online: bool | None) -> None:
        """The connection as the last network call found it (``None``: not tried yet)."""
        text = {None: "○ Not connected yet", True: "● Online", False: "● Offline"}[online]
        colour = {None: "#555555", True: "#1b5e20", False: "#b00020"}[online]
        self.online_label.setText(text)
        self.online_label.setStyleSheet(f"color: {colour}")
        self.online = online

    def on_background_sync_failed(self, error: BaseException) -> None:
        """A background sync failed: the status bar and the alert list say so, no dialog."""

        text = error_text(error)
        if text is None:
            return
        if isinstance(error, NetworkError) and not isinstance(error, ApiError | ResponseError):
            self.set_online(False)
        self.alerts.raise_alerts([Alert("sync-failed", "Background sync failed", text,
                                        ("sync-failed", int(time.time())))])

    def on_sync_failed(self, error: BaseException) -> None:
        """Say the app is offline when the network failed; the one presenter says why."""

        if isinstance(error, NetworkError) and not isinstance(error, ApiError | ResponseError):
            self.set_online(False)
        show_error(error, self)

    def load_queue(self) -> Task:
        """Read every case, work out the queue rows of those not shown yet and the deadline
        alerts, off the UI thread; the model takes the rows in one change."""
        session, known, hours = self.session, self.model.known(), self.model.sla_hours

        def work() -> tuple[list[QueueRow], list[Alert]]:
            every = queries.list_cases(session)
            return changed_rows(every, known, hours), sla_alerts(every, hours, int(time.time()))

        def done(result: tuple[list[QueueRow], list[Alert]]) -> None:
            rows, alerts = result
            self.model.add_rows(rows)  # a sync may have brought some meanwhile, newer
            self.queue_loaded = True
            self.alerts.raise_alerts(alerts)
            self.queue_ready.emit()

        def failed(error: BaseException) -> None:
            if shiboken6.isValid(self) and self.isVisible():  # not when closed while reading

                show_error(error, self)

        return Task(call(work), parent=self).on_success(done).on_failure(failed).run()

    def check_store(self) -> Task:
        """Check the case store for damage off the UI thread (the first write waits for the
        verdict); a damaged store is said in the status bar and in a message, and every write
        is refused."""
        session = self.session

        def damaged(error: BaseException) -> None:
            if shiboken6.isValid(self) and self.isVisible():
                self.store_label.setText("Case store damaged: nothing can be saved")
                self.store_label.show()
                show_error(error, self)

        return Task(call(lambda: queries.check_store(session)), parent=self
                    ).on_failure(damaged).run()

    def on_tick(self) -> Task:
        """The minute tick: the SLA column moves, and deadlines are checked."""
        self.model.tick(int(time.time()))
        return self.check_deadlines()

    def check_deadlines(self) -> Task:
        """Alert on open cases due within 12 hours or overdue (each once); the cases are
        judged on the task runner (10,000 of them take the UI thread's 100 ms otherwise)."""
        every, hours, now = self.model.cases(), self.model.sla_hours, int(time.time())

        def judged(alerts: list[Alert]) -> None:
            self.alerts.raise_alerts(alerts)

        return Task(call(lambda: sla_alerts(every, hours, now)), parent=self
                    ).on_success(judged).run()

    def on_case_changed(self, invoice_id: int) -> None:
        """A step changed the open case: repaint its row (the pane has just read it) and the
        log head; nothing else is read."""
        case = self.case_pane.case
        if case is not None and case.invoice.id == invoice_id:
            self.model.update_cases([case])
        self.show_log_head()

    def show_log_head(self) -> None:
        """The decision log's size and root in the status bar."""
        size, root = queries.log_head(self.session)
        self.log_label.setText(f"Log: {size} entries, root {root.hex()[:12]}…")
        self.contract_label.setText(contract_words(queries.governance(self.session)))
        self.check_failures()

    def check_failures(self) -> None:
        """Alert when more than three ruling transactions failed in the last hour (counted
        over the decision log; raised again at each further failure)."""
        now = int(time.time())
        alert = failure_rate_alert(queries.failed_transaction_times(
            self.session, now - FAILURE_WINDOW), now)
        if alert is not None:
            self.alerts.raise_alerts([alert])

    def identify_signer(self, then_sync: bool = False) -> Task:
        """Read the signer's address in the background (a Ledger answers on its own thread)."""
        session = self.session

        def op(token: CancelToken) -> Generator[Progress, None, str]:
            yield Progress("opening the signer", 0, None)
            return session.signer.address()

        def known(address: str) -> None:
            if not shiboken6.isValid(self.signer_label):
                return  # the window closed while the device answered
            self.signer_address = address
            self.signer_label.setText(f"Signer: {address} ({session.settings.signer})")
            self.signer_known.emit(address)
            if then_sync:
                self.sync()

        def unknown(error: BaseException) -> None:

            if not shiboken6.isValid(self.signer_label):
                return
            # Without a device the app still opens on the store; the bar says why.
            self.signer_label.setText(f"Signer: unavailable ({error_text(error) or 'cancelled'})")
            if then_sync:
                show_error(error, self)

        return Task(op, parent=self).on_success(known).on_failure(unknown).run()

    def sync(self, quiet: bool = False) -> Task | None:
        """Run the sync service (with the progress dialog unless ``quiet``, as the background
        sync is); take in the changed cases and raise their alerts after."""

        session = self.session

        known, hours = self.model.known(), self.model.sla_hours

        def op(token: CancelToken) -> Generator[Progress, None, Synced]:
            summary = yield from sync_disputes(session, token)
            yield Progress("reading the cases", 0, None)
            # Read and compared here, off the UI thread: the queue repaints changed rows only.
            rows = changed_rows(queries.list_cases(session), known, hours)
            alerts = sync_alerts(known, [r.case for r in rows])
            return summary, rows, alerts + governance_alerts(queries.governance(session).history)

        if not self.sync_action.isEnabled():
            return None  # a sync is running
        self.sync_action.setEnabled(False)
        task = Task(op, parent=self).on_success(self.on_synced)
        task.on_failure(self.on_background_sync_failed if quiet else self.on_sync_failed)
        if not quiet:
            task.with_progress("Syncing disputes")
        task.run()
        task.signals.finished.connect(lambda: self.sync_action.setEnabled(True))
        return task

    def on_synced(self, result: Synced) -> None:
        """Take in the synced cases (only changed rows repaint), raise the alerts, and show
        the open case again."""
        summary, rows, alerts = result
        self.model.update_rows(rows)
        self.alerts.raise_alerts(alerts)
        self.check_deadlines()
        self.show_log_head()
        self.last_sync = int(time.time())
        self.set_online(True)
        self.sync_label.setText(f"Last sync: {_when(self.last_sync)} ({summary.disputes} "
                                f"updated, {summary.evidence} new evidence)")
        if self.case_pane.case is not None:
            self.case_pane.show_case(self.case_pane.case.invoice.id)
        self.synced.emit(summary)

    def export_log(self, path: Path) -> Task:
        """Write the whole decision log as JSONL with a fresh signed checkpoint, on the task
        runner (the device is asked to unlock the log key the first time in a session, with
        its "Confirm on your Ledger" message); the status bar says how many were written."""
        session, now = self.session, int(time.time())
        task = Task(lambda token: call(lambda: logs.export_log(
            session, path, now=now, prompt=prompt))(token), parent=self)
        prompt = QtDevicePrompt(self, task.token).attach(task)
        return task.on_success(lambda count: self.exported(count, path)).run()

    def exported(self, count: int, path: Path) -> None:
        """Show the new log head (the export's checkpoint) and what was written."""
        self.show_log_head()
        self.statusBar().showMessage(f"Wrote {count} log entries to {path}", 8000)

    def on_export(self) -> None:
        name, _ = QFileDialog.getSaveFileName(self, "Export decision log", "decision-log.jsonl",
                                              "JSON lines (*.jsonl)")
        if name:
            self.export_log(Path(name))

    def on_rotate_key(self) -> None:
        if log_key.confirmed(self):
            self.rotate_key()

    def rotate_key(self) -> Task:
        """Replace the decision-log key (File > Rotate log key…, once confirmed)."""
        return log_key.rotate(self, self.session, lambda handover: self.key_rotated(handover))

    def key_rotated(self, handover: Handover) -> None:
        """Show the new log head and the handover."""
        self.show_log_head()
        self.statusBar().showMessage(f"Rotated the decision-log key: {handover.new.hex()[:16]}… "
                                     f"signs from entry {handover.size} on", 8000)

    def closeEvent(self, event: QCloseEvent) -> None:
        """Stop the clock and cancel running tasks; the caller closes the session."""
        self.clock.stop()
        layout.save(self)
        for task in list(Task._running):
            task.cancel()
        super().closeEvent(event)
