"""The last look at the chain before the device is asked to sign a ruling.

Between the final review and the signature the world can move: the escrow's admins pause
it, another path settles the invoice, the token leaves the whitelist, the deadline passes,
another transaction of the same key takes the nonce, or the API now serves another network.
:func:`recheck` reads every fact the ruling rests on again, immediately before the signer
is called, and compares it with the reviewed transaction and the case store. Any change
raises :class:`RulingChanged` naming each change; the device is never asked.
"""

from __future__ import annotations

from arbiter_app.case import framework
from arbiter_app.case.framework import CaseFile
from arbiter_app.case.models import Invoice, InvoiceStatus
from arbiter_app.errors import PolicyError
from arbiter_app.services.chain import ChainReader
from arbiter_app.services.session import Session


class RulingChanged(PolicyError):
    """A fact the ruling rests on changed after the review; nothing was signed."""


def recheck(session: Session, case: CaseFile, reviewed_nonce: int) -> None:
    """Read again what the ruling rests on; stop it if anything changed since the review.

    Checked: the API's network id, the invoice (still DISPUTED, same parties, amount,
    token and deadline), the arbiter is the signer, the escrow is not paused, the token is
    still whitelisted, the deadline's standing against the tip is what step 3 acknowledged,
    and the signer's next nonce (counting the mempool) is still the reviewed one.

    :param reviewed_nonce: the nonce of the transaction about to be signed, as reviewed
    :raises RulingChanged: naming every change
    :raises NetworkError: a fact could not be read (nothing is signed either)
    """
    info = session.api.get_info()
    problems = []
    want = session.network.chain_id  # /v2/info's network_id is the chain id
    if info.network_id != want:
        problems.append(f"the API now serves network id {info.network_id:#x}, not "
                        f"{session.network.name} ({want:#x})")
    signer = session.signer.address()
    reader = ChainReader(session.api, session.contract_id, signer)
    read = reader.invoice(case.invoice.id)
    if read is None:
        problems.append(f"the contract no longer knows invoice {case.invoice.id}")
    else:
        problems += _invoice_changes(case, read, signer, info.stacks_tip_height)
        if not reader.whitelisted(read.token):
            problems.append(f"the token {read.token} is no longer whitelisted")
    if reader.paused():
        problems.append("the escrow contract is now paused by its admins")
    nonce = session.api.get_nonces(signer).next_nonce
    if nonce != reviewed_nonce:
        problems.append(f"the account's next nonce is now {nonce}, not the reviewed "
                        f"{reviewed_nonce} (another transaction of this key used it, or one "
                        "left the mempool); review the rebuilt transaction")
    if problems:
        raise RulingChanged(f"the ruling of invoice {case.invoice.id} was stopped before the "
                            "Ledger was asked; nothing was signed. Since the review: "
                            + "; ".join(problems))


def _invoice_changes(case: CaseFile, read: Invoice, signer: str, tip: int) -> list[str]:
    """What differs between the invoice read now and the one the case was judged on."""
    stored = case.invoice
    problems = []
    if read.status is not InvoiceStatus.DISPUTED:
        problems.append(f"the invoice is now {read.status.name}, not DISPUTED (settled by "
                        "another transaction)")
    if read.arbiter != signer:
        problems.append(f"the invoice's arbiter is {read.arbiter}, not the signer {signer}")
    for name in ("payer", "payee", "amount", "token", "deadline"):
        if getattr(read, name) != getattr(stored, name):
            problems.append(f"its {name} is now {getattr(read, name)}, not "
                            f"{getattr(stored, name)}")
    acknowledged = framework.acknowledged_tip(case)
    if acknowledged is not None and acknowledged <= read.deadline < tip:
        problems.append(f"its deadline (block {read.deadline}) has passed since step 3 was "
                        f"acknowledged at block {acknowledged} (tip now {tip})")
    return problems
