"""The first-run page, shown when no settings file exists: choose the network, connect the
Ledger and confirm the address it derives (read, then shown on the device), set the IPFS
sources, then save (checked and logged like any settings change) and open the app.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from arbiter_app import config
from arbiter_app.errors import ArbiterError, UsageError
from arbiter_app.gui.errors import show_error
from arbiter_app.gui.prompts import QtDevicePrompt
from arbiter_app.gui.tasks import Task
from arbiter_app.gui.views.settings import SettingsForm, _label
from arbiter_app.services import settings as service
from arbiter_app.services.settings import signer_address


class FirstRunPage(QDialog):
    """Set up the app the first time: network, Ledger and its address, IPFS sources.

    :param path: where the settings will be saved
    """

    def __init__(self, path: Path, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Welcome to Arbiter Desk")
        self.path = path
        self.saved: config.Settings | None = None
        self.address: str | None = None
        self.form = SettingsForm(config.Settings())
        self.form.rules_box.setVisible(False)  # the defaults serve until the dialog is used
        self.connect_button = QPushButton("Connect the Ledger")
        self.connect_button.clicked.connect(lambda: self.on_connect(show_on_device=False))
        self.show_button = QPushButton("Show it on the device")
        self.show_button.clicked.connect(lambda: self.on_connect(show_on_device=True))
        self.show_button.setEnabled(False)
        self.address_label = _label("Not connected yet: open the Stacks app on the Ledger, "
                                    "then connect.")
        self.confirmed = QCheckBox("This is my arbiter address (it matches the device's screen)")
        self.confirmed.setEnabled(False)
        self.problem = _label()
        self.problem.setStyleSheet("color: #a40000")
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save
                                        | QDialogButtonBox.StandardButton.Cancel)
        self.buttons.button(QDialogButtonBox.StandardButton.Save).setText("Save and open")
        self.buttons.accepted.connect(self.on_save)
        self.buttons.rejected.connect(self.reject)
        self._lay_out()

    def _lay_out(self) -> None:
        device = QHBoxLayout()
        device.addWidget(self.connect_button)
        device.addWidget(self.show_button)
        device.addStretch(1)
        layout = QVBoxLayout(self)
        layout.addWidget(_label("No settings were found. Choose the network, connect your "
                                "Ledger and confirm its address, and say where evidence is "
                                "read from IPFS."))
        layout.addWidget(self.form)
        self.form.ledger_box.layout().addRow(device)  # type: ignore[union-attr]
        self.form.ledger_box.layout().addRow(self.address_label)  # type: ignore[union-attr]
        self.form.ledger_box.layout().addRow(self.confirmed)  # type: ignore[union-attr]
        layout.addWidget(self.problem)
        layout.addWidget(self.buttons)

    def on_connect(self, show_on_device: bool) -> Task | None:
        """Read the address (and with ``show_on_device`` show it on the device) in a task."""

        try:
            settings = self.form.settings()
        except ArbiterError as error:
            self.problem.setText(str(error))
            return None
        self.problem.setText("")
        prompt = QtDevicePrompt(self) if show_on_device else None
        return Task(lambda token: signer_address(settings, prompt), parent=self).on_success(
            lambda address: self.on_address(str(address), show_on_device)).on_failure(
            self.on_device_failed).with_progress("Reading the Ledger").run()

    def on_address(self, address: str, shown: bool) -> None:
        """Show the address read; once shown on the device it can be confirmed."""
        self.address = address
        where = "shown on the device and " if shown else ""
        self.address_label.setText(f"Address ({where}read from the Ledger): {address}")
        self.show_button.setEnabled(True)
        self.confirmed.setEnabled(shown)

    def on_device_failed(self, error: BaseException) -> None:
        self.address_label.setText("The Ledger could not be read; see the message.")
        show_error(error, self)

    def on_save(self) -> None:
        """Check the form and the confirmation; save (logged) and close."""

        try:
            new = self.form.settings()
            if self.address is None or not self.confirmed.isChecked():
                raise UsageError("connect the Ledger, show the address on the device and "
                                 "confirm that it is yours before saving")
            service.save(new, self.path)
        except ArbiterError as error:
            self.problem.setText(str(error))
            return
        self.saved = new
        self.accept()
