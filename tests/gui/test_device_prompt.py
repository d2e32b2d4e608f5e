"""The "Confirm on your Ledger" prompt against the emulated Ledger, through step 6's device
wiring (a task whose progress dialog and prompt share one cancel token): the prompt is never
hidden behind the progress dialog, whether the dialog appears before or after it, and its
Cancel (or the dialog's) abandons the request. Screenshots go to ``ARBITER_SCREENSHOTS`` if
set (else the test's temporary directory)."""

from __future__ import annotations

import os
from collections.abc import Generator, Iterator
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QProgressDialog
from pytestqt.qtbot import QtBot

from arbiter_app import config
from arbiter_app.errors import Cancelled
from arbiter_app.gui.prompts import QtDevicePrompt
from arbiter_app.gui.views.execution import ExecutionPage
from arbiter_app.progress import CancelToken, Progress
from arbiter_app.services.session import Session
from arbiter_app.wallet.ledger import LedgerSigner, Patience
from tests.fixtures.ledger import EmulatorProcess
from tests.integration.wallet.conftest_helpers import resolve_dispute

SUBJECT = "release 1.5 sBTC to ST2JHG361ZXG51QTKY2NQCVBPPRRE2KZB1HR05NNC, invoice 42"


@pytest.fixture
def device(ledger: EmulatorProcess) -> Iterator[LedgerSigner]:
    signer = LedgerSigner.open(ledger.ledger, config.DEVNET, 0,
                               patience=Patience(check_after=1.0, give_up=60))
    yield signer
    ledger.mode = "approve"
    signer.close()


def progress_dialog() -> QProgressDialog | None:
    shown = [w for w in QApplication.topLevelWidgets() if isinstance(w, QProgressDialog)
             and w.isVisible()]
    return shown[0] if shown else None


def signing(device: LedgerSigner):  # type: ignore[no-untyped-def]
    def operation(token: CancelToken, prompt: QtDevicePrompt
                  ) -> Generator[Progress, None, Any]:
        yield Progress("signing on the device", 0, 1)
        unsigned = resolve_dispute(device.public_key(), device.address())
        return device.sign_transaction(unsigned, prompt, subject=SUBJECT)
    return operation


def started(qtbot: QtBot, session: Session, device: LedgerSigner
            ) -> tuple[ExecutionPage, list[BaseException]]:
    page = ExecutionPage(session)
    qtbot.addWidget(page)
    page.show()
    failures: list[BaseException] = []
    page.on_failed = failures.append  # type: ignore[method-assign]
    page.run_with_device(signing(device), "Executing the ruling", lambda result: None)
    return page, failures


def shot(widget: Any, tmp_path: Path, name: str) -> None:
    folder = Path(os.environ.get("ARBITER_SCREENSHOTS", tmp_path))
    assert widget.grab().save(str(folder / f"{name}.png"))


@pytest.mark.parametrize(
    ("mode", "first"),
    [("awaiting_button", "prompt"), ("unresponsive", "progress-dialog")],
    ids=["prompt-shown-before-the-progress-dialog", "progress-dialog-shown-before-the-prompt"],
)
def test_the_prompt_stacks_above_the_progress_dialog_and_cancel_abandons(
        qtbot: QtBot, local_session: Session, device: LedgerSigner, ledger: EmulatorProcess,
        tmp_path: Path, mode: str, first: str) -> None:
    ledger.mode = mode
    page, failures = started(qtbot, local_session, device)
    prompt = page.prompt
    assert prompt is not None
    qtbot.waitUntil(lambda: progress_dialog() is not None and prompt.message is not None
                    and prompt.message.isVisible(), timeout=10_000)
    dialog, message = progress_dialog(), prompt.message
    assert dialog is not None and message is not None
    # A child window stays above its parent: the prompt is the progress dialog's child.
    assert message.parentWidget() is dialog
    assert message.windowModality() is Qt.WindowModality.WindowModal
    text = message.label.text() + "\n" + message.detail.text()
    if first == "prompt":
        assert text.startswith(f"Confirm on your Ledger: {SUBJECT}\nThe Ledger asks you to "
                               "review resolve-dispute-split on ")
    else:
        assert "check your Ledger" in text
    shot(dialog, tmp_path, f"progress-{mode}")
    shot(message, tmp_path, f"prompt-{mode}")
    qtbot.mouseClick(message.cancel_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: bool(failures), timeout=10_000)
    assert isinstance(failures[0], Cancelled)
    qtbot.waitUntil(lambda: prompt.message is None, timeout=5_000)
