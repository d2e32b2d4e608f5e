"""The escrow contract's governance history in the case store: its admins, each 2-of-3
action's proposal and approvals, and what carried actions did (pause, unpause, token-whitelist
changes, admin replacements), as read from the contract's events.

:func:`record_governance` stores new events (each logged as ``governance-event`` in the same
transaction); :func:`governance_state` answers what they add up to — the admins, whether the
contract is paused, and the whole history, oldest first — for the queue, the case view and
a fuller governance view.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from arbiter_app.decisionlog.entry import Entry
from arbiter_app.store import log
from arbiter_app.store.execution import change_setting

if TYPE_CHECKING:
    from arbiter_app.store.db import Store


@dataclass(frozen=True)
class GovernanceRecord:
    """One stored governance event.

    :param name: ``admins-set``, ``pause-proposed``, ``action-proposed``, ``pause-approved``,
        ``action-approved``, ``paused``, ``unpaused``, ``token-whitelisted``,
        ``token-removed`` or ``admin-replaced``
    :param fields: the event's other fields (principals as text, e.g. ``admin``, ``token``)
    :param sender: the address that sent the transaction (who acted)
    """

    txid: str
    event_index: int
    name: str
    fields: dict[str, Any]
    block_height: int
    block_time: int
    sender: str


@dataclass(frozen=True)
class GovernanceState:
    """What the stored governance events add up to.

    :param admins: the admins as ``admins-set`` and ``admin-replaced`` left them (empty if
        never seen)
    :param paused: whether the last pause change paused the contract; ``None`` if none seen
    :param paused_until: the Bitcoin block height a pause lapses at by itself, while paused
    :param history: every event, oldest first
    """

    admins: tuple[str, ...]
    paused: bool | None
    paused_until: int | None
    history: tuple[GovernanceRecord, ...]


def record_governance(store: Store, records: Sequence[GovernanceRecord], *, now: int) -> int:
    """Store the records not stored yet, each with its decision-log entry; one transaction.

    :returns: how many were new
    """
    new = 0
    with store.atomic():
        for r in records:
            cur = store.conn.execute(
                "INSERT OR IGNORE INTO governance_events VALUES (?, ?, ?, ?, ?, ?, ?)",
                (r.txid, r.event_index, r.name, json.dumps(r.fields, sort_keys=True),
                 r.block_height, r.block_time, r.sender))
            if cur.rowcount:
                new += 1
                log.append(store, "governance-event", {
                    "event": r.name, "txid": r.txid, "event_index": r.event_index,
                    "fields": r.fields, "block_height": r.block_height,
                    "block_time": r.block_time, "sender": r.sender}, at=now)
    return new


def governance_state(store: Store) -> GovernanceState:
    """The contract's admins, pause state and governance history, from the stored events."""
    rows = store.conn.execute(
        "SELECT txid, event_index, name, fields, block_height, block_time, sender "
        "FROM governance_events ORDER BY block_height, txid, event_index").fetchall()
    history = tuple(GovernanceRecord(r[0], r[1], r[2], json.loads(r[3]), r[4], r[5], r[6])
                    for r in rows)
    admins: tuple[str, ...] = ()
    paused: bool | None = None
    until: int | None = None
    for r in history:
        if r.name in ("admins-set", "admin-replaced"):
            admins = tuple(str(a) for a in r.fields.get("admins", ()))
        elif r.name == "paused":
            paused, until = True, int(r.fields.get("paused-until", 0))
        elif r.name == "unpaused":
            paused, until = False, None
    return GovernanceState(admins, paused, until, history)


SEEN_KEY = "governance.events-before-last-sync"


def mark_sync_start(store: Store, *, now: int) -> None:
    """Remember how many governance events were stored before this sync (a logged setting,
    written only when it changes), so :func:`logged_by_last_sync` can tell the sync's own."""
    count = store.conn.execute(
        "SELECT count(*) FROM log_entries WHERE kind = 'governance-event'").fetchone()[0]
    change_setting(store, SEEN_KEY, str(count), now=now)


def logged_by_last_sync(store: Store) -> set[tuple[str, int]]:
    """The governance events (txid, event index) the most recent sync brought in: those
    logged after the count :func:`mark_sync_start` saved."""
    row = store.conn.execute("SELECT value FROM settings WHERE key = ?", (SEEN_KEY,)).fetchone()
    before = int(row[0]) if row is not None and str(row[0]).isdigit() else 0
    found = set()
    for (body,) in store.conn.execute(
            "SELECT body FROM log_entries WHERE kind = 'governance-event' ORDER BY idx "
            "LIMIT -1 OFFSET ?", (before,)):
        data = Entry.from_body(bytes(body)).data
        found.add((str(data["txid"]), int(data["event_index"])))
    return found
