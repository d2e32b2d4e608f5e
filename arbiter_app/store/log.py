"""The decision log: an append-only list of actions, the leaves of an RFC 6962 Merkle tree.

:func:`append` must run inside the same :meth:`Store.atomic` block as the state change it
records (STYLE habit 11), so an action and its entry commit together or not at all. Each entry
is canonical JSON (sorted keys, no whitespace, UTF-8) holding its own index, kind, case, time
and data; its leaf hash is ``SHA-256(0x00 || body)``. The head keeps the tree's compact range
(one hash per set bit of the size), so an append costs O(log n); :func:`checkpoint` signs the
head with the log's Ed25519 key, and :func:`verify_log` re-derives everything (full audit).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from arbiter_app.errors import StoreError, VerificationError
from arbiter_app.store import merkle
from arbiter_app.store.checkpoint import (
    Attestation,
    Checkpoint,
    attestation_message,
    sign_checkpoint,
    verify_attestation,
    verify_checkpoint,
)

if TYPE_CHECKING:
    from arbiter_app.store.db import Store
    from arbiter_app.wallet.signer import DevicePrompt, Signer

# One kind per action of DESIGN §8 (plus the framework's reopenings and the key binding).
ENTRY_KINDS = frozenset({
    "dispute-synced", "evidence-added", "evidence-opened", "evidence-unavailable",
    "step-completed", "step-reopened", "ruling-finalized", "rationale-published",
    "transaction-signed", "transaction-broadcast", "transaction-confirmed",
    "transaction-failed", "receipt-issued", "settings-changed", "network-changed",
    "log-key-bound", "party-flagged",
})


def canonical_json(value: Any) -> bytes:
    """Canonical JSON: sorted keys, no whitespace, UTF-8 (not ASCII-escaped)."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False,
                      allow_nan=False).encode("utf-8")


@dataclass(frozen=True)
class Entry:
    """One log entry: its position, kind, case (or ``None``), time, data and exact bytes."""

    index: int
    kind: str
    invoice_id: int | None
    at: int
    data: dict[str, Any]
    body: bytes

    @property
    def leaf(self) -> bytes:
        """The entry's RFC 6962 leaf hash."""
        return merkle.leaf_hash(self.body)

    @classmethod
    def from_body(cls, body: bytes) -> Entry:
        """Parse an entry from its canonical bytes.

        :raises VerificationError: if the bytes are not a canonical entry
        """
        try:
            v = json.loads(body.decode("utf-8"))
            entry = cls(int(v["index"]), str(v["kind"]),
                        None if v["case"] is None else int(v["case"]), int(v["at"]),
                        dict(v["data"]), body)
        except (ValueError, KeyError, TypeError, AttributeError) as e:
            raise VerificationError(f"a log entry is malformed: {e!r}") from e
        if canonical_json(v) != body:
            raise VerificationError(f"log entry {entry.index} is not in canonical form")
        return entry


def make_entry(index: int, kind: str, invoice_id: int | None, at: int,
               data: dict[str, Any]) -> Entry:
    """Build an entry with its canonical bytes (no I/O)."""
    if kind not in ENTRY_KINDS:
        raise ValueError(f"unknown log entry kind {kind!r}")
    body = canonical_json({"index": index, "kind": kind, "case": invoice_id, "at": at,
                           "data": data})
    return Entry(index, kind, invoice_id, at, data, body)


def _head(store: Store) -> tuple[int, list[bytes]]:
    row = store.conn.execute("SELECT size, frontier FROM log_head WHERE id = 1").fetchone()
    if row is None:
        return 0, []
    blob = bytes(row[1])
    return int(row[0]), [blob[i:i + 32] for i in range(0, len(blob), 32)]


def _fold(frontier: list[bytes]) -> bytes:
    if not frontier:
        return merkle.EMPTY_ROOT
    root = frontier[-1]
    for left in reversed(frontier[:-1]):
        root = merkle.node_hash(left, root)
    return root


