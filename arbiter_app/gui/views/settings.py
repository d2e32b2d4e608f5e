"""The settings dialog and the first-run page.

:class:`SettingsForm` edits every setting the arbiter chooses (network profile, Stacks API URL
and key, escrow contract, Kubo RPC, gateways, Ledger transport and account, SLA hours,
minimum rationale length). Nothing is saved until the whole form decodes as settings (the
same typed decoder as the settings file); the error names the key and what it takes.
Saving goes through :mod:`arbiter_app.services.settings`, which replaces the file atomically
and logs each change. :class:`SettingsDialog` edits saved settings; :class:`FirstRunPage`
appears when no settings file exists: choose the network, connect the Ledger and confirm
its address, set the IPFS sources.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QGroupBox,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from arbiter_app import config
from arbiter_app.errors import ArbiterError
from arbiter_app.services import settings as service


def _label(text: str = "") -> QLabel:
    label = QLabel(text)
    label.setTextFormat(Qt.TextFormat.PlainText)
    label.setWordWrap(True)
    return label


class SettingsForm(QWidget):
    """Every user-chosen setting as a form field; :meth:`settings` decodes them, checked.

    :param settings: the values shown at first
    """

    def __init__(self, settings: config.Settings, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.base = settings
        self.network = QComboBox()
        self.network.addItems(list(config.NETWORKS))
        self.network.currentTextChanged.connect(self.on_network)
        self.stacks_api = QLineEdit()
        self.api_key = QLineEdit()
        self.api_key.setEchoMode(QLineEdit.EchoMode.Password)
        self.api_key.setPlaceholderText("optional x-api-key")
        self.escrow_contract = QLineEdit()
        self.ipfs_rpc = QLineEdit()
        self.ipfs_rpc.setPlaceholderText("e.g. /ip4/127.0.0.1/tcp/5001 (empty: no local node)")
        self.ipfs_gateways = QPlainTextEdit()
        self.ipfs_gateways.setPlaceholderText("one trustless gateway URL per line")
        self.ipfs_gateways.setFixedHeight(64)
        self.ledger = QLineEdit()
        self.ledger.setPlaceholderText("hid (USB) or tcp:HOST:PORT (emulator)")
        self.account = QSpinBox()
        self.account.setRange(0, 2**31 - 1)
        self.sla_hours = QSpinBox()
        self.sla_hours.setRange(1, 24 * 365)
        self.min_rationale = QSpinBox()
        self.min_rationale.setRange(0, 100_000)
        self.sync_every = QSpinBox()
        self.sync_every.setRange(0, 1440)
        self.sync_every.setSpecialValueText("only when asked")
        self.chain_box = self._group("Network", [
            ("Network profile", self.network), ("Stacks API URL", self.stacks_api),
            ("API key", self.api_key), ("Escrow contract", self.escrow_contract)])
        self.ledger_box = self._group("Ledger", [
            ("Transport", self.ledger), ("Account N of m/44'/5757'/0'/0/N", self.account)])
        self.ipfs_box = self._group("IPFS sources", [
            ("Kubo RPC", self.ipfs_rpc), ("Gateways", self.ipfs_gateways)])
        self.rules_box = self._group("Rules", [
            ("SLA hours", self.sla_hours), ("Minimum rationale length", self.min_rationale),
            ("Background sync every (minutes)", self.sync_every)])
        layout = QVBoxLayout(self)
        for box in (self.chain_box, self.ledger_box, self.ipfs_box, self.rules_box):
            layout.addWidget(box)
        layout.addStretch(1)
        self.show_settings(settings)

    @staticmethod
    def _group(title: str, rows: list[tuple[str, QWidget]]) -> QGroupBox:
        box = QGroupBox(title)
        form = QFormLayout(box)
        for name, widget in rows:
            form.addRow(name, widget)
        return box

    def show_settings(self, settings: config.Settings) -> None:
        """Fill the fields from ``settings``."""
        self.network.blockSignals(True)
        self.network.setCurrentText(settings.network)
        self.network.blockSignals(False)
        self.stacks_api.setText(settings.stacks_api)
        self.api_key.setText(settings.api_key or "")
        self.escrow_contract.setText(settings.escrow_contract)
        self.ipfs_rpc.setText(settings.ipfs_rpc or "")
        self.ipfs_gateways.setPlainText("\n".join(settings.ipfs_gateways))
        self.ledger.setText(settings.ledger)
        self.account.setValue(settings.account)
        self.sla_hours.setValue(settings.sla_hours)
        self.min_rationale.setValue(settings.min_rationale_chars)
        self.sync_every.setValue(settings.sync_every_minutes)

    def on_network(self, name: str) -> None:
        """A new profile brings its public API unless the URL was changed by hand."""
        if self.stacks_api.text().strip() in config.DEFAULT_STACKS_API.values():
            self.stacks_api.setText(config.DEFAULT_STACKS_API[name])

    def values(self) -> dict[str, Any]:
        """The fields in the settings file's JSON form (unchecked)."""
        gateways = [g.strip() for g in self.ipfs_gateways.toPlainText().splitlines()
                    if g.strip()]
        return {**config.to_dict(self.base),
                "network": self.network.currentText(),
                "stacks_api": self.stacks_api.text().strip(),
                "api_key": self.api_key.text().strip() or None,
                "escrow_contract": self.escrow_contract.text().strip(),
                "ipfs_rpc": self.ipfs_rpc.text().strip() or None,
                "ipfs_gateways": gateways,
                "ledger": self.ledger.text().strip(),
                "account": self.account.value(),
                "sla_hours": self.sla_hours.value(),
                "sync_every_minutes": self.sync_every.value(),
                "min_rationale_chars": self.min_rationale.value()}

    def settings(self) -> config.Settings:
        """The settings the form holds.

        :raises UsageError: naming the first field that is not what its key takes
        """
        return config.from_dict(self.values(), "settings")


class SettingsDialog(QDialog):
    """Edit the saved settings; Save checks them all before writing (and logs the change).

    :param settings: the settings in use
    :param path: the settings file
    """

    def __init__(self, settings: config.Settings, path: Path,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Settings")
        self.setMinimumWidth(620)
        self.path = path
        self.saved: config.Settings | None = None
        self.form = SettingsForm(settings)
        self.problem = _label()
        self.problem.setStyleSheet("color: #a40000")
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save
                                        | QDialogButtonBox.StandardButton.Cancel)
        self.buttons.accepted.connect(self.on_save)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.form)
        self.buttons.button(QDialogButtonBox.StandardButton.Save).setText("Save and reopen")
        layout.addWidget(_label("Changes are logged in the decision log; the app reopens on "
                                "the saved settings."))
        layout.addWidget(self.problem)
        layout.addWidget(self.buttons)

    def on_save(self) -> None:
        """Check everything; save and close, or say what is wrong and keep the dialog open."""

        try:
            new = self.form.settings()
            service.save(new, self.path)
        except ArbiterError as error:
            self.problem.setText(str(error))
            return
        self.saved = new
        self.accept()
