"""Transactions and prompts the wallet integration tests share."""

from __future__ import annotations

from typing import Any

from arbiter_app import config

ESCROW = "ST1PQHQKV0RJXZFY1DGX8MNSNYVE3VGZJSRTPGZGM.escrow-secure"
TOKEN = "ST1PQHQKV0RJXZFY1DGX8MNSNYVE3VGZJSRTPGZGM.sbtc-token"


class RecordingPrompt:
    """A DevicePrompt that remembers what it was told, in order (a confirm by the device's
    own words); it cancels once :attr:`cancel_after_stall` and the device went silent."""

    def __init__(self, cancel_after_stall: bool = False) -> None:
        self.events: list[tuple[Any, ...]] = []
        self.cancel_after_stall = cancel_after_stall
        self.cancelled = False

    def confirm(self, request: Any) -> None:
        self.events.append(("confirm", request.device))

    def step(self, index: int, total: int) -> None:
        self.events.append(("step", index, total))

    def stalled(self, message: str) -> None:
        self.events.append(("stalled", message))
        self.cancelled = self.cancel_after_stall

    def finished(self) -> None:
        self.events.append(("finished",))


def resolve_dispute(public_key: bytes, arbiter: str, nonce: int = 7, fee: int = 3000) -> Any:
    """An unsigned ruling (a refund) of a disputed invoice, built by the escrow bindings."""
    from arbiter_app.case.models import Award, Invoice, InvoiceStatus
    from arbiter_app.stacks import escrow

    invoice = Invoice(
        id=42,
        payer="ST2CY5V39NHDPWSXMW9QDT3HC3GD6Q6XX4CFRK9AG",
        payee="ST2JHG361ZXG51QTKY2NQCVBPPRRE2KZB1HR05NNC",
        amount=150_000_000,
        token=TOKEN,
        arbiter=arbiter,
        deadline=500,
        status=InvoiceStatus.DISPUTED,
    )
    return escrow.resolve_dispute_call(
        config.DEVNET, ESCROW, invoice, Award(0, invoice.amount), bytes(range(32)),
        bytes(range(32, 64)), public_key, nonce, fee
    )


def large_call(public_key: bytes, size: int = 1200) -> Any:
    """A contract call whose serialization needs several 250-byte APDU chunks."""
    from arbiter_app.stacks import clarity, transaction

    args = [clarity.UInt(1), clarity.Buffer(bytes(i % 251 for i in range(size)))]
    return transaction.make_contract_call(
        config.DEVNET, ESCROW, "submit-evidence", args, public_key, nonce=3, fee=1000
    )
