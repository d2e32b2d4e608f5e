"""The final review before signing: the decoded transaction and the ruling in plain words.

Shown after step 5 and before the device is asked anything: the network, the contract and
function, each argument as Clarity text, the post-conditions in deny mode with their
sentences, the fee and the nonce (all from ``transaction.describe`` of the very call the
service signs: :func:`arbiter_app.services.ruling.preview_ruling`), and above them "Release
12.5 sBTC to ST… (the payee)" from the same preview. Signing needs an explicit tick; the Sign
button stays disabled until then, and the service refuses to sign a transaction that differs
from the reviewed one (docs/reliability.md §3: what you see is what you sign, and the Ledger shows
the same facts).
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QLabel,
    QPlainTextEdit,
    QVBoxLayout,
    QWidget,
)

from arbiter_app.case import words
from arbiter_app.case.framework import CaseFile
from arbiter_app.services.ruling import RulingPreview


def ruling_words(case: CaseFile, short: bool = False) -> str:
    """The ruling's effect in plain words, e.g. "release 12.5 sBTC to ST… (the payee)"."""
    assert case.ruling is not None
    inv = case.invoice
    if short:
        return words.ruling_words(case.ruling.decision, inv.amount, inv.payee, inv.payer,
                                  case.ruling.payee_amount)
    return words.ruling_sentence(case.ruling.decision, inv.amount, inv.payee, inv.payer, inv.id,
                                 case.ruling.payee_amount)


# The escrow's ruling parameters, in order (docs/contract.md).
ARGUMENT_NAMES = {
    "resolve-dispute": ("invoice-id", "token", "release (true: to the payee; false: to the "
                        "payer)", "rationale-hash"),
    "resolve-dispute-split": ("invoice-id", "token", "payee-amount (to the payee; the rest "
                              "to the payer)", "rationale-hash", "log-root (your decision "
                              "log at the ruling)"),
}


def _in_sbtc(pc: dict[str, Any]) -> str:
    """`` (= 12.5 sBTC)`` for an sBTC amount post-condition, else nothing."""
    asset = str(pc.get("asset", ""))
    if pc.get("type") == "fungible" and asset.endswith(("::sbtc", "::sbtc-token")):
        return f" (= {words.sbtc(int(pc['amount']))} sBTC)"
    return ""


def transaction_text(described: dict[str, Any]) -> str:
    """``transaction.describe``'s document as review lines."""
    payload = described.get("payload", {})
    lines = [
        f"Network:      {described.get('network_name', '')} ({described['network']} "
        f"transaction, chain id {described['chain_id']:#010x})",
        f"Contract:     {payload.get('contract_id', '')}",
        f"Function:     {payload.get('function_name', payload.get('type', ''))}",
        "Arguments:",
    ]
    names = ARGUMENT_NAMES.get(str(payload.get("function_name")), ())
    for n, arg in enumerate(payload.get("args", []), 1):
        name = f"{names[n - 1]}: " if n <= len(names) else ""
        lines.append(f"  {n}. {name}{arg['repr']}")
    lines.append(f"Post-conditions ({described['post_condition_mode']} mode):")
    lines += [f"  • {pc['text']}{_in_sbtc(pc)}" for pc in described["post_conditions"]] \
        or ["  (none)"]
    lines += [
        f"Fee:          {described['fee']} µSTX",
        f"Nonce:        {described['nonce']}",
        f"Sender:       {described['sender']}",
        f"Transaction:  {described['txid']} (before signing)",
    ]
    return "\n".join(lines)


def preview_headline(preview: RulingPreview) -> str:
    """The review's headline, made from the very preview that is signed.

    :returns: e.g. "Release 0.2 sBTC to ST… (the payee), from the escrow, for invoice 101."
    """
    return words.ruling_sentence(preview.decision, preview.amount, preview.recipient,
                                 preview.recipient, preview.invoice_id)


def signatures_text(signatures: tuple[str, ...]) -> str:
    """The numbered list of every signature the ruling will ask the Ledger for, in order."""
    lines = [f"  {n}. {subject}" for n, subject in enumerate(signatures, 1)]
    return "\n".join([f"Your Ledger will ask for {len(signatures)} signature(s), in this "
                      "order:", *lines])


class FinalReviewDialog(QDialog):
    """The last look before the device: accept only after the explicit confirmation.

    :param preview: the service's unsigned ruling transaction; the dialog shows its
        ``describe`` document and the headline its amount and recipient make
    """

    def __init__(self, preview: RulingPreview, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.preview = preview
        words = preview_headline(preview)
        described = preview.described
        self.setWindowTitle("Review the ruling transaction")
        self.setWindowModality(Qt.WindowModality.WindowModal)
        self.resize(760, 520)
        headline = QLabel(words)
        headline.setTextFormat(Qt.TextFormat.PlainText)
        headline.setWordWrap(True)
        headline.setStyleSheet("font-size: 15px; font-weight: bold")
        self.details = QPlainTextEdit(transaction_text(described))
        self.details.setReadOnly(True)
        self.details.setStyleSheet("font-family: monospace")
        self.signatures = QLabel(signatures_text(preview.signatures))
        self.signatures.setTextFormat(Qt.TextFormat.PlainText)
        self.signatures.setWordWrap(True)
        self.fee_warning = QLabel(preview.fee_warning)
        self.fee_warning.setWordWrap(True)
        self.fee_warning.setStyleSheet("color: #b00020; font-weight: bold")
        self.fee_warning.setVisible(bool(preview.fee_warning))
        fee = f", including its fee of {preview.fee} µSTX," if preview.fee_warning else ""
        self.confirm = QCheckBox(f"I have checked the amount, the recipient and the transaction "
                                 f"above{fee} and I want to sign it on my Ledger")
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.sign = self.buttons.addButton("Sign on Ledger",
                                           QDialogButtonBox.ButtonRole.AcceptRole)
        self.sign.setEnabled(False)
        self.confirm.toggled.connect(self.sign.setEnabled)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(headline)
        layout.addWidget(self.details, 1)
        layout.addWidget(self.signatures)
        layout.addWidget(self.fee_warning)
        layout.addWidget(self.confirm)
        layout.addWidget(self.buttons)

    def accept(self) -> None:
        """Close as accepted only with the confirmation ticked."""
        if self.confirm.isChecked():
            super().accept()
