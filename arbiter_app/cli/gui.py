"""``arbiter-app gui`` (and ``arbiter-app`` alone): open the desktop app on the saved settings.

Settings come from ``--config`` or the per-user config file; the case store lives in their
``data_dir``. Without a settings file the first-run page comes first (network, Ledger and its
confirmed address, IPFS sources) and saves one. The window's Sync action pulls the
disputes; ``--sync`` runs one at start. Saving the Settings dialog closes the window and opens
it again on the new settings.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from arbiter_app import config
from arbiter_app.gui.display import check_display


def register(subparsers: Any) -> None:
    """Add the ``gui`` command."""
    parser = subparsers.add_parser("gui", help="open the desktop app (the default command)")
    parser.add_argument("--sync", action="store_true", help="sync the disputes when it opens")
    parser.set_defaults(handler=run_gui)


def run_gui(args: argparse.Namespace) -> int:
    """Open the main window on the saved settings; return when it is closed."""
    check_display()  # before anything starts: Qt aborts the process without a display
    # Imported only now: Qt's libraries (libEGL, libGL, libxkbcommon) load with it, and where
    # one is missing check_display has just named it and its package, not a traceback.
    from arbiter_app.gui.app import first_run, run_on_settings

    path = Path(args.config) if getattr(args, "config", None) else config.default_config_path()
    if path.exists():
        settings = config.load(path)
    else:
        chosen = first_run(path)
        if chosen is None:
            return 0  # the user closed the first-run page: nothing was saved
        settings = chosen
    return run_on_settings(settings, path, sync_on_start=bool(getattr(args, "sync", False)))
