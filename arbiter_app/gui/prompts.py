"""The Qt :class:`~arbiter_app.wallet.signer.DevicePrompt`: the "Confirm on your Ledger" box.

The signer calls the prompt from its device thread; Qt widgets live on the GUI thread. So the
prompt only emits signals, and queued connections run the slots on the GUI thread, which
show (and later close) one window-modal message carrying the request's one wording (what is
signed, and what the device asks), then "check your Ledger" if the device stays silent, as
Electrum's ``QtHandlerBase`` does. Its Cancel abandons the request through the task's cancel
token. The message always stacks above the task's progress dialog: it is that dialog's
child whenever the dialog is shown, before or after the message. The text is plain text.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Qt, Signal, Slot
from PySide6.QtWidgets import QDialog, QLabel, QPushButton, QVBoxLayout, QWidget

from arbiter_app.progress import CancelToken
from arbiter_app.wallet.signer import Confirmation

if TYPE_CHECKING:
    from arbiter_app.gui.tasks import Task


class DeviceMessage(QDialog):
    """The window-modal box; the device decides yes or no, Cancel abandons the request."""

    def __init__(self, parent: QWidget | None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Ledger")
        self.setWindowModality(Qt.WindowModality.WindowModal)
        self.label = QLabel(self)
        self.label.setTextFormat(Qt.TextFormat.PlainText)
        self.label.setWordWrap(True)
        self.label.setMinimumWidth(460)
        self.detail = QLabel(self)
        self.detail.setTextFormat(Qt.TextFormat.PlainText)
        self.detail.setWordWrap(True)
        self.cancel_button = QPushButton("Cancel", self)
        layout = QVBoxLayout(self)
        layout.addWidget(self.label)
        layout.addWidget(self.detail)
        layout.addWidget(self.cancel_button, 0, Qt.AlignmentFlag.AlignRight)

    def reject(self) -> None:
        """Escape and the close button cancel like the Cancel button; the box stays until
        the signer has given the request up."""
        self.cancel_button.click()


class QtDevicePrompt(QObject):
    """A device prompt whose messages appear over ``parent`` on the GUI thread.

    :param parent: the window the message is modal to (when no progress dialog is shown)
    :param token: the cancel token of the task that waits for the device; Cancel sets it
    """

    confirm_requested = Signal(object)
    step_reported = Signal(int, int)
    stalled_reported = Signal(str)
    done = Signal()

    def __init__(self, parent: QWidget | None, token: CancelToken | None = None) -> None:
        super().__init__(None)
        self._window = parent
        self._token = token or CancelToken()
        self._above: QWidget | None = None
        self.message: DeviceMessage | None = None
        self.shown: list[str] = []
        queued = Qt.ConnectionType.QueuedConnection
        self.confirm_requested.connect(self.on_confirm, queued)
        self.step_reported.connect(self.on_step, queued)
        self.stalled_reported.connect(self.on_stalled, queued)
        self.done.connect(self.on_finished, queued)

    def attach(self, task: Task) -> QtDevicePrompt:
        """Stack above ``task``'s progress dialog whenever it is shown."""
        task.dialog_shown.connect(self.on_dialog_shown)
        return self

    # DevicePrompt protocol: called on the device thread, so only signals are emitted.
    def confirm(self, request: Confirmation) -> None:
        """Ask the user to confirm on the device."""
        self.confirm_requested.emit(request)

    def step(self, index: int, total: int) -> None:
        """Report a part being sent."""
        self.step_reported.emit(index, total)

    def stalled(self, message: str) -> None:
        """The device is silent: ask the user to check it."""
        self.stalled_reported.emit(message)

    def finished(self) -> None:
        """The device answered, or the request was given up."""
        self.done.emit()

    @property
    def cancelled(self) -> bool:
        """Whether the user pressed Cancel (here or on the progress dialog)."""
        return self._token.cancelled

    def _show(self) -> DeviceMessage:
        if self.message is None:
            self.message = DeviceMessage(self._above or self._window)
            self.message.cancel_button.clicked.connect(self.on_cancel)
        self.message.show()
        self.message.raise_()
        return self.message

    @Slot(object)
    def on_confirm(self, request: Confirmation) -> None:
        self.shown.append(request.text)
        message = self._show()
        message.label.setText(request.text)
        message.detail.setText("Approve or reject it on the device.")
        message.adjustSize()

    @Slot(int, int)
    def on_step(self, index: int, total: int) -> None:
        if self.message is not None and total > 1:
            self.message.detail.setText(f"Sending part {index} of {total} to the device")

    @Slot(str)
    def on_stalled(self, text: str) -> None:
        self.shown.append(text)
        message = self._show()  # a device silent before its review still gets a Cancel
        if not message.label.text():
            message.label.setText("Waiting for your Ledger")
        message.detail.setText(text)
        message.adjustSize()

    @Slot()
    def on_cancel(self) -> None:
        self._token.cancel()
        if self.message is not None:
            self.message.detail.setText("Cancelling: the request is being abandoned…")
            self.message.cancel_button.setEnabled(False)

    @Slot(object)
    def on_dialog_shown(self, dialog: QWidget) -> None:
        self._above = dialog
        if self.message is not None:  # shown after the message: take the message above it
            self.message.setParent(dialog, self.message.windowFlags())
            self.message.show()
            self.message.raise_()

    @Slot()
    def on_finished(self) -> None:
        if self.message is not None:
            self.message.hide()
            self.message.deleteLater()
            self.message = None
