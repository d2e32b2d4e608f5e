"""The split editor of step 5: the payee's share of the deposit, as a percentage or in sBTC,
with both parties' payouts shown in sBTC (the rest of the deposit goes to the payer).

Amounts are kept in base units (10^8 per sBTC); the sBTC box shows them with 8 decimals and
the percentage box moves the share in whole percent. The framework decides what is allowed
(more than nothing, less than everything); this widget only enters and shows the share.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QDoubleSpinBox, QHBoxLayout, QLabel, QSpinBox, QWidget

from arbiter_app.case.words import sbtc

SATS = 10**8


class SplitEditor(QWidget):
    """The payee's share of a split; emits ``changed`` whenever it moves."""

    changed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.total = 0
        self.percent = QSpinBox()
        self.percent.setRange(0, 100)
        self.percent.setSuffix(" % to the payee")
        self.sbtc = QDoubleSpinBox()
        self.sbtc.setDecimals(8)
        self.sbtc.setSuffix(" sBTC")
        self.payouts = QLabel()
        self.payouts.setTextFormat(Qt.TextFormat.PlainText)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(24, 0, 0, 0)
        layout.addWidget(self.percent)
        layout.addWidget(self.sbtc)
        layout.addWidget(self.payouts, 1)
        self.percent.valueChanged.connect(self.on_percent)
        self.sbtc.valueChanged.connect(self.on_sbtc)

    def set_total(self, total: int, payee_amount: int | None) -> None:
        """Show a deposit of ``total`` base units, with ``payee_amount`` (default half)."""
        self.total = total
        self.sbtc.blockSignals(True)
        self.sbtc.setRange(0.0, total / SATS)
        self.sbtc.blockSignals(False)
        self._show(total // 2 if payee_amount is None else payee_amount)

    def payee_amount(self) -> int:
        """The payee's share in base units."""
        return round(self.sbtc.value() * SATS)

    def on_percent(self, value: int) -> None:
        self._show(self.total * value // 100)
        self.changed.emit()

    def on_sbtc(self, value: float) -> None:
        self._show(round(value * SATS), keep_box=True)
        self.changed.emit()

    def _show(self, share: int, keep_box: bool = False) -> None:
        share = max(0, min(self.total, share))
        if not keep_box:
            self.sbtc.blockSignals(True)
            self.sbtc.setValue(share / SATS)
            self.sbtc.blockSignals(False)
        self.percent.blockSignals(True)
        self.percent.setValue(share * 100 // self.total if self.total else 0)
        self.percent.blockSignals(False)
        self.payouts.setText(f"The payee receives {sbtc(share)} sBTC, the payer receives "
                             f"{sbtc(self.total - share)} sBTC")
