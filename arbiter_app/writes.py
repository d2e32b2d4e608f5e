"""Checked writes: every failed write is one sentence naming its cause, never a traceback.

A write can fail because the disk is full, the folder is missing, the user may not write
there, or the disk is read-only; each has its own message, and each says that nothing was
saved, because callers write to a temporary file and rename it only when it is complete.
A full disk is also recognised when the library reports it only as an I/O error (SQLite's
"disk I/O error"), by looking at the free space left.
"""

from __future__ import annotations

import errno
import os
import shutil
from pathlib import Path

from arbiter_app.errors import ArbiterError

FULL_BELOW = 64 * 1024  # bytes free under which a failed write is taken as a full disk
FULL = "the disk is full; nothing was saved"


class WriteFailed(ArbiterError):
    """A file could not be written; the message names the cause."""


def disk_full(folder: Path) -> bool:
    """Whether the disk holding ``folder`` (or its nearest existing parent) is out of space."""
    for place in (folder, *folder.parents):
        try:
            return shutil.disk_usage(place).free < FULL_BELOW
        except OSError:
            continue
    return False


def failure(path: Path, error: OSError | None = None) -> WriteFailed:
    """The error to raise when writing ``path`` failed (with ``error``, when there was one).

    :param path: the file that was being written
    :param error: the OS error, or ``None`` when a library only reported failure
    """
    folder = path.parent
    code = error.errno if error is not None else None
    if code in (errno.ENOSPC, errno.EDQUOT) or disk_full(folder):
        return WriteFailed(f"{FULL} ({path})")
    if code == errno.ENOENT or not folder.is_dir():
        return WriteFailed(f"the folder {folder} does not exist; nothing was written")
    if code == errno.EROFS:
        return WriteFailed(f"{folder} is on a read-only disk; nothing was written")
    if code in (errno.EACCES, errno.EPERM) or not os.access(folder, os.W_OK):
        return WriteFailed(f"no permission to write in {folder}; nothing was written")
    reason = error.strerror if error is not None and error.strerror else "the write failed"
    return WriteFailed(f"cannot write {path}: {reason}; nothing was written")
