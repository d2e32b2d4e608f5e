"""Where a command writes a file: ``-`` means standard output, any other name a file that
appears whole or not at all (written beside it, then renamed over it).

Every ``-o``/``--output``/``--pdf`` option goes through :func:`output_file`, so ``-o -``
works the same for every command that writes a file, every file is created 0600, and a
failed write is one message naming its cause (``arbiter_app.writes``).
"""

from __future__ import annotations

import contextlib
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any

from arbiter_app import private, writes

STDOUT = "-"


def describe(name: str) -> str:
    """How to name the output in a message: ``standard output`` or the path."""
    return "standard output" if name == STDOUT else name


@contextmanager
def output_file(name: str, *, text: bool = False) -> Iterator[IO[Any]]:
    """A stream for ``name``: standard output for ``-``, else a temporary file beside it that
    replaces ``name`` when the block ends without an error (and is removed when it fails).

    :param text: a text stream (UTF-8, newlines as written) instead of a binary one
    """
    if name == STDOUT:
        stream: IO[Any] = sys.stdout if text else sys.stdout.buffer
        yield stream
        stream.flush()
        return
    with _beside(Path(name)) as tmp:
        fd = private.create_file(tmp)
        with (open(fd, "w", encoding="utf-8", newline="") if text else open(fd, "wb")) as f:
            yield f


@contextmanager
def _beside(target: Path) -> Iterator[Path]:
    """``target.part``, renamed over ``target`` when the block ends without an error and
    removed otherwise; an OSError becomes one message naming its cause."""
    tmp = target.with_name(target.name + ".part")
    try:
        yield tmp
        tmp.replace(target)
    except OSError as e:
        raise writes.failure(target, e) from e
    finally:
        with contextlib.suppress(OSError):  # a read-only folder holds no part file
            tmp.unlink()


def write_bytes(name: str, data: bytes) -> None:
    """Write ``data`` whole to ``name`` (``-``: standard output)."""
    with output_file(name) as f:
        f.write(data)


@contextmanager
def rendered_path(name: str, suffix: str) -> Iterator[Path]:
    """A path for a writer that only takes paths (the PDF renderer); for ``-`` the file is
    made in a temporary directory and copied to standard output when the block ends."""
    if name != STDOUT:
        with _beside(Path(name)) as tmp:
            private.touch(tmp)  # the writer keeps this file's 0600 mode
            yield tmp
        return
    with tempfile.TemporaryDirectory(prefix="arbiter-out-") as scratch:
        path = Path(scratch) / f"out{suffix}"
        yield path
        write_bytes(STDOUT, path.read_bytes())
