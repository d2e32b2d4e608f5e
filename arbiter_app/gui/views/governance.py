"""The escrow contract's governance: its pause state, its admins and the admin-action history
(who proposed, who approved, in which transactions, what it did). Actions the last sync
brought in are marked new and shown in bold, so a pause or an admin change stands out.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtGui import QFont
from PySide6.QtWidgets import (
    QDialog,
    QHeaderView,
    QLabel,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from arbiter_app.services.admin_actions import AdminAction, GovernanceView, governance_view

if TYPE_CHECKING:
    from arbiter_app.services.session import Session

COLUMNS = ("", "#", "action", "proposed by", "approved by", "outcome", "transactions")


def pause_words(view: GovernanceView) -> str:
    """The pause state in words."""
    state = view.state
    if state.paused is None:
        return "The contract was never paused."
    if state.paused:
        return f"The contract is PAUSED (the pause lapses at Bitcoin block {state.paused_until})."
    return "The contract is active (a pause was lifted)."


def _row(action: AdminAction) -> list[str]:
    outcome = action.outcome[0] if action.outcome else "pending (needs a second admin)"
    txs = [action.proposed_tx, *(tx for _, tx in action.approvals)]
    return ["new" if action.new else "", str(action.action_id), action.action, action.proposer,
            ", ".join(action.approvers) or "-", outcome,
            " ".join(f"0x{t[:10]}…" for t in txs if t)]


class GovernanceDialog(QDialog):
    """The governance view of the configured escrow contract, as last synced."""

    def __init__(self, session: Session, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Escrow governance")
        self.setMinimumSize(900, 360)
        self.view = governance_view(session)
        state = self.view.state
        self.summary = QLabel(
            f"{pause_words(self.view)}\nAdmins: {', '.join(state.admins) or 'not seen yet'}"
            + ("\nThe last sync brought governance changes (marked new)."
               if self.view.changed else ""))
        self.table = QTableWidget(len(self.view.actions), len(COLUMNS))
        self.table.setHorizontalHeaderLabels(COLUMNS)
        self.table.verticalHeader().hide()
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        bold = QFont()
        bold.setBold(True)
        for n, action in enumerate(self.view.actions):
            for c, text in enumerate(_row(action)):
                item = QTableWidgetItem(text)
                item.setToolTip(text)
                if action.new:
                    item.setFont(bold)
                self.table.setItem(n, c, item)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setStretchLastSection(True)
        layout = QVBoxLayout(self)
        layout.addWidget(self.summary)
        layout.addWidget(self.table, 1)
