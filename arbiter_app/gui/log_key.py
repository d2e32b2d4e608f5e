"""File > Rotate log key…: replace the decision-log key from the window.

The arbiter confirms first (the question says what rotation does and that the device will be
asked); the rotation itself runs on the task runner with the device prompt, as every signing
action does, and the status bar then shows the new log head and the handover.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from PySide6.QtWidgets import QMessageBox, QWidget

from arbiter_app.decisionlog.keychain import Handover
from arbiter_app.gui.prompts import QtDevicePrompt
from arbiter_app.gui.tasks import Task, call
from arbiter_app.services import logkey
from arbiter_app.services.session import Session

QUESTION = ("Replace the decision-log key with a new one?\n\nYour Ledger is asked to bind the "
            "new key to your address (and to unlock the current key if it is not yet "
            "unlocked). The current key signs the handover, so earlier checkpoints, exports "
            "and receipts keep verifying.")


def confirmed(parent: QWidget) -> bool:
    """Ask the arbiter; ``True`` only for Yes."""
    answer = QMessageBox.question(parent, "Rotate log key", QUESTION)
    return answer == QMessageBox.StandardButton.Yes


def rotate(parent: QWidget, session: Session, done: Callable[[Handover], None]) -> Task:
    """Rotate the log key on the task runner, the device prompt above ``parent``."""
    now = int(time.time())
    task = Task(lambda token: call(lambda: logkey.rotate_key(
        session, now=now, prompt=prompt))(token), parent=parent)
    prompt = QtDevicePrompt(parent, task.token).attach(task)
    return task.on_success(done).run()
