"""The signatures a ruling asks the device for: what each is called, and what happens when
the device does not give one.

A ruling asks, in this order: the ``resolve-dispute`` transaction (named by its amount,
recipient and invoice), the unlocking of the decision-log key (once per session), the one-time
binding of that key to the arbiter's address, and the receipt. The final review lists them in
these words and each prompt names them the same way. :func:`asked` runs one signature and turns
a refusal, a timeout, a cancel or a device failure into a decision-log entry before the error
goes on.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from arbiter_app.errors import Cancelled, DeviceError, DeviceRejected, DeviceTimeout
from arbiter_app.services.session import Session
from arbiter_app.store import execution

T = TypeVar("T")
BINDING = "the binding of your decision-log key to your address (asked once)"
UNLOCK = "the unlocking of your decision-log key (asked once per session)"
NEW_BINDING = "the binding of your new decision-log key to your address"


def transaction_subject(words: str, invoice_id: int) -> str:
    """The ruling transaction: ``release 0.2 sBTC to ST…, invoice 101``."""
    return f"{words}, invoice {invoice_id}"


def receipt_subject(invoice_id: int) -> str:
    """The receipt's SIP-018 signature."""
    return f"the ruling receipt for invoice {invoice_id}"


def asked(session: Session, invoice_id: int | None, subject: str, sign: Callable[[], T]) -> T:
    """Run one signature; log it in the decision log if the device does not give it.

    :param sign: asks the signer (with ``subject``) and returns what it signed
    :raises DeviceError, Cancelled: as ``sign`` raised them, after the log entry
    """
    try:
        return sign()
    except (DeviceError, Cancelled) as error:
        outcome = ("refused" if isinstance(error, DeviceRejected)
                   else "timed out" if isinstance(error, DeviceTimeout)
                   else "cancelled" if isinstance(error, Cancelled) else "device error")
        execution.record_signature_failure(session.store, invoice_id, subject=subject,
                                           outcome=outcome, detail=str(error),
                                           now=session.now())
        raise
