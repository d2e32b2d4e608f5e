"""The main window over a local store: the queue, the case pane following the selection,
the status bar's log head, the minute tick, an exported log that verifies offline, and a
damaged store found after the queue is painted (or, when the first paint cannot read it,
named damaged at once)."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox
from pytestqt.qtbot import QtBot

from arbiter_app import config
from arbiter_app.case.models import Step
from arbiter_app.errors import StoreError
from arbiter_app.gui.app import open_window
from arbiter_app.gui.main_window import MainWindow
from arbiter_app.gui.tasks import Task
from arbiter_app.gui.views.documents import DocumentsPage
from arbiter_app.records import export
from arbiter_app.services.session import Session
from arbiter_app.store import log
from arbiter_app.store.db import Store
from tests.fixtures.damaged_store import damaged_disputes, damaged_free_list
from tests.gui.conftest import add_case


def opened(qtbot: QtBot, session: Session) -> MainWindow:
    """The window, once its background read of the signer has ended (no device here)."""
    window = MainWindow(session)
    qtbot.addWidget(window)
    qtbot.waitUntil(lambda: not Task._running, timeout=30_000)
    assert window.signer_label.text().startswith("Signer: unavailable")
    return window


def test_selection_opens_the_case_and_the_log_head_is_shown(
        qtbot: QtBot, local_session: Session) -> None:
    for invoice_id in (3, 1, 2):
        add_case(local_session, invoice_id)
    window = opened(qtbot, local_session)
    assert window.model.rowCount() == 3
    window.queue.select(2)
    assert window.case_pane.case is not None and window.case_pane.case.invoice.id == 2
    size, root = log.head(local_session.store)
    assert window.log_label.text() == f"Log: {size} entries, root {root.hex()[:12]}…"
    assert window.log_label.textFormat() is Qt.TextFormat.PlainText
    assert window.clock.isActive() and window.clock.interval() == 60_000
    pane = window.case_pane
    pane.pages[next(iter(pane.pages))].no_conflict.setChecked(True)  # type: ignore[attr-defined]
    qtbot.mouseClick(pane.pages[next(iter(pane.pages))].complete_button,
                     Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not Task._running, timeout=10_000)
    assert window.model.data(window.model.index(window.model.row_of(2), 3)) == "2 of 6"
    # the step's entry and the declaration's; the window shows them
    assert log.head(local_session.store)[0] == size + 2
    assert window.log_label.text().startswith(f"Log: {size + 2} entries")


def test_exported_log_verifies_offline(qtbot: QtBot, local_session: Session,
                                       tmp_path: Path) -> None:
    from tests.fixtures.store import unlocked

    add_case(local_session, 1)
    unlocked(local_session.store)  # as after the device's unlock signature in this session
    window = opened(qtbot, local_session)
    out = tmp_path / "log.jsonl"
    task = window.export_log(out)
    qtbot.waitUntil(lambda: not task.running, timeout=30_000)
    report = export.verify_jsonl(export.read_lines(out.read_bytes()),
                                 require_attestation=False)
    assert report.entries > 0
    assert window.statusBar().currentMessage() == f"Wrote {report.entries} log entries to {out}"
    assert not (tmp_path / "log.jsonl.part").exists()


def test_last_sync_comes_from_the_store_and_a_network_failure_shows_offline(
        qtbot: QtBot, local_session: Session) -> None:
    from PySide6.QtWidgets import QApplication, QMessageBox

    from arbiter_app.errors import NetworkError
    from tests.fixtures.store import T0

    window = opened(qtbot, local_session)
    assert window.sync_label.text() == "Last sync: never"
    assert window.online_label.text() == "○ Not connected yet"
    add_case(local_session, 1)  # written by the store's sync writer at T0
    again = opened(qtbot, local_session)
    assert again.sync_label.text() != "Last sync: never"
    assert time_text(T0) in again.sync_label.text()
    again.on_sync_failed(NetworkError("GET failed: ConnectError", "http://127.0.0.1:9/v2/info"))
    assert again.online_label.text() == "● Offline"
    boxes = [w for w in QApplication.topLevelWidgets() if isinstance(w, QMessageBox)]
    assert boxes and boxes[-1].text().startswith("The server at 127.0.0.1:9 could not be")
    for box in boxes:
        box.close()


def time_text(seconds: int) -> str:
    import time

    return time.strftime("%Y-%m-%d %H:%M", time.localtime(seconds))


def test_a_damaged_store_paints_its_queue_then_says_it_is_damaged_and_saves_nothing(
        qtbot: QtBot, tmp_path: Path) -> None:
    path = tmp_path / "cases.sqlite"
    damaged_free_list(path, cases=30)
    before = path.read_bytes()
    with Session(config.Settings(data_dir=str(tmp_path)), check_store_later=True) as session:
        window = MainWindow(session)
        qtbot.addWidget(window)
        window.show()
        assert window.model.counts() == (27, 3)  # painted before the check has answered
        qtbot.waitUntil(lambda: window.store_label.isVisible(), timeout=30_000)
        assert window.store_label.text() == "Case store damaged: nothing can be saved"
        box = next(w for w in window.findChildren(QMessageBox) if w.isVisible())
        assert "is damaged" in box.text() and "restore it from a backup" in box.text()
        qtbot.waitUntil(lambda: not Task._running, timeout=30_000)
        window.queue.select(1000)
        notes = window.case_pane.pages[Step.DOCUMENTS]
        assert isinstance(notes, DocumentsPage)
        notes.notes.setPlainText("a note")
        task = notes.on_save_notes()
        assert task is not None
        qtbot.waitUntil(lambda: not task.running, timeout=10_000)
        window.close()
    assert path.read_bytes() == before


def test_a_store_too_damaged_for_the_first_paint_is_named_damaged_not_unexpected(
        qtbot: QtBot, tmp_path: Path) -> None:
    damaged_disputes(tmp_path / "cases.sqlite")
    with Session(config.Settings(data_dir=str(tmp_path)), check_store_later=True) as session, \
            pytest.raises(StoreError, match="is damaged .*restore it from a backup"):
        open_window(session)


def test_export_without_the_device_says_the_log_key_is_locked_and_writes_nothing(
        qtbot: QtBot, local_session: Session, tmp_path: Path) -> None:
    from PySide6.QtWidgets import QMessageBox

    add_case(local_session, 1)
    window = opened(qtbot, local_session)
    out = tmp_path / "log.jsonl"
    task = window.export_log(out)
    qtbot.waitUntil(lambda: not task.running, timeout=30_000)
    qtbot.waitUntil(lambda: bool(window.findChildren(QMessageBox)), timeout=5_000)
    box = window.findChildren(QMessageBox)[0]
    assert "decision-log key is locked and opens only with your signer" in box.text()
    box.close()
    assert not out.exists() and not (tmp_path / "log.jsonl.part").exists()


def test_rotate_log_key_from_the_window_hands_over_and_the_export_still_verifies(
        qtbot: QtBot, fresh_store: Store, tmp_path: Path) -> None:
    from arbiter_app.gui import log_key
    from tests.fixtures.store import LOG_DEVICE

    settings = config.Settings(data_dir=str(fresh_store.path.parent))
    with Session(settings, signer_factory=lambda s: LOG_DEVICE) as session:
        add_case(session, 1)
        window = MainWindow(session)
        qtbot.addWidget(window)
        qtbot.waitUntil(lambda: not Task._running, timeout=30_000)
        task = window.rotate_key()
        qtbot.waitUntil(lambda: not task.running, timeout=30_000)
        (handover,) = log.handovers(session.store)
        assert window.statusBar().currentMessage().startswith("Rotated the decision-log key")
        out = tmp_path / "log.jsonl"
        task = window.export_log(out)
        qtbot.waitUntil(lambda: not task.running, timeout=30_000)
        report = export.verify_jsonl(export.read_lines(out.read_bytes()),
                                     arbiter=LOG_DEVICE.address())
        assert report.chain.current == handover.new and handover.old in report.chain.periods
    question = QMessageBox(QMessageBox.Icon.Question, "Rotate log key", log_key.QUESTION)
    qtbot.addWidget(question)
    assert "earlier checkpoints, exports and receipts keep verifying" in question.text()
