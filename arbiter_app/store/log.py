"""The decision log's tables: entries, head, checkpoints and the log keys (SQL only).

:func:`append` must run inside the same :meth:`Store.atomic` block as the state change it
records, so an action and its entry commit together or not at all. The entry format, the
Merkle tree and the checkpoints are :mod:`arbiter_app.decisionlog`'s; the head keeps the
tree's compact range, so an append costs O(log n); :func:`checkpoint` signs the head with the
log's Ed25519 key, and :func:`verify_log` re-derives everything (full audit).

The log key is kept sealed (:mod:`arbiter_app.decisionlog.vault`): it opens only with the
device secret held in memory for the open store (:func:`hold_secret`), and
:func:`rotate` hands the log over to a new key (:mod:`arbiter_app.decisionlog.keychain`).
Appending entries needs no key; signing a checkpoint does.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from arbiter_app.decisionlog import audit, merkle
from arbiter_app.decisionlog.checkpoint import Attestation, Checkpoint, sign_checkpoint
from arbiter_app.decisionlog.entry import Entry, make_entry
from arbiter_app.decisionlog.keychain import Handover, KeyChain, sign_handover, verify_chain
from arbiter_app.decisionlog.vault import (
    DeviceSecret,
    LogKeyLocked,
    Sealed,
    open_sealed,
    public_of,
    seal,
)
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
    return append_many(store, [(kind, data, invoice_id)], at=at)[0]


def append_many(store: Store, items: Sequence[tuple[str, dict[str, Any], int | None]], *,
                at: int) -> list[Entry]:
    """Append entries (kind, data, invoice id) in order, with two statements for them all;
    call inside the ``store.atomic()`` block of the changes they record.

    :raises StoreError: if called outside a transaction
    """
    if not store.conn.in_transaction:
        raise StoreError("a log entry must be written in the transaction of its change")
    size, frontier = _head(store)
    made, rows = [], []
    for kind, data, invoice_id in items:
        entry = make_entry(size, kind, invoice_id, at, data)
        leaf = entry.leaf  # a property that hashes: once per append
        frontier = merkle.extend_range(frontier, size, leaf)
        rows.append((size, kind, invoice_id, at, entry.body, leaf))
        made.append(entry)
        size += 1
    store.conn.executemany("INSERT INTO log_entries (idx, kind, invoice_id, at, body, leaf) "
                           "VALUES (?, ?, ?, ?, ?, ?)", rows)
    store.conn.execute("INSERT INTO log_head (id, size, frontier) VALUES (1, ?, ?) ON CONFLICT "
                       "(id) DO UPDATE SET size = excluded.size, frontier = excluded.frontier",
                       (size, b"".join(frontier)))
    return made


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


def hold_secret(store: Store, secret: DeviceSecret) -> None:
    """Keep the device's secret in memory for this open store (see :func:`private_key`)."""
    store.log_secret, store.log_key = secret, None


def forget_secret(store: Store) -> None:
    """Drop the device's secret and the opened key (a wrong device's secret, or a close)."""
    store.log_secret, store.log_key = None, None


def sealed_for(store: Store) -> tuple[str, int] | None:
    """The (address, chain id) whose device secret seals the current key; ``None`` before
    the first key or for a key an earlier version kept in clear."""
    row = _current(store)
    if row is None or row[3] is None:  # no key, or one kept in clear
        return None
    return str(row[4]), int(row[5])


def _current(store: Store) -> tuple[Any, ...] | None:
    row: tuple[Any, ...] | None = store.conn.execute(
        "SELECT public, private, salt, sealed, sealed_by, sealed_chain_id FROM log_keys "
        "WHERE retired_at IS NULL ORDER BY rowid DESC LIMIT 1").fetchone()
    return row


def private_key(store: Store, *, now: int = 0) -> Ed25519PrivateKey:
    """The current log key, opened with the device's secret held for this store: created
    (and sealed) on first use; a key an earlier version kept in clear is sealed now.

    :raises LogKeyLocked: no device secret is held (unlock it first)
    :raises ForeignLogKey: the secret is another device's or account's
    """
    if store.log_key is not None:
        return store.log_key
    secret = store.log_secret
    if secret is None:
        raise LogKeyLocked("the decision-log key is locked: it opens only with a signature "
                           "from your signer (connect your Ledger and try again)")
    with store.atomic():  # the writer decides, so two first uses never make two keys
        row = _current(store)
        if row is None:
            key = Ed25519PrivateKey.generate()
            _insert_key(store, key, secret, now)
    if row is not None and row[3] is None:  # kept in clear by an earlier version
        key = Ed25519PrivateKey.from_private_bytes(bytes(row[1]))
        _seal_clear_key(store, key, secret)
    elif row is not None:
        sealed = Sealed(bytes(row[2]), bytes(row[3]), str(row[4]), int(row[5]))
        key = open_sealed(sealed, bytes(row[0]), secret)
    store.log_key = key
    return key


def _insert_key(store: Store, key: Ed25519PrivateKey, secret: DeviceSecret, now: int,
                attestation: Attestation | None = None, handover: Handover | None = None
                ) -> None:
    sealed = seal(key, secret)
    store.conn.execute(
        "INSERT INTO log_keys (public, private, created_at, attestation, sealed, salt, "
        "sealed_by, sealed_chain_id, handover) VALUES (?, X'', ?, ?, ?, ?, ?, ?, ?)",
        (public_of(key), now, None if attestation is None else json.dumps(attestation.to_json()),
         sealed.box, sealed.salt, sealed.address, sealed.chain_id,
         None if handover is None else json.dumps(handover.to_json())))


