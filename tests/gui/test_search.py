"""Search of past cases in the window: evidence titles, invoice ids and addresses; a result
opens its case, even one the queue's filter hides."""

from __future__ import annotations

from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from arbiter_app.gui.main_window import MainWindow
from arbiter_app.services.session import Session
from tests.fixtures.store import PAYER
from tests.gui.conftest import add_case


def search(qtbot: QtBot, window: MainWindow, words: str) -> list[str]:
    dialog = window.on_search()
    dialog.query.setText(words)
    dialog.summary.clear()
    qtbot.keyClick(dialog.query, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: dialog.summary.text() != "", timeout=10_000)
    return [dialog.results.item(n).text() for n in range(dialog.results.count())]


def test_search_finds_titles_ids_and_parties_and_a_result_opens_its_case(
        qtbot: QtBot, local_session: Session) -> None:
    add_case(local_session, 11, titles=("Courier receipt", "Chat log"))
    add_case(local_session, 12, titles=("Signed delivery note", "Photos"))
    window = MainWindow(local_session)
    qtbot.addWidget(window)
    window.show()
    window.queue.filter.setText("11")  # the queue hides case 12
    found = search(qtbot, window, "courier")
    assert found == ["Invoice 11 — evidence #0: [Courier] receipt"]
    assert search(qtbot, window, "12") == ["Invoice 12 — invoice: invoice 12"]
    dialog = window.search_dialog
    assert dialog is not None
    dialog.on_activated(dialog.results.item(0))
    assert window.case_pane.case is not None and window.case_pane.case.invoice.id == 12
    assert len(search(qtbot, window, PAYER.lower())) == 2
    assert search(qtbot, window, "nothing-like-this") == []
    assert dialog.summary.text() == "No case matches these words."
