"""A scripted working session on a 10,000-case store, from the cold start on, watched for UI
stalls.

The watchdog hooks the UI thread's event dispatcher: it says ``aboutToBlock`` each time the
event loop is about to wait for more events, so what the thread does between two of these
is one iteration of the loop (the wait itself, on whichever dispatcher, takes no CPU). The
UI thread's own CPU time over that span (``thread_time``) is what the iteration cost; one
over 100 ms is a stall the arbiter would see as a frozen window. The thread's own CPU clock,
not the wall clock, keeps the verdict about this app's work: time the thread spends waiting
for a core that other processes hold is not counted. What the test script does between
actions is not counted either: each action starts the clock afresh, and the action's own
work (a key press or a click handled at once) counts with the iteration that follows it.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QAbstractEventDispatcher, Qt, QThread, QTimer
from pytestqt.qtbot import QtBot

from arbiter_app import config
from arbiter_app.case.models import Step
from arbiter_app.gui.main_window import MainWindow
from arbiter_app.gui.models.disputes import AMOUNT, SLA
from arbiter_app.gui.tasks import Task
from arbiter_app.gui.views.documents import DocumentsPage
from arbiter_app.gui.views.ruling import RulingPage
from arbiter_app.gui.views.steps import TermsPage
from arbiter_app.services import queries
from arbiter_app.services.documents import readable
from arbiter_app.services.session import Session
from arbiter_app.store.db import open_store
from tests.fixtures.queue_store import QUEUE_SIZE, seed_queue

STALL_SECONDS = 0.1


class StallWatch:
    """The UI thread's CPU time per event-loop iteration; the worst one and what was being
    done then."""

    def __init__(self) -> None:
        self.worst = 0.0
        self.where = ""
        self.doing = ""
        self._since = time.thread_time()
        dispatcher = QAbstractEventDispatcher.instance(QThread.currentThread())
        assert dispatcher is not None
        self.dispatcher = dispatcher
        dispatcher.aboutToBlock.connect(self.on_about_to_block)

    def start(self, doing: str) -> None:
        """An action of the script begins: its work is counted from now."""
        self.doing = doing
        self._since = time.thread_time()

    def on_about_to_block(self) -> None:
        spent = time.thread_time() - self._since
        if spent > self.worst:
            self.worst, self.where = spent, self.doing
        self._since = time.thread_time()

    def stop(self) -> None:
        self.dispatcher.aboutToBlock.disconnect(self.on_about_to_block)


@pytest.fixture
def big_session(tmp_path: Path) -> Iterator[Session]:
    store = open_store(tmp_path / "cases.sqlite")
    seed_queue(store, QUEUE_SIZE)
    store.close()
    session = Session(config.Settings(data_dir=str(tmp_path)), check_store_later=True)
    yield session
    session.close()


@pytest.fixture
def watch() -> Iterator[StallWatch]:
    watching = StallWatch()
    yield watching
    watching.stop()


@pytest.mark.slow
def test_a_scripted_session_on_10000_cases_never_stalls_the_ui_over_100ms(
        qtbot: QtBot, big_session: Session, watch: StallWatch) -> None:
    def act(name: str) -> None:
        watch.start(name)

    def settle() -> None:
        qtbot.wait(30)  # the loop turns: queued results and repaints are handled

    act("cold start: window built, shown and painted")
    window = MainWindow(big_session)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitUntil(lambda: window.queue_loaded, timeout=60_000)
    act("queue loaded")
    settle()
    assert window.model.counts() == (9000, 1000)
    queue = window.queue
    first = window.model.case(0).invoice.id
    act("select")
    queue.table.setFocus()
    queue.select(first)
    settle()
    for _ in range(3):
        act("arrow down")
        qtbot.keyClick(queue.table, Qt.Key.Key_Down)
        settle()
    for key in "1234":
        act(f"filter keystroke {key}")
        qtbot.keyClicks(queue.filter, key)
        settle()
    act("filter cleared")
    queue.filter.clear()
    settle()
    for column, order in ((AMOUNT, Qt.SortOrder.DescendingOrder),
                          (SLA, Qt.SortOrder.AscendingOrder)):
        act(f"sort by column {column}")
        queue.table.sortByColumn(column, order)
        settle()
    for view in ("closed", "all", "open"):
        act(f"view {view}")
        queue.show_view(view)
        settle()
    act("SLA tick")
    window.model.tick(int(time.time()) + 3600)
    settle()
    act("select again")
    queue.select(first)
    settle()
    for step in Step:
        act(f"step {int(step)} shown")
        window.case_pane.show_step(step)
        settle()
    documents = window.case_pane.pages[Step.DOCUMENTS]
    assert isinstance(documents, DocumentsPage)
    window.case_pane.show_step(Step.DOCUMENTS)
    reason = {"title": "Milestone 2 not delivered", "party": "payer", "invoice_id": first,
              "created_at": "2026-09-17T00:14:05Z", "milestones": [
                  {"title": f"Part {n}", "amount_sats": str(n * 1000)} for n in range(50)],
              "files": [{"name": f"f{n}.txt", "cid": "bafkreia", "media_type": "text/plain",
                         "size": 10} for n in range(20)]}
    read = readable("dispute reason", queries.load_case(big_session, first).dispute.reason_cid,
                    json.dumps(reason).encode(), first)
    act("step 4: the dispute reason's fields shown")
    documents.on_opened(read)
    settle()
    assert documents.shown is not None and documents.fields.rowCount() > 50
    ruling = window.case_pane.pages[Step.RULING]
    assert isinstance(ruling, RulingPage)
    window.case_pane.show_step(Step.RULING)
    act("decision chosen")
    ruling.refund.setChecked(True)
    settle()
    for n in range(40):
        act(f"rationale keystroke {n}")
        qtbot.keyClicks(ruling.rationale, "x")
        settle()
    terms = window.case_pane.pages[Step.TERMS]
    assert isinstance(terms, TermsPage)
    window.case_pane.show_step(Step.TERMS)
    act("declaration ticked")
    terms.no_conflict.setChecked(True)
    settle()
    act("step 1 completed")
    terms.complete_button.click()
    qtbot.waitUntil(lambda: Step.TERMS in queries.load_case(big_session, first).completed,
                    timeout=10_000)
    qtbot.waitUntil(lambda: not Task._running, timeout=10_000)
    settle()
    assert window.model.data(window.model.index(window.model.row_of(first), 3)) == "2 of 6"
    act("")
    assert watch.worst < STALL_SECONDS, f"{watch.worst * 1000:.0f} ms during {watch.where}"


def test_the_watch_counts_a_busy_iteration_and_not_a_wait(qtbot: QtBot,
                                                          watch: StallWatch) -> None:
    def busy() -> None:
        end = time.thread_time() + 1.5 * STALL_SECONDS
        while time.thread_time() < end:
            pass

    watch.start("waiting in a handler (the thread sleeps)")
    QTimer.singleShot(0, lambda: time.sleep(3 * STALL_SECONDS))
    qtbot.wait(int(4000 * STALL_SECONDS))
    assert watch.worst < STALL_SECONDS
    watch.start("computing in a handler")
    QTimer.singleShot(0, busy)
    qtbot.wait(50)
    assert watch.worst >= 1.5 * STALL_SECONDS and watch.where == "computing in a handler"
