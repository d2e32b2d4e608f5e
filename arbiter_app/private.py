"""Files only the user may read: the data directory, the case store, the settings (with the
API key), the IPFS cache and exports are created 0700 (directories) and 0600 (files), and a
start-up check names any of them that other local users can read.

The case store holds the decision log's state and the settings may hold an API key, so a
0644 file in a 0755 directory would hand them to every account on the machine. Modes are set
when each path is created, whatever the process's umask; SQLite gives its ``-wal`` and
``-shm`` files the mode of the database file.
"""

from __future__ import annotations

import contextlib
import os
import stat
from collections.abc import Iterable
from pathlib import Path

DIR_MODE = 0o700
FILE_MODE = 0o600


def make_dir(path: Path) -> None:
    """Create ``path`` (and missing parents) with mode 0700; an existing one is left as is."""
    path.mkdir(mode=DIR_MODE, parents=True, exist_ok=True)


def create_file(path: Path, *, exclusive: bool = False) -> int:
    """Open ``path`` for writing, created 0600 (an existing file is made 0600 and emptied).

    :param exclusive: fail if it exists
    :returns: the file descriptor
    :raises OSError: as :func:`os.open` does
    """
    flags = os.O_WRONLY | os.O_CREAT | (os.O_EXCL if exclusive else os.O_TRUNC)
    fd = os.open(path, flags, FILE_MODE)
    try:
        os.fchmod(fd, FILE_MODE)
    except BaseException:
        os.close(fd)
        raise
    return fd


def touch(path: Path) -> None:
    """Create an empty 0600 file at ``path`` if nothing is there yet."""
    with contextlib.suppress(FileExistsError):
        os.close(create_file(path, exclusive=True))


def too_open(paths: Iterable[Path]) -> list[str]:
    """One warning for each existing path that users other than its owner may read or enter.

    :param paths: the data directory, the case store, the settings file, ...
    """
    warnings = []
    for path in paths:
        try:
            mode = stat.S_IMODE(path.stat().st_mode)
        except OSError:
            continue
        if mode & 0o077:
            wanted = DIR_MODE if path.is_dir() else FILE_MODE
            warnings.append(f"{path} has mode {mode:04o}, so other users of this computer can "
                            f"read it; make it private with: chmod {wanted:o} '{path}'")
    return warnings
