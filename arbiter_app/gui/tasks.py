"""The one background runner: services' progress generators run on a thread pool.

A service returns a generator that yields :class:`~arbiter_app.progress.Progress` and returns
its result. :class:`Task` wraps one in a ``QRunnable`` whose signals object carries
``progress``, ``succeeded``, ``failed`` and ``finished`` back to the GUI thread. Call sites
read like Anki's ops::

    Task(lambda token: sync_disputes(session, token), parent=self)
        .on_success(self.on_synced)
        .with_progress("Syncing disputes")
        .run()

The progress dialog has good manners: it appears only when the work
lasts longer than :data:`SHOW_AFTER_MS`, then stays at least :data:`MIN_VISIBLE_MS`, has a
Cancel button that sets the task's :class:`CancelToken`, and updates its label in place.
"""

from __future__ import annotations

from collections.abc import Callable, Generator
from typing import Any

from PySide6.QtCore import QElapsedTimer, QObject, QRunnable, Qt, QThreadPool, QTimer, Signal
from PySide6.QtWidgets import QProgressDialog, QWidget

from arbiter_app.errors import Cancelled
from arbiter_app.gui.errors import show_error
from arbiter_app.progress import CancelToken, Progress

SHOW_AFTER_MS = 600
MIN_VISIBLE_MS = 500

Operation = Callable[[CancelToken], Generator[Progress, None, Any]]


def call(work: Callable[[], Any]) -> Operation:
    """A short service call (a store write) as an operation: no progress, its result returned.

    Runs on the pool like any task, so the GUI thread never waits on the store's write lock.
    """
    def operation(token: CancelToken) -> Generator[Progress, None, Any]:
        yield from ()
        return work()
    return operation


class TaskSignals(QObject):
    """Signals a running task emits; delivered on the GUI thread by queued connections."""

    progress = Signal(object)
    succeeded = Signal(object)
    failed = Signal(object)
    finished = Signal()


class _Runnable(QRunnable):
    """Drives one generator to its end on a pool thread, never touching a widget."""

    def __init__(self, operation: Operation, token: CancelToken, signals: TaskSignals) -> None:
        super().__init__()
        self.setAutoDelete(False)
        self._operation = operation
        self._token = token
        self.signals = signals

    def run(self) -> None:
        try:
            generator = self._operation(self._token)
            while True:
                self._token.check()
                try:
                    step = next(generator)
                except StopIteration as end:
                    self.signals.succeeded.emit(end.value)
                    break
                self.signals.progress.emit(step)
        except BaseException as error:  # noqa: BLE001 - handed to the presenter, not lost
            self.signals.failed.emit(error)
        finally:
            self.signals.finished.emit()


class Task(QObject):
    """A background operation with callbacks; keeps itself alive until it finishes.

    :param operation: called on the pool thread with the task's cancel token; returns the
        service's progress generator
    :param parent: the widget that owns the task (and parents its progress dialog)
    :param pool: the thread pool (default: the global one)
    """

    dialog_shown = Signal(object)  # the progress dialog, once it appears

    _running: set[Task] = set()

    def __init__(
        self, operation: Operation, parent: QWidget | None = None, pool: QThreadPool | None = None
    ) -> None:
        super().__init__(None)
        self.token = CancelToken()
        self.signals = TaskSignals()
        self._parent = parent
        self._pool = pool or QThreadPool.globalInstance()
        self._runnable = _Runnable(operation, self.token, self.signals)
        self._dialog_title: str | None = None
        self._dialog: QProgressDialog | None = None
        self._last_step: Progress | None = None
        self._shown = QElapsedTimer()
        self._on_failure: Callable[[BaseException], None] | None = None
        self.signals.failed.connect(self._on_failed)
        self.signals.finished.connect(self._on_finished)

    def on_success(self, callback: Callable[[Any], None]) -> Task:
        """Call ``callback(result)`` on the GUI thread when the operation returns."""
        self.signals.succeeded.connect(callback)
        return self

    def on_failure(self, callback: Callable[[BaseException], None]) -> Task:
        """Call ``callback(error)`` instead of the default presenter on failure."""
        self._on_failure = callback
        return self

    def on_progress(self, callback: Callable[[Progress], None]) -> Task:
        """Call ``callback(progress)`` on the GUI thread for each step."""
        self.signals.progress.connect(callback)
        return self

    def with_progress(self, title: str) -> Task:
        """Show a cancellable progress dialog titled ``title`` if the work lasts."""
        self._dialog_title = title
        self.signals.progress.connect(self._update_dialog)
        return self

    def run(self) -> Task:
        """Start the operation on the pool."""
        Task._running.add(self)
        if self._dialog_title is not None:
            QTimer.singleShot(SHOW_AFTER_MS, self._show_dialog)
        self._pool.start(self._runnable)
        return self

    def cancel(self) -> None:
        """Ask the operation to stop at its next step."""
        self.token.cancel()

    @property
    def running(self) -> bool:
        """Whether the task has not finished yet."""
        return self in Task._running

    def _show_dialog(self) -> None:
        if not self.running or self._dialog is not None:
            return
        dialog = QProgressDialog(self._dialog_title or "", "Cancel", 0, 0, self._parent)
        dialog.setWindowModality(Qt.WindowModality.WindowModal)
        dialog.setMinimumDuration(0)
        dialog.canceled.connect(self.cancel)
        dialog.show()
        self._dialog = dialog
        self._shown.start()
        self.dialog_shown.emit(dialog)
        if self._last_step is not None:
            self._update_dialog(self._last_step)

    def _update_dialog(self, step: Progress) -> None:
        self._last_step = step
        if self._dialog is None:
            return
        self._dialog.setLabelText(step.label)
        self._dialog.setMaximum(step.total or 0)
        self._dialog.setValue(min(step.done, step.total or 0))

    def _on_failed(self, error: BaseException) -> None:
        if self._on_failure is not None:
            self._on_failure(error)
        elif not isinstance(error, Cancelled):

            show_error(error, self._parent)

    def _on_finished(self) -> None:
        if self._dialog is not None:
            remaining = MIN_VISIBLE_MS - self._shown.elapsed()
            dialog, self._dialog = self._dialog, None
            QTimer.singleShot(max(0, remaining), dialog.close)
        Task._running.discard(self)
