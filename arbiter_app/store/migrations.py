"""The case store's schema as an ordered set of named migrations, keyed on ``PRAGMA user_version``.

A migration is a decorated function; its position in :data:`MIGRATIONS` is the schema version
it produces. Each runs in one transaction together with the ``user_version`` bump, so a crash
leaves the old version or the new one, never half. Never edit a released migration: add a new
one, and keep a database file of each released version under ``tests/data/store/`` for the
upgrade test.

Why not ``sqlite_utils.Migrations`` (sqlite-utils 4): it records applied migrations by name
in a ``_sqlite_migrations`` table, while every released store records its version in
``PRAGMA user_version``; adopting it would add that table to existing files (a schema change)
and need a bridge from the pragma. It also ignores names it does not know instead of refusing
a file written by a newer app, which :meth:`Migrations.apply` must do before touching it. The
store does use sqlite-utils where it fits: table upserts and nested transactions.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

import sqlite_utils

from arbiter_app.errors import StoreError


class Store(Protocol):
    """The store as a migration sees it: :class:`arbiter_app.store.db.Store`, which imports
    this module to migrate itself, so it is named here by what a step touches."""

    path: Path
    db: sqlite_utils.Database

    @property
    def conn(self) -> sqlite3.Connection:
        """The connection of this thread (the writer's inside :meth:`atomic`)."""

    def atomic(self) -> AbstractContextManager[sqlite_utils.Database]:
        """One write transaction."""


Step = Callable[[Store], None]


@dataclass
class Migrations:
    """An ordered list of ``(name, function)``; version N means the first N have run."""

    steps: list[tuple[str, Step]] = field(default_factory=list)

    def __call__(self, name: str) -> Callable[[Step], Step]:
        """Decorator adding a migration named ``name`` after the existing ones."""
        def register(fn: Step) -> Step:
            self.steps.append((name, fn))
            return fn
        return register

    @property
    def latest(self) -> int:
        """The schema version after every migration."""
        return len(self.steps)

    def version(self, store: Store) -> int:
        """The store's current schema version."""
        return int(store.conn.execute("PRAGMA user_version").fetchone()[0])

    def apply(self, store: Store, upto: int | None = None) -> list[str]:
        """Run the pending migrations in order; return their names.

        :raises StoreError: if the file is newer than this app
        """
        current, target = self.version(store), self.latest if upto is None else upto
        if current > self.latest:
            raise StoreError(f"the case store {store.path} has schema version {current}, newer "
                             f"than this app's {self.latest}; use a newer Arbiter Desk")
        done = []
        for number in range(current + 1, target + 1):
            name, fn = self.steps[number - 1]
            with store.atomic():
                fn(store)
                store.conn.execute(f"PRAGMA user_version = {number}")
            done.append(name)
        return done


MIGRATIONS = Migrations()


@MIGRATIONS("create the case tables and the decision log")
def _v1_tables(store: Store) -> None:
    _run_script(store, _V1)


@MIGRATIONS("add full-text search over rationales and evidence titles")
def _v2_search(store: Store) -> None:
    _run_script(store, _V2)


def _run_script(store: Store, script: str) -> None:
    """Run ``script`` statement by statement inside the current transaction.

    ``executescript`` would commit first, splitting the migration from its version bump.
    """
    statement = ""
    for line in script.splitlines(keepends=True):
        statement += line
        if sqlite3.complete_statement(statement):
            store.conn.execute(statement)
            statement = ""
    if statement.strip():
        store.conn.execute(statement)


_V1 = """
CREATE TABLE invoices (
  id INTEGER PRIMARY KEY, payer TEXT NOT NULL, payee TEXT NOT NULL, amount INTEGER NOT NULL,
  token TEXT NOT NULL, arbiter TEXT NOT NULL, deadline INTEGER NOT NULL,
  status INTEGER NOT NULL, metadata_hash TEXT, deposit INTEGER NOT NULL DEFAULT 0,
  terms TEXT NOT NULL, synced_at INTEGER NOT NULL);
CREATE INDEX invoices_payer ON invoices(payer);
CREATE INDEX invoices_payee ON invoices(payee);
CREATE TABLE parties (
  address TEXT PRIMARY KEY, suspicious INTEGER NOT NULL DEFAULT 0, note TEXT NOT NULL DEFAULT '');
CREATE TABLE disputes (
  invoice_id INTEGER PRIMARY KEY REFERENCES invoices(id), raised_by TEXT NOT NULL,
  reason_cid TEXT NOT NULL, raised_height INTEGER NOT NULL, raised_time INTEGER NOT NULL);
CREATE TABLE evidence (
  invoice_id INTEGER NOT NULL REFERENCES disputes(invoice_id), idx INTEGER NOT NULL,
  party TEXT NOT NULL, submitter TEXT NOT NULL, manifest_cid TEXT NOT NULL,
  height INTEGER NOT NULL, title TEXT NOT NULL, files TEXT NOT NULL, state TEXT NOT NULL,
  reason TEXT NOT NULL, late INTEGER NOT NULL, opened_at INTEGER,
  PRIMARY KEY (invoice_id, idx));
CREATE TABLE steps (
  invoice_id INTEGER NOT NULL REFERENCES disputes(invoice_id), step INTEGER NOT NULL,
  completed_at INTEGER NOT NULL, note TEXT NOT NULL, PRIMARY KEY (invoice_id, step));
CREATE TABLE drafts (
  invoice_id INTEGER PRIMARY KEY REFERENCES disputes(invoice_id), text TEXT NOT NULL,
  decision TEXT, cited TEXT NOT NULL, updated_at INTEGER NOT NULL);
CREATE TABLE log_entries (
  idx INTEGER PRIMARY KEY, kind TEXT NOT NULL, invoice_id INTEGER, at INTEGER NOT NULL,
  body BLOB NOT NULL, leaf BLOB NOT NULL);
CREATE INDEX log_entries_case ON log_entries(invoice_id);
CREATE TABLE log_head (
  id INTEGER PRIMARY KEY CHECK (id = 1), size INTEGER NOT NULL, frontier BLOB NOT NULL);
CREATE TABLE log_keys (
  public BLOB PRIMARY KEY, private BLOB NOT NULL, created_at INTEGER NOT NULL,
  attestation TEXT);
CREATE TABLE log_checkpoints (
  size INTEGER PRIMARY KEY, root BLOB NOT NULL, at INTEGER NOT NULL,
  key BLOB NOT NULL REFERENCES log_keys(public), signature BLOB NOT NULL);
CREATE TABLE rulings (
  invoice_id INTEGER PRIMARY KEY REFERENCES disputes(invoice_id), decision TEXT NOT NULL,
  rationale TEXT NOT NULL, cited TEXT NOT NULL, confirmations TEXT NOT NULL,
  finalized_at INTEGER NOT NULL, rationale_hash TEXT, rationale_cid TEXT,
  log_index INTEGER NOT NULL REFERENCES log_entries(idx));
CREATE TABLE transactions (
  txid TEXT PRIMARY KEY, invoice_id INTEGER NOT NULL REFERENCES rulings(invoice_id),
  raw_hex TEXT NOT NULL, history TEXT NOT NULL, block_height INTEGER);
CREATE TABLE receipts (
  invoice_id INTEGER PRIMARY KEY REFERENCES rulings(invoice_id), document TEXT NOT NULL,
  issued_at INTEGER NOT NULL);
CREATE TABLE settings (key TEXT PRIMARY KEY, value TEXT NOT NULL)
"""

# FTS5 tables kept in step by triggers, so search never needs a rebuild. Rulings use an
# external-content table keyed on the invoice id; evidence keeps its own (id, index) columns
# because its implicit rowid may change on VACUUM.
_V2 = """
CREATE VIRTUAL TABLE rulings_fts USING fts5(
  rationale, content='rulings', content_rowid='invoice_id');
INSERT INTO rulings_fts(rowid, rationale) SELECT invoice_id, rationale FROM rulings;
CREATE TRIGGER rulings_ai AFTER INSERT ON rulings BEGIN
  INSERT INTO rulings_fts(rowid, rationale) VALUES (new.invoice_id, new.rationale); END;
CREATE TRIGGER rulings_ad AFTER DELETE ON rulings BEGIN
  INSERT INTO rulings_fts(rulings_fts, rowid, rationale)
  VALUES ('delete', old.invoice_id, old.rationale); END;
CREATE TRIGGER rulings_au AFTER UPDATE ON rulings BEGIN
  INSERT INTO rulings_fts(rulings_fts, rowid, rationale)
  VALUES ('delete', old.invoice_id, old.rationale);
  INSERT INTO rulings_fts(rowid, rationale) VALUES (new.invoice_id, new.rationale); END;
CREATE VIRTUAL TABLE evidence_fts USING fts5(title, invoice_id UNINDEXED, idx UNINDEXED);
INSERT INTO evidence_fts(title, invoice_id, idx) SELECT title, invoice_id, idx FROM evidence;
CREATE TRIGGER evidence_ai AFTER INSERT ON evidence BEGIN
  INSERT INTO evidence_fts(title, invoice_id, idx) VALUES (new.title, new.invoice_id, new.idx); END;
CREATE TRIGGER evidence_ad AFTER DELETE ON evidence BEGIN
  DELETE FROM evidence_fts WHERE invoice_id = old.invoice_id AND idx = old.idx; END;
CREATE TRIGGER evidence_au AFTER UPDATE OF title ON evidence BEGIN
  UPDATE evidence_fts SET title = new.title
  WHERE invoice_id = old.invoice_id AND idx = old.idx; END;
"""


@MIGRATIONS("keep the escrow contract's governance events")
def _v3_governance(store: Store) -> None:
    _run_script(store, _V3)


# One row per governance print of the contract (pause proposed/approved, unpaused, token
# whitelisted/removed, admins set), keyed like every contract event by (txid, event index).
_V3 = """
CREATE TABLE governance_events (
  txid TEXT NOT NULL, event_index INTEGER NOT NULL, name TEXT NOT NULL, fields TEXT NOT NULL,
  block_height INTEGER NOT NULL, block_time INTEGER NOT NULL, sender TEXT NOT NULL,
  PRIMARY KEY (txid, event_index))
"""


@MIGRATIONS("keep the block time of each evidence submission")
def _v4_evidence_time(store: Store) -> None:
    # 0 for items stored before: their time was never read
    _run_script(store, "ALTER TABLE evidence ADD COLUMN submitted_time INTEGER NOT NULL DEFAULT 0")


@MIGRATIONS("index every invoice of the escrow contract by party")
def _v5_party_index(store: Store) -> None:
    _run_script(store, _V5)


# One row per invoice of the contract (every arbiter, every status), as its events tell it;
# the block of the last status change is known only where its transaction was read. The
# review flags and the conflict declaration search it. The sync marker is forgotten so
# the next sync pages every event once and fills the index from the contract's start.
_V5 = """
CREATE TABLE contract_invoices (
  contract TEXT NOT NULL, id INTEGER NOT NULL, payer TEXT NOT NULL, payee TEXT NOT NULL,
  arbiter TEXT NOT NULL, amount INTEGER NOT NULL, token TEXT NOT NULL, status INTEGER NOT NULL,
  created_height INTEGER NOT NULL, created_time INTEGER NOT NULL,
  updated_height INTEGER, updated_time INTEGER, PRIMARY KEY (contract, id));
CREATE INDEX contract_invoices_payer ON contract_invoices(contract, payer, created_height);
CREATE INDEX contract_invoices_payee ON contract_invoices(contract, payee);
CREATE INDEX contract_invoices_arbiter ON contract_invoices(contract, arbiter);
DELETE FROM settings WHERE key LIKE 'sync.last-event:%'
"""


@MIGRATIONS("keep where each published document is pinned and how it was read back")
def _v6_publications(store: Store) -> None:
    _run_script(store, _V6)


# One row per (document CID, pinning target): the case and kind of document, the target's
# endpoint, its state (pinned, or queued for retry), the service's request id, when it
# was pinned, when and through what it was read back, the last problem in words, and the
# document's bytes, so a publication queued for retry never depends on anything else kept.
_V6 = """
CREATE TABLE publications (
  cid TEXT NOT NULL, target TEXT NOT NULL, invoice_id INTEGER NOT NULL, document TEXT NOT NULL,
  data BLOB NOT NULL,
  endpoint TEXT NOT NULL, state TEXT NOT NULL, request_id TEXT NOT NULL DEFAULT '',
  pinned_at INTEGER, verified_at INTEGER, verified_via TEXT NOT NULL DEFAULT '',
  detail TEXT NOT NULL DEFAULT '', updated_at INTEGER NOT NULL,
  PRIMARY KEY (cid, target));
CREATE INDEX publications_case ON publications (invoice_id)
"""


@MIGRATIONS("keep failed ruling transactions when step 5 is reopened")
def _v7_attempts(store: Store) -> None:
    # A ruling may have several attempts; a failed one outlives its ruling when
    # step 5 is reopened, so transactions belong to the dispute, not to the ruling.
    _run_script(store, _V7)


_V7 = """
CREATE TABLE transactions_v7 (
  txid TEXT PRIMARY KEY, invoice_id INTEGER NOT NULL REFERENCES disputes(invoice_id),
  raw_hex TEXT NOT NULL, history TEXT NOT NULL, block_height INTEGER);
INSERT INTO transactions_v7 SELECT txid, invoice_id, raw_hex, history, block_height
  FROM transactions ORDER BY rowid;
DROP TABLE transactions;
ALTER TABLE transactions_v7 RENAME TO transactions;
CREATE INDEX transactions_case ON transactions(invoice_id);
"""


@MIGRATIONS("index the party index by token and status")
def _v8_held_in_escrow(store: Store) -> None:
    # step 3 sums what the escrow holds in a token: a covering index, not a scan of every row
    _run_script(store, "CREATE INDEX contract_invoices_held ON contract_invoices("
                       "contract, token, status, amount)")


@MIGRATIONS("keep the arbiter's step-4 notes with the case")
def _v9_notes(store: Store) -> None:
    _run_script(store, "CREATE TABLE case_notes (invoice_id INTEGER PRIMARY KEY REFERENCES "
                       "disputes(invoice_id), text TEXT NOT NULL, updated_at INTEGER NOT NULL)")


@MIGRATIONS("index the queue's order and the last sync time")
def _v10_queue_indexes(store: Store) -> None:
    _run_script(store, _V10)


# The window opens on the oldest disputes first (its SLA order) and reads when a sync last
# wrote an invoice: with 10,000 cases, each was a sort or a scan of the whole table.
_V10 = """
CREATE INDEX disputes_raised ON disputes (raised_time, invoice_id);
CREATE INDEX invoices_synced ON invoices (synced_at)
"""


@MIGRATIONS("add the payee's share of a split ruling (escrow v2)")
def _v11_split_rulings(store: Store) -> None:
    store.conn.execute("ALTER TABLE rulings ADD COLUMN payee_amount INTEGER")


@MIGRATIONS("keep the transaction that submitted each evidence item")
def _v12_evidence_txid(store: Store) -> None:
    # empty for items stored before: the case bundle's evidence report says it is not known
    _run_script(store, "ALTER TABLE evidence ADD COLUMN submit_txid TEXT NOT NULL DEFAULT ''")


@MIGRATIONS("seal the decision-log key and keep its rotations")
def _v13_sealed_log_key(store: Store) -> None:
    # A migration cannot ask the device for the secret that seals a key, so a key kept in
    # clear stays so until the next unlock of the log key, which seals it and empties
    # ``private`` (docs/log-key.md). The column keeps its NOT NULL: relaxing it means
    # rebuilding the table, whose rename would rewrite log_checkpoints' reference to it
    # differently with foreign keys on and off; an empty blob says "sealed" instead.
    _run_script(store, _V13)


# Per key: ``sealed`` (nonce and AES-GCM ciphertext) with the HKDF ``salt``, for the account
# and chain id whose device signature seals it; ``retired_at`` once rotated away;
# ``handover``, the previous key's signed handover to this one (JSON). The current key is
# the one not retired.
_V13 = """
ALTER TABLE log_keys ADD COLUMN sealed BLOB;
ALTER TABLE log_keys ADD COLUMN salt BLOB;
ALTER TABLE log_keys ADD COLUMN sealed_by TEXT;
ALTER TABLE log_keys ADD COLUMN sealed_chain_id INTEGER;
ALTER TABLE log_keys ADD COLUMN retired_at INTEGER;
ALTER TABLE log_keys ADD COLUMN handover TEXT
"""
