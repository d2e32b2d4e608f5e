"""The party index from the contract's events (kept by the sync) and the questions the
review policy asks of it: is this a first-time payer, and which past dealings must the
conflict-of-interest declaration be made beside.

Every invoice of the escrow is indexed, whoever its arbiter, so "first-time payer" means no
earlier invoice by this payer anywhere in the contract, not only among this arbiter's cases.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from arbiter_app.case import words
from arbiter_app.case.framework import CaseFile
from arbiter_app.case.models import InvoiceStatus
from arbiter_app.errors import ResponseError
from arbiter_app.services.session import Session
from arbiter_app.stacks.escrow import EscrowEvent, status_after
from arbiter_app.store import parties
from arbiter_app.store.db import Store
from arbiter_app.store.parties import IndexedInvoice, RoleCounts, StatusChange


def index_events(store: Store, contract: str, events: Sequence[EscrowEvent]) -> None:
    """Fold a sync's events (oldest first, creations placed in their blocks) into the index.

    :raises ResponseError: an ``invoice-created`` event with missing fields or no block
    """
    created: list[IndexedInvoice] = []
    changes: list[StatusChange] = []
    for e in events:
        if e.name == "invoice-created":
            created.append(_created(e))
        elif (status := status_after(e)) is not None:
            changes.append(StatusChange(e.invoice_id, int(status), e.block_height, e.block_time))
    parties.index_invoices(store, contract, created, changes)


def _created(e: EscrowEvent) -> IndexedInvoice:
    f = e.fields
    texts = [f.get(k) for k in ("payer", "payee", "arbiter", "token-contract")]
    amount = f.get("amount")
    if (not all(isinstance(t, str) for t in texts) or not isinstance(amount, int)
            or not 0 <= amount < 2**63):
        raise ResponseError(f"the invoice-created event of invoice {e.invoice_id} lacks its "
                            "parties, token or amount", f"transaction {e.tx_id}")
    if e.block_height is None or e.block_time is None:
        raise ResponseError(f"the API cannot place the transaction {e.tx_id} that created "
                            f"invoice {e.invoice_id}", "/extended/v3/transactions")
    payer, payee, arbiter, token = (str(t) for t in texts)
    return IndexedInvoice(e.invoice_id, payer, payee, arbiter, amount, token,
                          int(InvoiceStatus.OPEN), e.block_height, e.block_time,
                          e.block_height, e.block_time)


@dataclass(frozen=True)
class FirstTime:
    """The first-time-payer question's answer and what was searched for it."""

    first_time: bool
    searched: str
    earlier: tuple[int, ...] = ()


def first_time_payer(session: Session, case: CaseFile) -> FirstTime:
    """Whether the case's payer has no invoice in the contract created before this one's.

    An invoice the index does not hold yet counts as first-time (the flag asks for review
    rather than vouch for a payer unseen).
    """
    inv, contract = case.invoice, session.contract_id
    name = contract.partition(".")[2]
    this = parties.indexed(session.store, contract, inv.id)
    if this is None:
        return FirstTime(True, f"invoice {inv.id} is not in the party index of {name} yet "
                               "(sync to fill it)")
    earlier = parties.earlier_of_payer(session.store, contract, inv.payer,
                                       this.created_height)
    where = f"before block {this.created_height} in {name}"
    if not earlier:
        return FirstTime(True, f"no invoice from this payer {where}")
    ids = tuple(i.id for i in earlier)
    return FirstTime(False, f"{len(ids)} invoice(s) from this payer {where}", ids)


@dataclass(frozen=True)
class Dealings:
    """The past dealings shown beside the step-1 declaration.

    :param searched: the arbiter's addresses searched (its own, then those in settings)
    :param invoices: every other invoice where one of them meets either party, oldest first
    """

    searched: tuple[str, ...]
    parties: tuple[str, str]
    invoices: tuple[IndexedInvoice, ...]

    @property
    def ids(self) -> list[int]:
        """The invoice ids, in the order shown."""
        return [i.id for i in self.invoices]

    def role_of(self, invoice: IndexedInvoice) -> str:
        """Where the arbiter's addresses appear in ``invoice`` ("arbiter", "payer", ...)."""
        roles = [r for r, a in (("arbiter", invoice.arbiter), ("payer", invoice.payer),
                                ("payee", invoice.payee)) if a in self.searched]
        return "/".join(roles)

    def line(self, invoice: IndexedInvoice) -> str:
        """One short line for a list: invoice, your role, the parties, amount, status, block."""
        return (f"invoice {invoice.id} · you as {self.role_of(invoice)} · payer "
                f"{_short(invoice.payer)} → payee {_short(invoice.payee)} · arbiter "
                f"{_short(invoice.arbiter)} · {words.amount(invoice.amount)} sBTC · "
                f"{InvoiceStatus(invoice.status).name} · block {invoice.created_height}")

    def summary(self) -> str:
        """The counts in words, e.g. "3 invoices: 2 as arbiter, 1 as payer, 0 as payee"."""
        c = self.counts()
        return (f"{c['total']} invoice(s): {c['as arbiter']} as arbiter, {c['as payer']} as "
                f"payer, {c['as payee']} as payee; searched {len(self.searched)} address(es)")

    def counts(self) -> dict[str, int]:
        """How many dealings there are in all and with each role of the arbiter's side."""
        out = {"total": len(self.invoices), "as arbiter": 0, "as payer": 0, "as payee": 0}
        for i in self.invoices:
            for role in self.role_of(i).split("/"):
                out[f"as {role}"] += 1
        return out


def _short(address: str) -> str:
    return f"{address[:6]}…{address[-4:]}" if len(address) > 12 else address


def past_dealings(session: Session, case: CaseFile) -> Dealings:
    """Every invoice of the contract where the arbiter (or another address of theirs named in
    the ``other_addresses`` setting) and the case's payer or payee both appear."""
    inv = case.invoice
    searched = (inv.arbiter, *(a for a in session.settings.other_addresses
                               if a != inv.arbiter))
    found = parties.dealings(session.store, session.contract_id, searched,
                             (inv.payer, inv.payee), inv.id)
    return Dealings(searched, (inv.payer, inv.payee), tuple(found))


def role_counts(session: Session, address: str) -> RoleCounts:
    """How many invoices of the contract name ``address`` as payer, payee and arbiter."""
    return parties.role_counts(session.store, session.contract_id, address)


def escrow_held(session: Session, token: str) -> int:
    """What the escrow holds in ``token`` for its funded and disputed invoices, as the party
    index knows them (step 3 compares the contract's real balance with it)."""
    return parties.held_in_escrow(session.store, session.contract_id, token,
                                  (int(InvoiceStatus.FUNDED), int(InvoiceStatus.DISPUTED)))
