"""The GUI's one error presenter, with a fixed three-way policy.

``Cancelled`` shows nothing (the user said no); an :class:`ArbiterError` shows its own
message, which already names the problem (a network failure in plain words: which service
could not be reached and what to do, the technical line going to the log); anything else is
a bug: its traceback goes to the log and the user sees a short generic sentence naming the
log file. Messages are shown
as plain text, never as rich text, so server or party text cannot render as HTML.
"""

from __future__ import annotations

import logging
from urllib.parse import urlsplit

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox, QWidget

from arbiter_app import config
from arbiter_app.errors import ApiError, ArbiterError, Cancelled, NetworkError, ResponseError

log = logging.getLogger(__name__)

GENERIC_MESSAGE = "Something went wrong that the app did not expect. The details are in the log"


def generic_message() -> str:
    """The sentence for an unexpected error, naming the log file that holds its details."""
    return f"{GENERIC_MESSAGE}: {config.default_log_path()}"


def error_text(error: BaseException) -> str | None:
    """The sentence to show for ``error``, or ``None`` when nothing should be shown."""
    if isinstance(error, Cancelled):
        return None
    if isinstance(error, NetworkError) and not isinstance(error, ApiError | ResponseError):
        log.warning("network failure: %s", error)
        return network_words(error)
    if isinstance(error, ArbiterError):
        return sentence(str(error))
    log.error("unexpected error", exc_info=(type(error), error, error.__traceback__))
    return generic_message()


def sentence(text: str) -> str:
    """``text`` as a sentence: a capital first letter and a closing full stop."""
    if not text:
        return text
    text = text[0].upper() + text[1:]
    return text if text[-1] in ".!?)" else f"{text}."


def network_words(error: NetworkError) -> str:
    """A failed connection in plain words: the server that could not be reached, and what
    to try."""
    host = urlsplit(error.url).netloc if error.url else ""
    where = f"the server at {host}" if host else "the server"
    slow = "deadline" in str(error) or "timed out" in str(error)
    what = "did not answer in time" if slow else "could not be reached"
    return (f"{where[0].upper()}{where[1:]} {what}. Check the network connection and the "
            "address in Settings, then try again.")


def show_error(error: BaseException, parent: QWidget | None = None) -> QMessageBox | None:
    """Present ``error`` to the user by the three-way policy.

    :returns: the message box shown (already open, window-modal), or ``None``
    """
    text = error_text(error)
    if text is None:
        return None
    box = QMessageBox(QMessageBox.Icon.Warning, "Arbiter Desk", text, parent=parent)
    box.setTextFormat(Qt.TextFormat.PlainText)
    box.setWindowModality(Qt.WindowModality.WindowModal)
    box.open()
    return box
