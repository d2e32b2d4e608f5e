"""The party index: every invoice of the escrow contract (all arbiters, all statuses) with
its parties, amount, token, status and blocks, kept from the contract's events by the sync.

It answers the questions behind the manual-review flags and the conflict-of-interest
declaration: a payer's earlier invoices anywhere in the contract, the dealings between two
sets of addresses in any role, and how often an address appears in each role.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from arbiter_app.store.db import Store

_COLUMNS = ("id, payer, payee, arbiter, amount, token, status, created_height, created_time, "
            "updated_height, updated_time")


@dataclass(frozen=True)
class IndexedInvoice:
    """One invoice of the contract as its events tell it.

    :param status: the status code (``InvoiceStatus``) its last event left it in
    :param created_height: the block of its ``invoice-created`` transaction
    :param updated_height: the block of its last status change, when that transaction was
        read (else ``None``; the status is still the last one printed)
    """

    id: int
    payer: str
    payee: str
    arbiter: str
    amount: int
    token: str
    status: int
    created_height: int
    created_time: int
    updated_height: int | None = None
    updated_time: int | None = None


@dataclass(frozen=True)
class StatusChange:
    """A later event's status for an indexed invoice (block known or not)."""

    invoice_id: int
    status: int
    height: int | None
    time: int | None


@dataclass(frozen=True)
class RoleCounts:
    """How many invoices of the contract name an address as payer, payee and arbiter."""

    payer: int
    payee: int
    arbiter: int


def index_invoices(store: Store, contract: str, created: Sequence[IndexedInvoice],
                   changes: Sequence[StatusChange]) -> None:
    """Add the newly created invoices, then apply the status changes in order (one
    transaction). Reading the same events again leaves the same rows."""
    with store.atomic():
        store.conn.executemany(
            f"INSERT OR REPLACE INTO contract_invoices (contract, {_COLUMNS}) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [(contract, i.id, i.payer, i.payee, i.arbiter, i.amount, i.token, i.status,
              i.created_height, i.created_time, i.updated_height, i.updated_time)
             for i in created])
        store.conn.executemany(
            "UPDATE contract_invoices SET status = ?, updated_height = ?, updated_time = ? "
            "WHERE contract = ? AND id = ?",
            [(c.status, c.height, c.time, contract, c.invoice_id) for c in changes])


def indexed(store: Store, contract: str, invoice_id: int) -> IndexedInvoice | None:
    """The indexed invoice, or ``None`` when no sync has read its creation."""
    row = store.conn.execute(f"SELECT {_COLUMNS} FROM contract_invoices "
                             "WHERE contract = ? AND id = ?", (contract, invoice_id)).fetchone()
    return None if row is None else IndexedInvoice(*row)


def earlier_of_payer(store: Store, contract: str, payer: str, before_height: int,
                     limit: int = 100) -> list[IndexedInvoice]:
    """The payer's invoices created strictly before block ``before_height``, newest first."""
    rows = store.conn.execute(
        f"SELECT {_COLUMNS} FROM contract_invoices WHERE contract = ? AND payer = ? "
        "AND created_height < ? ORDER BY created_height DESC, id DESC LIMIT ?",
        (contract, payer, before_height, limit))
    return [IndexedInvoice(*r) for r in rows]


def dealings(store: Store, contract: str, mine: Sequence[str], parties: Sequence[str],
             exclude: int) -> list[IndexedInvoice]:
    """Every invoice but ``exclude`` where an address of ``mine`` and one of ``parties`` both
    appear, each in any role (arbiter, payer or payee); oldest first."""
    a, p = sorted(set(mine)), sorted(set(parties))
    if not a or not p:
        return []
    ma, mp = ",".join("?" * len(a)), ",".join("?" * len(p))
    sql = (f"SELECT {_COLUMNS} FROM ("
           f"SELECT * FROM contract_invoices WHERE contract = ? AND payer IN ({ma}) UNION "
           f"SELECT * FROM contract_invoices WHERE contract = ? AND payee IN ({ma}) UNION "
           f"SELECT * FROM contract_invoices WHERE contract = ? AND arbiter IN ({ma})) "
           f"WHERE id != ? AND (payer IN ({mp}) OR payee IN ({mp}) OR arbiter IN ({mp})) "
           "ORDER BY created_height, id")
    args = (contract, *a, contract, *a, contract, *a, exclude, *p, *p, *p)
    return [IndexedInvoice(*r) for r in store.conn.execute(sql, args)]


def role_counts(store: Store, contract: str, address: str) -> RoleCounts:
    """How many of the contract's invoices name ``address`` in each role."""
    def count(column: str) -> int:
        return int(store.conn.execute(
            f"SELECT count(*) FROM contract_invoices WHERE contract = ? AND {column} = ?",
            (contract, address)).fetchone()[0])
    return RoleCounts(count("payer"), count("payee"), count("arbiter"))


def held_in_escrow(store: Store, contract: str, token: str, statuses: Sequence[int]) -> int:
    """The sum of the amounts of ``token`` invoices in one of ``statuses``."""
    marks = ",".join("?" * len(statuses))
    row = store.conn.execute(
        f"SELECT coalesce(sum(amount), 0) FROM contract_invoices WHERE contract = ? AND "
        f"token = ? AND status IN ({marks})", (contract, token, *statuses)).fetchone()
    return int(row[0])


def size(store: Store, contract: str) -> int:
    """How many invoices of ``contract`` the index holds."""
    return int(store.conn.execute("SELECT count(*) FROM contract_invoices WHERE contract = ?",
                                  (contract,)).fetchone()[0])