def _seal_clear_key(store: Store, key: Ed25519PrivateKey, secret: DeviceSecret) -> None:
    """Seal a key kept in clear by an earlier version and wipe the clear copy: SQLite's
    ``secure_delete`` zeroes the freed bytes, and a truncating WAL checkpoint drops the
    old page's copy from the write-ahead log (a backup made before keeps it: rotate)."""
    sealed = seal(key, secret)
    store.db.conn.execute("PRAGMA secure_delete = ON")
    with store.atomic():
        store.conn.execute("UPDATE log_keys SET private = X'', sealed = ?, salt = ?, "
                           "sealed_by = ?, sealed_chain_id = ? WHERE public = ?",
                           (sealed.box, sealed.salt, sealed.address, sealed.chain_id,
                            public_of(key)))
    store.db.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")


def signing_key(store: Store, public: bytes) -> Ed25519PrivateKey:
    """The key of ``public``, current or retired, opened with the held device secret: what
    re-signs a view under a checkpoint signed before a rotation (a receipt's case bundle).

    :raises LogKeyLocked, ForeignLogKey: as :func:`private_key`
    :raises StoreError: no such key in this store
    """
    current = private_key(store)
    if public_of(current) == public:
        return current
    row = store.conn.execute("SELECT salt, sealed, sealed_by, sealed_chain_id FROM log_keys "
                             "WHERE public = ? AND sealed IS NOT NULL", (public,)).fetchone()
    if row is None or store.log_secret is None:
        raise StoreError(f"the log key {public.hex()[:16]}… is not in this store")
    sealed = Sealed(bytes(row[0]), bytes(row[1]), str(row[2]), int(row[3]))
    return open_sealed(sealed, public, store.log_secret)


def public_key(store: Store) -> bytes | None:
    """The current log key's 32-byte Ed25519 public key (``None`` before the first key)."""
    row = _current(store)
    return None if row is None else bytes(row[0])


def checkpoint(store: Store, *, now: int) -> Checkpoint:
    """Sign and keep a checkpoint of the current head (or return the one already at this size)."""
    key = private_key(store, now=now)
    with store.atomic():
        return _sign_head(store, key, now)


def _sign_head(store: Store, key: Ed25519PrivateKey, now: int) -> Checkpoint:
    size, root = head(store)
    existing = latest_checkpoint(store)
    if existing is not None and existing.size == size:
        return existing
    cp = sign_checkpoint(key, size, root, now)
    store.conn.execute("INSERT INTO log_checkpoints (size, root, at, key, signature) "
                       "VALUES (?, ?, ?, ?, ?)", (cp.size, cp.root, cp.at, cp.key, cp.signature))
    return cp


def rotate(store: Store, new: Ed25519PrivateKey, attestation: Attestation | None, *,
           now: int) -> Handover:
    """Hand the log over from the current key to ``new``, in one transaction: the old key
    signs the handover, which is logged; ``new`` is sealed with the same device secret,
    becomes the current key and signs the first checkpoint over the handover.

    :param attestation: the device's binding of ``new`` to the arbiter's address
    :raises LogKeyLocked, ForeignLogKey: as :func:`private_key`
    """
    old = private_key(store, now=now)
    secret = store.log_secret
    assert secret is not None  # private_key opened the old key with it
    with store.atomic():
        handover = sign_handover(old, public_of(new), head(store)[0] + 1, now, attestation)
        append(store, "log-key-rotated", handover.to_json(), at=now)
        store.conn.execute("UPDATE log_keys SET retired_at = ? WHERE public = ?",
                           (now, public_of(old)))
        _insert_key(store, new, secret, now, attestation, handover)
        _sign_head(store, new, now)
    store.log_key = new
    return handover


def handovers(store: Store) -> list[Handover]:
    """Every key handover, oldest first."""
    rows = store.conn.execute("SELECT handover FROM log_keys WHERE handover IS NOT NULL "
                              "ORDER BY rowid").fetchall()
    return [Handover.from_json(json.loads(r[0])) for r in rows]


def key_chain(store: Store) -> KeyChain | None:
    """The store's keys with the sizes each signed (``None`` before the first key).

    :raises VerificationError: if a stored handover does not verify
    """
    current = public_key(store)
    return None if current is None else verify_chain(handovers(store), current)


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
                   attestation(store), [old for old in checkpoints(store) if old.size < cp.size],
                   handovers(store))


def attestation(store: Store, key: bytes | None = None) -> Attestation | None:
    """The stored binding of the current log key (or of ``key``) to the arbiter's address."""
    if key is not None:
        row = store.conn.execute("SELECT attestation FROM log_keys WHERE public = ?",
                                 (key,)).fetchone()
    else:
        row = store.conn.execute("SELECT attestation FROM log_keys WHERE retired_at IS NULL "
                                 "ORDER BY rowid DESC LIMIT 1").fetchone()
    if row is None or row[0] is None:
        return None
    return Attestation.from_json(json.loads(row[0]))


def verify_log(store: Store) -> int:
    """Full audit of the stored log (see :func:`decisionlog.audit.verify_rows`); returns its size.

    :raises VerificationError: naming the first problem found
    """
    size, root = head(store)
    rows = store.conn.execute("SELECT idx, body, leaf FROM log_entries ORDER BY idx")
    return audit.verify_rows(rows, size, root, checkpoints(store), key_chain(store))
