"""A ruling signed on the (emulated) Ledger is judged by the devnet: the devnet decodes it
with @stacks/transactions, checks the signature and nonce, runs it in the Clarity VM and
checks its post-conditions. Passing never rests on bytes we computed ourselves."""

from __future__ import annotations

import hashlib

import httpx

from arbiter_app import config
from arbiter_app.case.models import Award, Invoice, InvoiceStatus
from arbiter_app.devnet.launcher import Devnet
from arbiter_app.wallet.ledger import LedgerSigner
from tests.fixtures.ledger import EmulatorProcess


def open_dispute_of(devnet: Devnet, arbiter: str) -> Invoice:
    """The first seeded dispute of ``arbiter`` that has no ruling yet."""
    summary = devnet.seed_summary()
    for key, dispute in sorted(summary["disputes"].items(), key=lambda kv: int(kv[0])):
        invoice = summary["invoices"][key]
        if dispute["arbiter"] == arbiter and "ruling" not in dispute:
            return Invoice(
                id=int(key),
                payer=devnet.accounts[invoice["payer"]],
                payee=devnet.accounts[invoice["payee"]],
                amount=int(invoice["amount"]),
                token=f"{devnet.accounts['deployer']}.sbtc-token",
                arbiter=devnet.accounts[arbiter],
                deadline=int(invoice["deadline"]),
                status=InvoiceStatus.DISPUTED,
            )
    raise AssertionError(f"the seed has no open dispute for {arbiter}")


def test_ledger_signed_ruling_is_accepted_and_executed(
    fresh_devnet: Devnet, ledger: EmulatorProcess
) -> None:
    from arbiter_app.stacks import escrow, transaction

    api = fresh_devnet.endpoints["stacks_api"].rstrip("/")
    signer = LedgerSigner.open(ledger.ledger, config.DEVNET, 0)
    try:
        assert signer.address() == fresh_devnet.accounts["arbiter_1"]
        invoice = open_dispute_of(fresh_devnet, "arbiter_1")
        with httpx.Client(trust_env=False, timeout=30) as http:
            nonce = http.get(f"{api}/v2/accounts/{signer.address()}?proof=0").json()["nonce"]
            unsigned = escrow.resolve_dispute_call(
                config.DEVNET,
                fresh_devnet.escrow_contract,
                invoice,
                Award(0, invoice.amount),
                hashlib.sha256(b"rationale").digest(),
                hashlib.sha256(b"log root").digest(),
                signer.public_key(),
                nonce,
                fee=5000,
            )
            signed = signer.sign_transaction(unsigned)
            answer = http.post(
                f"{api}/v2/transactions",
                content=transaction.serialize(signed),
                headers={"Content-Type": "application/octet-stream"},
            )
            assert answer.status_code == 200, answer.text
            assert answer.json().removeprefix("0x") == transaction.txid(signed)
            fresh_devnet.mine()
            status = http.get(f"{api}/extended/v3/transactions/{transaction.txid(signed)}",
                              params={"include": "result"}).json()
        assert status["status"] == "success", status
        assert status["result"]["repr"].startswith("(ok")
        (record,) = [r for r in ledger.display_log if r["kind"] == "transaction"]
        assert record["sender"] == signer.address() and record["nonce"] == nonce
    finally:
        signer.close()
