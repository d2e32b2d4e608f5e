"""The decision log's tables: entries, head, checkpoints and the log key (SQL only).

:func:`append` must run inside the same :meth:`Store.atomic` block as the state change it
records, so an action and its entry commit together or not at all. The entry format, the
Merkle tree and the checkpoints are :mod:`arbiter_app.decisionlog`'s; the head keeps the
tree's compact range, so an append costs O(log n); :func:`checkpoint` signs the head with the
log's Ed25519 key, and :func:`verify_log` re-derives everything (full audit).
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import (
    Encoding,
    NoEncryption,
    PrivateFormat,
    PublicFormat,
)

from arbiter_app.decisionlog import audit, merkle
from arbiter_app.decisionlog.checkpoint import Attestation, Checkpoint, sign_checkpoint
from arbiter_app.decisionlog.entry import Entry, make_entry
from arbiter_app.decisionlog.view import LogView
from arbiter_app.errors import StoreError

if TYPE_CHECKING:
    from arbiter_app.store.db import Store


def _head(store: Store) -> tuple[int, list[bytes]]:
    row = store.conn.execute("SELECT size, frontier FROM log_head WHERE id = 1").fetchone()
    if row is None:
        return 0, []
    blob = bytes(row[1])
    return int(row[0]), [blob[i:i + 32] for i in range(0, len(blob), 32)]


def append(store: Store, kind: str, data: dict[str, Any], *, invoice_id: int | None = None,
           at: int) -> Entry:
    """Append one entry; call inside the ``store.atomic()`` block of the change it records.

    :raises StoreError: if called outside a transaction
    """
    if not store.conn.in_transaction:
        raise StoreError("a log entry must be written in the transaction of its change")
    size, frontier = _head(store)
    entry = make_entry(size, kind, invoice_id, at, data)
    leaf = entry.leaf  # a property that hashes: once per append
    frontier = merkle.extend_range(frontier, size, leaf)
    store.conn.execute("INSERT INTO log_entries (idx, kind, invoice_id, at, body, leaf) "
                       "VALUES (?, ?, ?, ?, ?, ?)",
                       (size, kind, invoice_id, at, entry.body, leaf))
    store.conn.execute("INSERT INTO log_head (id, size, frontier) VALUES (1, ?, ?) ON CONFLICT "
                       "(id) DO UPDATE SET size = excluded.size, frontier = excluded.frontier",
                       (size + 1, b"".join(frontier)))
    return entry


def head(store: Store) -> tuple[int, bytes]:
    """The log's current (size, root)."""
    size, frontier = _head(store)
    return size, merkle.range_root(frontier)


def entries(store: Store, *, invoice_id: int | None = None, start: int = 0,
            end: int | None = None) -> list[Entry]:
    """Entries ``[start, end)`` in order, optionally only those of one case."""
    sql, args = "SELECT body FROM log_entries WHERE idx >= ?", [start]
    if end is not None:
        sql, args = sql + " AND idx < ?", [*args, end]
    if invoice_id is not None:
        sql, args = sql + " AND invoice_id = ?", [*args, invoice_id]
    rows = store.conn.execute(sql + " ORDER BY idx", args).fetchall()
    return [Entry.from_body(bytes(r[0])) for r in rows]


def tree(store: Store, size: int | None = None) -> merkle.Tree:
    """The Merkle tree over the stored leaf hashes of the first ``size`` entries (default all)."""
    limit = head(store)[0] if size is None else size
    rows = store.conn.execute("SELECT leaf FROM log_entries WHERE idx < ? ORDER BY idx", (limit,))
    return merkle.Tree([bytes(r[0]) for r in rows])


def private_key(store: Store, *, now: int = 0) -> Ed25519PrivateKey:
    """The log's Ed25519 key, created on first use (inside a transaction of its own)."""
    row = store.conn.execute("SELECT private FROM log_keys ORDER BY created_at LIMIT 1").fetchone()
    if row is not None:
        return Ed25519PrivateKey.from_private_bytes(bytes(row[0]))
    key = Ed25519PrivateKey.generate()
    public = key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
    raw = key.private_bytes(Encoding.Raw, PrivateFormat.Raw, NoEncryption())
    with store.atomic():
        store.conn.execute("INSERT INTO log_keys (public, private, created_at) VALUES (?, ?, ?)",
                           (public, raw, now))
    return key


def public_key(store: Store) -> bytes:
    """The log key's 32-byte Ed25519 public key (creating the key if needed)."""
    return private_key(store).public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)


def checkpoint(store: Store, *, now: int) -> Checkpoint:
    """Sign and keep a checkpoint of the current head (or return the one already at this size)."""
    key = private_key(store, now=now)
    with store.atomic():
        size, root = head(store)
        existing = latest_checkpoint(store)
        if existing is not None and existing.size == size:
            return existing
        cp = sign_checkpoint(key, size, root, now)
        store.conn.execute("INSERT INTO log_checkpoints (size, root, at, key, signature) "
                           "VALUES (?, ?, ?, ?, ?)",
                           (cp.size, cp.root, cp.at, cp.key, cp.signature))
    return cp


def checkpoints(store: Store) -> list[Checkpoint]:
    """Every checkpoint kept, oldest first."""
    rows = store.conn.execute("SELECT size, root, at, key, signature FROM log_checkpoints "
                              "ORDER BY size").fetchall()
    return [Checkpoint(int(r[0]), bytes(r[1]), int(r[2]), bytes(r[3]), bytes(r[4])) for r in rows]


def latest_checkpoint(store: Store) -> Checkpoint | None:
    """The newest checkpoint, or ``None`` before the first."""
    kept = checkpoints(store)
    return kept[-1] if kept else None


def save_attestation(store: Store, att: Attestation, *, now: int) -> None:
    """Keep the verified binding of the log key to the arbiter's address, and log it."""
    with store.atomic():
        store.conn.execute("UPDATE log_keys SET attestation = ? WHERE public = ?",
                           (json.dumps(att.to_json()), att.log_key))
        append(store, "log-key-bound", {"address": att.address, "log_key": att.log_key.hex()},
               at=now)


def view(store: Store, cp: Checkpoint, *, invoice_id: int | None = None) -> LogView:
    """The log under checkpoint ``cp`` (the whole log, or one case's entries)."""
    return LogView(cp, tree(store, cp.size), entries(store, invoice_id=invoice_id, end=cp.size),
                   attestation(store), [old for old in checkpoints(store) if old.size < cp.size])


def attestation(store: Store) -> Attestation | None:
    """The stored binding of the log key to the arbiter's address, if any."""
    row = store.conn.execute("SELECT attestation FROM log_keys ORDER BY created_at LIMIT 1"
                             ).fetchone()
    if row is None or row[0] is None:
        return None
    return Attestation.from_json(json.loads(row[0]))


def verify_log(store: Store) -> int:
    """Full audit of the stored log (see :func:`decisionlog.audit.verify_rows`); returns its size.

    :raises VerificationError: naming the first problem found
    """
    size, root = head(store)
    kept = checkpoints(store)
    key = public_key(store) if size or kept else None
    rows = store.conn.execute("SELECT idx, body, leaf FROM log_entries ORDER BY idx")
    return audit.verify_rows(rows, size, root, kept, key)
