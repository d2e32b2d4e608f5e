"""The background runner: signal order, results, failures, cancellation, the presenter."""

from __future__ import annotations

import threading
from collections.abc import Generator

import pytest
from PySide6.QtWidgets import QMessageBox, QWidget
from pytestqt.qtbot import QtBot

from arbiter_app.errors import Cancelled, NetworkError, VerificationError
from arbiter_app.gui.errors import error_text, generic_message, show_error
from arbiter_app.gui.tasks import Task
from arbiter_app.progress import CancelToken, Progress


def counting(n: int) -> Generator[Progress, None, int]:
    for i in range(n):
        yield Progress("counting", i + 1, n)
    return n * 10


def test_progress_then_success_then_finished_in_order(qtbot: QtBot) -> None:
    seen: list[object] = []
    task = Task(lambda token: counting(3))
    task.on_progress(lambda p: seen.append(p.done)).on_success(seen.append)
    task.signals.finished.connect(lambda: seen.append("finished"))
    with qtbot.waitSignals(
        [task.signals.succeeded, task.signals.finished], order="strict", timeout=5000
    ):
        task.run()
    assert seen == [1, 2, 3, 30, "finished"]
    assert not task.running


def test_failure_reaches_the_failure_callback(qtbot: QtBot) -> None:
    def failing(token: CancelToken) -> Generator[Progress, None, None]:
        yield Progress("checking")
        raise VerificationError("hash mismatch in block 3")

    errors: list[BaseException] = []
    task = Task(failing).on_failure(errors.append)
    with qtbot.waitSignal(task.signals.finished, timeout=5000):
        task.run()
    assert len(errors) == 1 and str(errors[0]) == "hash mismatch in block 3"


def test_cancel_stops_between_steps_and_reports_cancelled(qtbot: QtBot) -> None:
    release = threading.Event()

    def slow(token: CancelToken) -> Generator[Progress, None, str]:
        for i in range(1000):
            release.wait(5)
            token.check()
            yield Progress("slow", i, 1000)
        return "ran to the end"

    errors: list[BaseException] = []
    results: list[object] = []
    task = Task(slow).on_failure(errors.append).on_success(results.append)
    task.run()
    task.cancel()
    release.set()
    qtbot.waitUntil(lambda: not task.running, timeout=5000)
    assert results == [] and len(errors) == 1 and isinstance(errors[0], Cancelled)


def test_progress_dialog_appears_for_long_work_and_closes(qtbot: QtBot) -> None:
    parent = QWidget()
    qtbot.addWidget(parent)
    release = threading.Event()

    def long_work(token: CancelToken) -> Generator[Progress, None, str]:
        yield Progress("fetching block 1 of 2", 1, 2)
        release.wait(10)
        yield Progress("fetching block 2 of 2", 2, 2)
        return "done"

    task = Task(long_work, parent=parent).with_progress("Fetching evidence").run()
    qtbot.waitUntil(lambda: task._dialog is not None and task._dialog.isVisible(), timeout=5000)
    label = task._dialog.labelText() if task._dialog is not None else None
    release.set()
    assert label == "fetching block 1 of 2"
    qtbot.waitUntil(lambda: not task.running, timeout=5000)


@pytest.mark.parametrize(
    ("error", "expected"),
    [
        (Cancelled(), None),
        (VerificationError("CID does not match the file"), "CID does not match the file."),
    ],
    ids=["cancelled-says-nothing", "arbiter-error-shows-message"],
)
def test_three_way_presentation_policy(error: BaseException, expected: str | None) -> None:
    assert error_text(error) == expected


def test_a_bug_shows_the_generic_sentence_naming_the_log_file() -> None:
    from arbiter_app import config

    assert error_text(KeyError("internal")) == generic_message()
    assert generic_message().endswith(str(config.default_log_path()))


def test_error_box_is_plain_text(qtbot: QtBot) -> None:
    box = show_error(VerificationError("<b>bold</b> from a server"))
    assert isinstance(box, QMessageBox)
    qtbot.addWidget(box)
    assert box.text() == "<b>bold</b> from a server."
    assert box.textFormat().name == "PlainText"


@pytest.mark.parametrize(
    ("error", "expected"),
    [
        (NetworkError("GET failed: ConnectError", "http://127.0.0.1:3999/v2/info"),
         "The server at 127.0.0.1:3999 could not be reached. Check the network connection "
         "and the address in Settings, then try again."),
        (NetworkError("GET timed out", "https://api.testnet.hiro.so/extended"),
         "The server at api.testnet.hiro.so did not answer in time. Check the network "
         "connection and the address in Settings, then try again."),
    ],
    ids=["refused-connection", "timeout"],
)
def test_a_network_failure_is_said_in_plain_words(error: NetworkError, expected: str) -> None:
    assert error_text(error) == expected
    assert "ConnectError" not in (error_text(error) or "")


def test_messages_are_sentences_with_flag_names_in_words() -> None:
    from arbiter_app.case.models import ReviewFlag
    from arbiter_app.errors import PolicyError

    error = PolicyError(f"the manual review for {ReviewFlag.LOW_AI_CONFIDENCE.label} is not "
                        "confirmed")
    assert error_text(error) == "The manual review for low AI confidence is not confirmed."
    assert [f.label for f in ReviewFlag] == ["large amount", "first time payer",
                                             "suspicious address", "low AI confidence"]
