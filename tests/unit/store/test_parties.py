"""The party index: every invoice of the contract by party, answering a payer's earlier
invoices (strictly before a block), the dealings between address sets in every role and
the role counts; reading the same events twice leaves the same rows."""

from __future__ import annotations

from arbiter_app.case.models import InvoiceStatus
from arbiter_app.store import parties
from arbiter_app.store.db import Store
from arbiter_app.store.parties import IndexedInvoice, StatusChange

C = "ST1PQHQKV0RJXZFY1DGX8MNSNYVE3VGZJSRTPGZGM.escrow-secure"
OTHER = "ST1PQHQKV0RJXZFY1DGX8MNSNYVE3VGZJSRTPGZGM.escrow-other"
ME, MINE2, ARB2 = "SP-ME", "SP-ME-COLD", "SP-ARB2"
PAYER, PAYEE, STRANGER = "SP-PAYER", "SP-PAYEE", "SP-STRANGER"


def row(i: int, payer: str, payee: str, arbiter: str, height: int) -> IndexedInvoice:
    return IndexedInvoice(i, payer, payee, arbiter, 1000 * i, "SP.token", 0, height, height * 600)


def test_earlier_invoices_of_a_payer_are_strictly_before_the_block_and_in_this_contract(
        fresh_store: Store) -> None:
    parties.index_invoices(fresh_store, C, [
        row(1, PAYER, STRANGER, ARB2, 10), row(2, PAYER, PAYEE, ME, 20),
        row(3, PAYER, PAYEE, ME, 20), row(4, PAYER, PAYEE, ARB2, 30)], [])
    parties.index_invoices(fresh_store, OTHER, [row(9, PAYER, PAYEE, ME, 1)], [])
    assert [i.id for i in parties.earlier_of_payer(fresh_store, C, PAYER, 20)] == [1]
    assert parties.earlier_of_payer(fresh_store, C, PAYER, 10) == []
    assert [i.id for i in parties.earlier_of_payer(fresh_store, C, PAYER, 31)] == [4, 3, 2, 1]
    assert parties.earlier_of_payer(fresh_store, C, PAYEE, 31) == []


def test_dealings_meet_in_every_role_and_never_list_the_case_itself(fresh_store: Store) -> None:
    parties.index_invoices(fresh_store, C, [
        row(1, ME, PAYEE, ARB2, 10),          # I paid the payee
        row(2, PAYER, MINE2, ARB2, 11),       # the payer paid my other address
        row(3, STRANGER, PAYER, ME, 12),      # I arbitrated with the payer as payee
        row(4, STRANGER, ARB2, ME, 13),       # mine, but neither party
        row(5, PAYER, PAYEE, ME, 14),         # the case itself
        row(6, PAYEE, STRANGER, ARB2, 15)], [])  # the payee without me
    found = parties.dealings(fresh_store, C, [ME], [PAYER, PAYEE], exclude=5)
    assert [i.id for i in found] == [1, 3]
    found = parties.dealings(fresh_store, C, [ME, MINE2], [PAYER, PAYEE], exclude=5)
    assert [i.id for i in found] == [1, 2, 3]
    assert parties.dealings(fresh_store, C, [], [PAYER], exclude=5) == []


def test_status_changes_follow_creation_and_reindexing_the_same_events_changes_nothing(
        fresh_store: Store) -> None:
    created = [row(1, PAYER, PAYEE, ME, 10)]
    changes = [StatusChange(1, int(InvoiceStatus.FUNDED), 11, 6600),
               StatusChange(1, int(InvoiceStatus.DISPUTED), None, None)]
    for _ in range(2):
        parties.index_invoices(fresh_store, C, created, changes)
    got = parties.indexed(fresh_store, C, 1)
    assert got is not None and got.status == InvoiceStatus.DISPUTED
    assert (got.created_height, got.updated_height) == (10, None)
    assert parties.size(fresh_store, C) == 1
    assert parties.role_counts(fresh_store, C, PAYER) == parties.RoleCounts(1, 0, 0)
    assert parties.role_counts(fresh_store, C, ME) == parties.RoleCounts(0, 0, 1)
