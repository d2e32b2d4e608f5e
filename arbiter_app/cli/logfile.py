"""The ``logging`` configuration of one ``arbiter-app`` run, made once by ``main``.

Records go to a rotating file in the per-user log directory
(:func:`arbiter_app.config.default_log_path`), at INFO, or DEBUG with ``--debug``; ``-v``
also copies them to stderr. Nothing secret is ever logged: the app logs no keys, mnemonics,
passwords or API keys, and the HTTP libraries' own debug output (which would carry request
headers such as ``x-api-key``) stays off even with ``--debug``.
"""

from __future__ import annotations

import logging
import logging.handlers
import sys
from pathlib import Path

from arbiter_app import config

MAX_BYTES = 1024 * 1024
BACKUPS = 3
FORMAT = "%(asctime)s %(process)d %(levelname)s %(name)s: %(message)s"
# Loggers of libraries whose debug records carry request headers or bodies.
QUIET = ("httpcore", "urllib3", "hpack")

_installed: list[logging.Handler] = []


def configure(*, debug: bool = False, verbose: bool = False) -> Path:
    """Send the app's log records to the log file (and stderr with ``verbose``).

    Calling it again replaces the handlers it installed before.

    :returns: the log file's path (named in every "details are in the log" message)
    """
    path = config.default_log_path()
    root = logging.getLogger()
    for old in _installed:
        root.removeHandler(old)
        old.close()
    _installed.clear()
    level = logging.DEBUG if debug else logging.INFO
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        handler: logging.Handler = logging.handlers.RotatingFileHandler(
            path, maxBytes=MAX_BYTES, backupCount=BACKUPS, encoding="utf-8")
    except OSError as e:
        print(f"arbiter-app: cannot write the log {path}: {e.strerror}", file=sys.stderr)
        handler = logging.NullHandler()
    _install(handler, level)
    if verbose:
        _install(logging.StreamHandler(sys.stderr), level)
    root.setLevel(level)
    for name in QUIET:
        logging.getLogger(name).setLevel(logging.INFO)
    return path


def _install(handler: logging.Handler, level: int) -> None:
    handler.setLevel(level)
    handler.setFormatter(logging.Formatter(FORMAT))
    logging.getLogger().addHandler(handler)
    _installed.append(handler)
