"""The window on a working day's store: 10,000 cases (tests/fixtures/queue_store.py).

Each row times one thing the arbiter does, on the UI thread's CPU clock (``thread_time``:
what freezes the window, and what a busy neighbour on the machine does not inflate), beside
the same action on a 20-case store in the same run. Cold start is compared with a start on
an empty store, as the performance issue asks (at most twice as long); both open their store
as the app does, with its quick check on the task runner once the queue is painted (writes
wait for it). Each row prints its target.
"""

from __future__ import annotations

import itertools
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path

from PySide6.QtCore import Qt, QThreadPool
from PySide6.QtWidgets import QApplication

from arbiter_app import config
from arbiter_app.gui.main_window import MainWindow
from arbiter_app.gui.models.disputes import AMOUNT
from arbiter_app.services import queries, steps
from arbiter_app.services.session import Session
from arbiter_app.store.db import open_store
from tests.bench import PAIRS, Row, Target, interleaved, interleaved_figures, ratio_at_most
from tests.fixtures.queue_store import QUEUE_SIZE, seed_queue

SMALL = 20
STORE = "cases.sqlite"


def _seeded(count: int) -> Path:
    folder = Path(tempfile.mkdtemp(prefix=f"bench-gui-{count}-"))
    store = open_store(folder / STORE)
    if count:
        seed_queue(store, count)
    store.close()
    return folder


def _open(folder: Path) -> tuple[Session, MainWindow]:
    session = Session(config.Settings(data_dir=str(folder)), check_store_later=True)
    window = MainWindow(session)
    window.show()
    QApplication.processEvents()
    window.queue.table.viewport().repaint()  # painted now, not at the next event
    return session, window


def _close(session: Session, window: MainWindow) -> None:
    window.close()
    window.deleteLater()
    QThreadPool.globalInstance().waitForDone()  # the store check, if still running
    QApplication.processEvents()
    session.close()


def _until_loaded(window: MainWindow) -> None:
    while not window.queue_loaded:
        QApplication.processEvents()
        time.sleep(0.01)


def _cold_start(folder: Path) -> Callable[[], float]:
    """A start timed until the queue is painted; the rest of the cases are let arrive (not
    timed) before the window closes."""
    def start() -> float:
        begin = time.thread_time()
        session, window = _open(folder)
        seconds = time.thread_time() - begin
        _until_loaded(window)
        _close(session, window)
        return seconds
    return start


class Desk:
    """An open window over one store, with the cases it can still work on."""

    def __init__(self, folder: Path) -> None:
        self.session, self.window = _open(folder)
        _until_loaded(self.window)
        self.fresh: Iterator[int] = iter([c.invoice.id for c in self.window.model.rows()])
        self.filters = itertools.cycle(["1", ""])
        self.orders = itertools.cycle([Qt.SortOrder.DescendingOrder, Qt.SortOrder.AscendingOrder])

    def select(self) -> None:
        self.window.queue.select(next(self.fresh))

    def step_written(self) -> int:
        """Complete step 1 of the next case in the store (not timed); its id."""
        invoice_id = next(self.fresh)
        self.window.queue.select(invoice_id)
        case = queries.load_case(self.session, invoice_id)
        steps.complete_terms(self.session, invoice_id, no_conflict=True,
                             dealings_shown=queries.past_dealings(self.session, case),
                             now=int(time.time()))
        return invoice_id

    def filter_key(self) -> None:
        self.window.queue.filter.setText(next(self.filters))
        self.window.queue.table.viewport().repaint()

    def sort(self) -> None:
        self.window.queue.table.sortByColumn(AMOUNT, next(self.orders))
        self.window.queue.table.viewport().repaint()

    def close(self) -> None:
        _close(self.session, self.window)


def _ui_step(big: Desk, small: Desk) -> tuple[float, float]:
    """The UI thread's time after a step's write: the pane reads the case and the queue
    repaints its row."""
    times: tuple[list[float], list[float]] = ([], [])
    for _ in range(PAIRS):
        for desk, out in ((big, times[0]), (small, times[1])):
            desk.step_written()
            start = time.thread_time()
            desk.window.case_pane.reload()
            desk.window.queue.table.viewport().repaint()
            out.append(time.thread_time() - start)
    return sorted(times[0])[PAIRS // 2], sorted(times[1])[PAIRS // 2]


def run() -> list[Row]:
    """Every GUI row of the bench's targets, on one 10,000-case store."""
    app = QApplication.instance() or QApplication([])
    big_folder, small_folder, empty_folder = _seeded(QUEUE_SIZE), _seeded(SMALL), _seeded(0)
    start, empty = interleaved_figures(_cold_start(big_folder), _cold_start(empty_folder))
    rows = [Row("gui cold start to painted queue, 10,000 cases (UI-thread CPU)", start, "s",
                empty, "empty store", (Target("<", 1.0, unit="s"), ratio_at_most(2)), PAIRS)]
    big, small = Desk(big_folder), Desk(small_folder)
    for name, action, target in (
            ("select a case", lambda d: d.select, 0.1),
            ("filter keystroke", lambda d: d.filter_key, 0.05),
            ("sort by amount", lambda d: d.sort, 0.2)):
        figure, reference = interleaved(action(big), action(small), clock=time.thread_time)
        rows.append(Row(f"gui {name}, 10,000 cases (UI-thread CPU)", figure, "s", reference,
                        f"{SMALL} cases", (Target("<", target, unit="s"),), PAIRS))
    figure, reference = _ui_step(big, small)
    rows.append(Row("gui complete a step, 10,000 cases (UI-thread CPU)", figure, "s",
                    reference, f"{SMALL} cases", (Target("<", 0.1, unit="s"),), PAIRS))
    big.close()
    small.close()
    del app
    return rows
