"""The evidence of one case as a Qt table model over frozen :class:`EvidenceItem` rows.

Besides the row role and the sort role every model here has, :data:`STATE_ROLE` gives each
item's verification state as the viewer and the tests read it: ``verified``,
``unavailable(<reason>)``, ``mismatch(<reason>)``, ``pending``, with ``late`` added for items
that arrived after step 2 was completed. Titles and reasons are party or server text: they
are returned as data only (views show them as plain text), with invisible characters escaped.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QBrush, QColor

from arbiter_app.case.models import EvidenceItem, EvidenceState
from arbiter_app.gui.models.rows import FIRST_FREE_ROLE, RowsModel
from arbiter_app.gui.models.rows import ROW_ROLE as ROW_ROLE  # the views import them from here
from arbiter_app.gui.models.rows import SORT_ROLE as SORT_ROLE
from arbiter_app.text import display_name

STATE_ROLE = FIRST_FREE_ROLE

INDEX, PARTY, TITLE, STATE, OPENED, FILES = range(6)
HEADERS = ("#", "Party", "Title", "State", "Opened", "Files")
STATE_COLOURS = {
    EvidenceState.VERIFIED: "#1b5e20",
    EvidenceState.UNAVAILABLE: "#8a6d00",
    EvidenceState.MISMATCH: "#b00020",
    EvidenceState.PENDING: "#555555",
}


def state_text(item: EvidenceItem) -> str:
    """The verification state of ``item`` in the form :data:`STATE_ROLE` returns."""
    state = item.state.value
    if item.state in (EvidenceState.UNAVAILABLE, EvidenceState.MISMATCH):
        state = f"{state}({display_name(item.reason, 200)})"
    return f"{state}, late" if item.late else state


class EvidenceModel(RowsModel[EvidenceItem]):
    """Both parties' evidence items of one case, by index."""

    def __init__(self, parent: Any = None) -> None:
        super().__init__(HEADERS, parent)

    def cell(self, item: EvidenceItem, column: int, role: int) -> Any:
        if role == STATE_ROLE:
            return state_text(item)
        if role == Qt.ItemDataRole.DisplayRole:
            return self._text(item, column)
        if role == Qt.ItemDataRole.ForegroundRole and column == STATE:
            return QBrush(QColor(STATE_COLOURS[item.state]))
        return None

    def _text(self, item: EvidenceItem, column: int) -> str:
        if column == INDEX:
            return str(item.index)
        if column == PARTY:
            return item.party.value
        if column == TITLE:
            return display_name(item.title or "(untitled)", 200)
        if column == FILES:
            return ", ".join(display_name(f.name, 60) for f in item.files) or "-"
        if column == STATE:
            return state_text(item)
        return "yes" if item.opened_at is not None else "no"

    def sort_key(self, item: EvidenceItem, column: int) -> Any:
        keys: dict[int, Any] = {
            INDEX: item.index, PARTY: item.party.value, TITLE: item.title,
            FILES: len(item.files), STATE: item.state.value, OPENED: item.opened_at or 0,
        }
        return keys[column]

    def set_rows(self, rows: list[EvidenceItem] | tuple[EvidenceItem, ...]) -> None:
        """Replace every row (the case was reloaded)."""
        self.replace_rows(sorted(rows, key=lambda e: e.index))

    def update_item(self, item: EvidenceItem) -> None:
        """Swap in a changed item (opened, marked unavailable): one ``dataChanged`` row."""
        for row, old in enumerate(self.rows()):
            if old.index == item.index:
                self.replace_row(row, item)
                return

    def item(self, row: int) -> EvidenceItem:
        """The item at ``row``."""
        return self.row(row)
