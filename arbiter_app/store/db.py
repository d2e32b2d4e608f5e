"""Open the case store: one SQLite file in WAL mode, checked pragmas, migrations, one writer.

Every multi-statement write is one :meth:`Store.atomic` block (``BEGIN IMMEDIATE`` … ``COMMIT``):
the write lock is taken up front, a second writer waits ``busy_timeout`` instead of failing,
and a thread lock makes this process's writes one at a time on the one writer connection;
reads outside a write go through per-thread read-only connections. ``synchronous=FULL``
because a signed ruling lost to a power cut is worse than a slower commit. sqlite3 errors are
translated to :class:`StoreError` here, with the cause kept.
"""

from __future__ import annotations

import functools
import os
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

import sqlite_utils

from arbiter_app import private, writes
from arbiter_app.errors import StoreError
from arbiter_app.store.migrations import MIGRATIONS

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    from arbiter_app.decisionlog.vault import DeviceSecret

BUSY_TIMEOUT_MS = 10_000


class Store:
    """An open case store. Use :func:`open_store` to get one; close it when done.

    One connection writes, inside :meth:`atomic` (one block at a time, process-wide). Every
    other read goes through a read-only connection of the reading thread's own, so a thread
    sees only committed rows (WAL gives each statement the last committed state), never the
    writer's transaction in progress.
    """

    def __init__(self, db: sqlite_utils.Database, path: Path) -> None:
        self.db = db
        self.path = path
        self._writer = threading.RLock()
        self._writing: int | None = None  # the thread inside atomic(), if any
        self._local = threading.local()
        self._readers: list[sqlite3.Connection] = []
        self._readers_lock = threading.Lock()
        self._soundness: str | None = None  # quick_check's answer, once it has run
        self._checking = threading.Lock()
        # The device's secret and the decision-log key it opened: in memory only, for the
        # life of this open store (:mod:`arbiter_app.store.log`).
        self.log_secret: DeviceSecret | None = None
        self.log_key: Ed25519PrivateKey | None = None

    def check_sound(self) -> None:
        """Check the file once with ``PRAGMA quick_check`` (every page read, no index
        cross-checks); later calls answer from that first check. Every write calls it first,
        so nothing is written to a damaged file, whichever thread checks first; a write that
        comes while another thread checks waits for the verdict.

        :raises StoreError: the file is damaged
        """
        if self._soundness is None:
            with self._checking:
                if self._soundness is None:
                    self._soundness = self._quick_check()
        if self._soundness != "ok":
            found = self._soundness.replace("\n", "; ")
            raise StoreError(f"the case store {self.path} is damaged ({found}); restore it "
                             "from a backup")

    def _quick_check(self) -> str:
        try:
            return str(self.conn.execute("PRAGMA quick_check").fetchone()[0])
        except sqlite3.Error as e:
            raise _translate(e, self.path) from e

    @property
    def conn(self) -> sqlite3.Connection:
        """The connection for this thread: the writer inside :meth:`atomic` (it sees its own
        uncommitted rows), else the thread's read-only connection."""
        if self._writing == threading.get_ident():
            return self.db.conn
        reader: sqlite3.Connection | None = getattr(self._local, "reader", None)
        if reader is None:
            reader = self._open_reader()
        return reader

    def _open_reader(self) -> sqlite3.Connection:
        try:
            # check_same_thread=False only so that close() may close it from another thread.
            reader = sqlite3.connect(str(self.path), isolation_level=None,
                                     check_same_thread=False)
            reader.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
            reader.execute("PRAGMA query_only = ON")
        except sqlite3.Error as e:
            raise _translate(e, self.path) from e
        with self._readers_lock:
            self._readers.append(reader)
        self._local.reader = reader
        return reader

    @contextmanager
    def atomic(self) -> Iterator[sqlite_utils.Database]:
        """One write transaction; nested calls join the outer one (sqlite-utils savepoints).

        :raises StoreError: if SQLite refuses the write (disk full, damaged file, busy)
        """
        self.check_sound()
        with self._writer:
            if self._writing == threading.get_ident():
                with self.db.atomic():
                    yield self.db
                return
            writer = self.db.conn
            try:
                writer.execute("BEGIN IMMEDIATE")
            except sqlite3.Error as e:
                raise _translate(e, self.path) from e
            self._writing = threading.get_ident()
            try:
                yield self.db
                writer.execute("COMMIT")
            except sqlite3.Error as e:
                self._rollback()
                raise _translate(e, self.path) from e
            except BaseException:
                self._rollback()
                raise
            finally:
                self._writing = None

    def _rollback(self) -> None:
        if self.db.conn.in_transaction:
            self.db.conn.execute("ROLLBACK")

    def integrity(self) -> str:
        """``PRAGMA integrity_check``'s answer (``"ok"`` for a sound file)."""
        return ";".join(str(r[0]) for r in self.conn.execute("PRAGMA integrity_check"))

    def close(self) -> None:
        """Close every connection (the WAL is checkpointed by SQLite, never deleted by us)."""
        with self._readers_lock:
            readers, self._readers = self._readers, []
        for reader in readers:
            reader.close()
        self.db.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def backup(store: Store, target: Path | str) -> Path:
    """Copy the live store to ``target`` consistently (SQLite backup API), even while it is
    being written: into a temporary name in the target folder, synced, then renamed, so an
    interrupted backup never appears under the final name (docs/reliability.md §2).

    :raises StoreError: if the copy cannot be written
    """
    target = Path(target)
    tmp = target.with_name(target.name + ".part")
    tmp.unlink(missing_ok=True)
    try:
        copy = sqlite3.connect(str(tmp))
        try:
            store.conn.backup(copy)
            copy.execute("PRAGMA journal_mode = DELETE")  # one self-contained file
        finally:
            copy.close()
        with open(tmp, "rb+") as f:
            os.fsync(f.fileno())
        os.replace(tmp, target)
    except (sqlite3.Error, OSError) as e:
        tmp.unlink(missing_ok=True)
        raise StoreError(f"cannot back up the case store to {target}: {e}") from e
    return target


