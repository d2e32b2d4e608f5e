"""The Qt :class:`~arbiter_app.wallet.signer.DevicePrompt`: "Confirm on your Ledger" messages.

The signer calls the prompt from its device thread; Qt widgets live on the GUI thread. So the
prompt only emits signals, and queued connections run the slots on the GUI thread, which
show (and later close) one window-modal message naming the action and the amount, as
Electrum's ``QtHandlerBase`` does. The message is plain text.
"""

from __future__ import annotations

from PySide6.QtCore import QObject, Qt, Signal, Slot
from PySide6.QtWidgets import QDialog, QLabel, QVBoxLayout, QWidget


class DeviceMessage(QDialog):
    """The window-modal "Confirm on your Ledger: …" box; it has no buttons: the device decides."""

    def __init__(self, parent: QWidget | None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Ledger")
        self.setWindowModality(Qt.WindowModality.WindowModal)
        self.label = QLabel(self)
        self.label.setTextFormat(Qt.TextFormat.PlainText)
        self.label.setWordWrap(True)
        self.label.setMinimumWidth(420)
        self.detail = QLabel(self)
        self.detail.setTextFormat(Qt.TextFormat.PlainText)
        layout = QVBoxLayout(self)
        layout.addWidget(self.label)
        layout.addWidget(self.detail)


class QtDevicePrompt(QObject):
    """A device prompt whose messages appear over ``parent`` on the GUI thread.

    :param parent: the window the message is modal to
    :param subject: what is being signed, in plain words (e.g. "release 12.5 sBTC to ST…");
        shown with the device's own action text
    """

    confirm_requested = Signal(str)
    step_reported = Signal(int, int)
    done = Signal()

    def __init__(self, parent: QWidget | None, subject: str = "") -> None:
        super().__init__(None)
        self._window = parent
        self.subject = subject
        self.message: DeviceMessage | None = None
        self.shown: list[str] = []
        queued = Qt.ConnectionType.QueuedConnection
        self.confirm_requested.connect(self.on_confirm, queued)
        self.step_reported.connect(self.on_step, queued)
        self.done.connect(self.on_finished, queued)

    # DevicePrompt protocol: called on the device thread, so only signals are emitted.
    def confirm(self, action: str) -> None:
        """Ask the user to confirm on the device."""
        self.confirm_requested.emit(action)

    def step(self, index: int, total: int) -> None:
        """Report a part being sent."""
        self.step_reported.emit(index, total)

    def finished(self) -> None:
        """The device answered."""
        self.done.emit()

    def text_for(self, action: str) -> str:
        """The message for ``action``: the subject in plain words when one is known."""
        what = self.subject or action
        return f"Confirm on your Ledger: {what}"

    @Slot(str)
    def on_confirm(self, action: str) -> None:
        if self.message is None:
            self.message = DeviceMessage(self._window)
        text = self.text_for(action)
        self.shown.append(text)
        self.message.label.setText(text)
        self.message.detail.setText(f"The device asks you to {action}." if self.subject else
                                    "Check what the device shows, then approve it there "
                                    "(or reject it).")
        self.message.show()

    @Slot(int, int)
    def on_step(self, index: int, total: int) -> None:
        if self.message is not None and total > 1:
            self.message.detail.setText(f"Sending part {index} of {total} to the device")

    @Slot()
    def on_finished(self) -> None:
        if self.message is not None:
            self.message.close()
            self.message.deleteLater()
            self.message = None
