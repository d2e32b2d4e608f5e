"""QApplication setup: build the main window from a :class:`Session` and run the event loop.

Used by ``arbiter-app gui`` (saved settings) and ``arbiter-app demo`` (a devnet). The caller
owns the session and whatever services it started; :func:`run` returns when the window is
closed and waits for background tasks before handing back, so nothing touches a closed store.
"""

from __future__ import annotations

import signal
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from arbiter_app import config
from arbiter_app.assets import APP_ID, asset
from arbiter_app.errors import ArbiterError
from arbiter_app.gui.main_window import MainWindow
from arbiter_app.gui.views.first_run import FirstRunPage
from arbiter_app.services import queries
from arbiter_app.services.session import Session

if TYPE_CHECKING:
    from PySide6.QtWidgets import QApplication

    from arbiter_app import config
    from arbiter_app.services.session import Session

# run()'s status when the window closed to open again on newly saved settings.
RESTART = 75


def application() -> QApplication:
    """The process's QApplication (created once)."""
    from PySide6.QtGui import QIcon
    from PySide6.QtWidgets import QApplication

    existing = QApplication.instance()
    if isinstance(existing, QApplication):
        return existing
    app = QApplication(sys.argv[:1])
    app.setApplicationName("Arbiter Desk")
    app.setOrganizationName("arbiter-app")
    app.setDesktopFileName(APP_ID)  # the Wayland app id; names the installed .desktop entry
    app.setWindowIcon(QIcon(str(asset("icons", "arbiter-desk.svg"))))
    return app


def open_window(session: Session, *, sync_on_start: bool = False,
                settings_path: Path | None = None) -> MainWindow:
    """The main window over ``session``.

    The store's quick check runs once the queue is painted; when a read for that first paint
    fails, the check runs at once, so a damaged store is named as damaged (restore it from a
    backup) instead of failing as an unexpected error.

    :raises StoreError: the case store is damaged
    """
    try:
        return MainWindow(session, sync_on_start=sync_on_start, settings_path=settings_path)
    except ArbiterError:
        raise
    except Exception:
        queries.check_store(session)
        raise


def run(session: Session, *, sync_on_start: bool = False,
        settings_path: Path | None = None) -> int:
    """Open the main window over ``session`` and run until it is closed.

    :param settings_path: the settings file the window's Settings dialog saves

    :returns: the event loop's exit status, or :data:`RESTART` when the settings were
        changed and the app should open again on them
    """
    from PySide6.QtCore import QThreadPool, QTimer


    app = application()
    window = open_window(session, sync_on_start=sync_on_start, settings_path=settings_path)
    window.show()
    # Ctrl-C / SIGTERM close the window like the user would, so the caller's cleanup runs.
    previous = {signum: signal.getsignal(signum) for signum in (signal.SIGINT, signal.SIGTERM)}
    for signum in previous:
        signal.signal(signum, lambda *_: window.close())
    wake = QTimer()
    wake.start(250)  # lets Python's signal handlers run while Qt waits
    wake.timeout.connect(lambda: None)
    try:
        status = app.exec()
    finally:
        wake.stop()
        QThreadPool.globalInstance().waitForDone(30_000)
        for signum, handler in previous.items():
            signal.signal(signum, handler)
    return RESTART if window.restart_requested else status


def run_on_settings(settings: config.Settings, settings_path: Path, *,
                    sync_on_start: bool = False) -> int:
    """Run the app over a session on ``settings``; when the Settings dialog saved new ones,
    open it again on what ``settings_path`` now holds.

    :returns: the exit status of the last window
    """

    while True:
        # The store's quick check runs once the queue is painted (MainWindow.check_store).
        with Session(settings, check_store_later=True) as session:
            status = run(session, sync_on_start=sync_on_start, settings_path=settings_path)
        if status != RESTART:
            return status
        settings = config.load(settings_path)


def first_run(path: Path) -> config.Settings | None:
    """Show the first-run page (no settings file yet) until it is saved or cancelled.

    :returns: the settings saved, or ``None`` when the user cancelled
    """

    application()
    page = FirstRunPage(path)
    page.exec()
    saved = page.saved
    page.deleteLater()  # Qt deletes it in its own time, never Python at an arbitrary point
    return saved