def append(store: Store, kind: str, data: dict[str, Any], *, invoice_id: int | None = None,
           at: int) -> Entry:
    """Append one entry; call inside the ``store.atomic()`` block of the change it records.

    :raises StoreError: if called outside a transaction
    """
    if not store.conn.in_transaction:
        raise StoreError("a log entry must be written in the transaction of its change")
    size, frontier = _head(store)
    entry = make_entry(size, kind, invoice_id, at, data)
    node, bits = entry.leaf, size
    while bits & 1:  # merge equal-sized perfect subtrees, as in a binary counter
        node, bits = merkle.node_hash(frontier.pop(), node), bits >> 1
    frontier.append(node)
    store.conn.execute("INSERT INTO log_entries (idx, kind, invoice_id, at, body, leaf) "
                       "VALUES (?, ?, ?, ?, ?, ?)",
                       (size, kind, invoice_id, at, entry.body, entry.leaf))
    store.conn.execute("INSERT INTO log_head (id, size, frontier) VALUES (1, ?, ?) ON CONFLICT "
                       "(id) DO UPDATE SET size = excluded.size, frontier = excluded.frontier",
                       (size + 1, b"".join(frontier)))
    return entry


def head(store: Store) -> tuple[int, bytes]:
    """The log's current (size, root)."""
    size, frontier = _head(store)
    return size, _fold(frontier)


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
    from cryptography.hazmat.primitives.serialization import NoEncryption, PrivateFormat

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


def bind_key(store: Store, signer: Signer, *, now: int,
             prompt: DevicePrompt | None = None) -> Attestation:
    """Bind the log key to the signer's address with one SIP-018 signature, and log it.

    :param prompt: where the user is asked to confirm the signature on the device
    :returns: the attestation (stored; an existing one for the same address is reused)
    """
    existing = attestation(store)
    public = public_key(store)
    address = signer.address()
    if existing is not None and existing.address == address:
        return existing
    domain, message = attestation_message(public, signer.network.chain_id)
    att = Attestation(address, signer.network.chain_id, public,
                      signer.sign_structured_message(domain, message, prompt))
    verify_attestation(att, public)
    with store.atomic():
        store.conn.execute("UPDATE log_keys SET attestation = ? WHERE public = ?",
                           (json.dumps(att.to_json()), public))
        append(store, "log-key-bound", {"address": address, "log_key": public.hex()}, at=now)
    return att


def attestation(store: Store) -> Attestation | None:
    """The stored binding of the log key to the arbiter's address, if any."""
    row = store.conn.execute("SELECT attestation FROM log_keys ORDER BY created_at LIMIT 1"
                             ).fetchone()
    if row is None or row[0] is None:
        return None
    return Attestation.from_json(json.loads(row[0]))


def verify_log(store: Store) -> int:
    """Full audit of the stored log; returns its size.

    Checks that every entry is canonical with its own index, that its stored leaf is its
    hash, that the head equals the root of all leaves, and that every checkpoint is correctly
    signed by the log key and equals the root of its prefix (so all are mutually consistent).

    :raises VerificationError: naming the first problem found
    """
    size, root = head(store)
    leaves = []
    rows = store.conn.execute("SELECT idx, body, leaf FROM log_entries ORDER BY idx")
    for position, (idx, body, leaf) in enumerate(rows):
        if not isinstance(body, bytes) or not isinstance(leaf, bytes):
            raise VerificationError(f"log entry {position} is damaged (not stored as bytes)")
        entry = Entry.from_body(body)
        if idx != position or entry.index != position:
            raise VerificationError(f"log entry {position} is missing or out of place")
        if merkle.leaf_hash(bytes(body)) != bytes(leaf):
            raise VerificationError(f"log entry {position} does not match its leaf hash")
        leaves.append(bytes(leaf))
    full = merkle.Tree(leaves)
    if full.size != size or full.root() != root:
        raise VerificationError("the log head does not match its entries")
    key = public_key(store) if size or checkpoints(store) else None
    for cp in checkpoints(store):
        verify_checkpoint(cp, key)
        if cp.size > size or full.prefix_root(cp.size) != cp.root:
            raise VerificationError(f"the checkpoint of size {cp.size} is not a prefix of the log")
    return size