def _translate(error: sqlite3.Error, path: Path) -> StoreError:
    text = str(error)
    # SQLite says "database or disk is full" when it sees ENOSPC itself, but only "disk I/O
    # error" when the write of its WAL or a sync fails: the free space tells them apart.
    if "full" in text or ("disk I/O error" in text and writes.disk_full(path.parent)):
        return StoreError(f"{writes.FULL} (the case store is {path})")
    if isinstance(error, sqlite3.DatabaseError) and "malformed" in text or "not a database" in text:
        return StoreError(f"the case store {path} is damaged ({text}); restore it from a backup")
    return StoreError(f"the case store {path} cannot be written: {text}")


def _configure(conn: sqlite3.Connection, path: Path) -> None:
    conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("PRAGMA synchronous = FULL")
    conn.execute("PRAGMA foreign_keys = ON")
    got = (conn.execute("PRAGMA journal_mode").fetchone()[0],
           conn.execute("PRAGMA synchronous").fetchone()[0],
           conn.execute("PRAGMA foreign_keys").fetchone()[0])
    if got != ("wal", 2, 1):
        raise StoreError(f"the case store {path} refused WAL/synchronous/foreign-key settings: "
                         f"{got}")


def _database(conn: sqlite3.Connection) -> sqlite_utils.Database:
    # No sqlite-utils plugins: the case store's connection runs no code that another
    # installed package registers, and finding plugins scans every installed package's entry
    # points (20-30 ms of the window's start).
    return sqlite_utils.Database(conn, execute_plugins=False)


def open_store(path: Path | str, *, migrate: bool = True, upto: int | None = None,
               check_later: bool = False) -> Store:
    """Open (creating if needed) the case store at ``path`` and bring its schema up to date.

    A damaged file is refused before anything, migrations included, writes to it
    (docs/reliability.md T2.5): :meth:`Store.check_sound` runs here, or with ``check_later``
    at the first write or whenever the caller runs it (the window, on a background thread
    once its queue is painted; the quick check reads every page, 15 ms for 10,000 cases).

    :param path: the SQLite file
    :param migrate: apply pending migrations (``False`` only to inspect an old file)
    :param upto: stop after this schema version (tests that build old files)
    :param check_later: leave the quick check to the first write or to the caller
    :returns: the open store
    :raises StoreError: if the file is not a usable case store
    """

    path = Path(path)
    try:
        private.make_dir(path.parent)
        private.touch(path)  # 0600 before SQLite opens it; its -wal and -shm follow
    except OSError as e:
        raise StoreError(f"cannot create the case store at {path}: {e.strerror}") from e
    try:
        conn = sqlite3.connect(str(path), isolation_level=None, check_same_thread=False)
        _configure(conn, path)
        store = Store(_database(conn), path)
    except sqlite3.Error as e:
        raise _translate(e, path) from e
    except UnicodeDecodeError as e:  # schema text that is not UTF-8: a damaged header page
        raise StoreError(f"the case store {path} is damaged (its schema is not text); "
                         "restore it from a backup") from e
    try:
        if not check_later:
            store.check_sound()
        if migrate:  # each migration is a write: the quick check has passed before it
            MIGRATIONS.apply(store, upto=upto)
            if upto is None:
                _check_schema(store)
    except BaseException:
        store.close()
        raise
    return store


def _schema(conn: sqlite3.Connection) -> list[tuple[str, str, str | None]]:
    return conn.execute("SELECT type, name, sql FROM sqlite_master ORDER BY type, name").fetchall()


@functools.cache
def _latest_schema() -> list[tuple[str, str, str | None]]:
    """The schema every migration writes, built once in memory."""
    conn = sqlite3.connect(":memory:", isolation_level=None, check_same_thread=False)
    store = Store(_database(conn), Path(":memory:"))
    with store.atomic():
        for _, step in MIGRATIONS.steps:
            step(store)
    schema = _schema(conn)
    conn.close()
    return schema


def _check_schema(store: Store) -> None:
    # quick_check reads pages but not the schema's text: a flipped byte in a table's CREATE
    # statement (a column renamed) would otherwise fail later as a raw SQLite error.
    try:
        same = _schema(store.db.conn) == _latest_schema()
    except sqlite3.Error as e:
        raise _translate(e, store.path) from e
    except UnicodeDecodeError:
        same = False
    if not same:
        raise StoreError(f"the case store {store.path} is damaged (its schema differs from "
                         "the one this app writes); restore it from a backup")
