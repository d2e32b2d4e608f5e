"""Escrow v2's way out when the arbiter is gone, seen by the app: 4320 Bitcoin blocks after a
dispute was raised either party may escalate, the deposit goes back to the payer, and the
next sync shows the case refunded and closed, though the arbiter never ruled."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from arbiter_app import config
from arbiter_app.case.models import Invoice, InvoiceStatus
from arbiter_app.devnet.launcher import Devnet
from arbiter_app.progress import run_to_end
from arbiter_app.services import queries
from arbiter_app.services.session import Session
from arbiter_app.services.sync import sync_disputes
from arbiter_app.stacks import clarity, escrow
from arbiter_app.stacks import transaction as txn
from tests.integration.services.helpers import account_signer, devnet_settings, short_session

CASE = 101
WINDOW = 4320  # Bitcoin blocks, escrow-secure's ESCALATION-WINDOW (docs/contract.md)


def role_of(devnet: Devnet, address: str) -> str:
    return next(role for role, a in devnet.accounts.items() if a == address)


def escalate(session: Session, role: str, invoice: Invoice) -> str:
    """The party's ``escalate`` call, in deny mode: the escrow sends exactly the deposit."""
    signer = account_signer(role)
    nonce = session.api.get_nonces(signer.address()).next_nonce
    guard = escrow.deposit_post_condition(session.contract_id, invoice, session.network)
    tx = txn.make_contract_call(config.DEVNET, session.contract_id, "escalate",
                                (clarity.UInt(invoice.id), clarity.principal(invoice.token)),
                                signer.public_key(), nonce, 2000, post_conditions=(guard,),
                                post_condition_mode=txn.DENY)
    signed = signer.sign_transaction(tx)
    return session.api.broadcast(txn.serialize(signed), txn.txid(signed))


def test_an_unresolved_dispute_escalates_to_a_refund_and_the_app_shows_it_closed(
        fresh_devnet: Devnet, ledger: Any, tmp_path: Path) -> None:
    with short_session(devnet_settings(fresh_devnet, tmp_path / "data", ledger.ledger)) \
            as session:
        run_to_end(sync_disputes(session))
        inv = queries.load_case(session, CASE).invoice
        payee = role_of(fresh_devnet, inv.payee)
        due = session.api.call_read_only(session.contract_id, "get-escalation-height",
                                         (clarity.UInt(CASE),), inv.arbiter)
        assert isinstance(due, clarity.Some)
        early = escalate(session, payee, inv)
        fresh_devnet.mine(1)
        assert session.api.get_transaction(early).status == "abort_by_response"
        fresh_devnet.mine(WINDOW, seconds_per_block=1)
        escalated = escalate(session, payee, inv)
        fresh_devnet.mine(1)
        assert session.api.get_transaction(escalated).confirmed
        run_to_end(sync_disputes(session))
        case = queries.load_case(session, CASE)
        assert case.invoice.status is InvoiceStatus.REFUNDED
        assert case.invoice.deposit == 0 and case.ruling is None
