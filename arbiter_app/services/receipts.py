"""The receipt room: bind the decision-log key to the arbiter, issue (and re-issue) the
signed ruling receipt, verify a receipt against the chain, and show or print its facts.

The log key is unlocked by the signer once per session (:mod:`.logkey`) and bound once to the
arbiter's Stacks address by one SIP-018 signature on the signer, so exports and receipts can be
tied to the arbiter offline. A receipt is built under a fresh signed checkpoint, signed by the
arbiter (SIP-018), verified before it is kept, logged as ``receipt-issued``, then published
(pinned and read back; queued for retry on failure). Issuing again replaces the kept receipt
with a new one under a newer checkpoint; both verify. The PDF is drawn by
:mod:`arbiter_app.records.pdf`, which loads Qt only when it draws.
"""

from __future__ import annotations

import hashlib
import logging
from pathlib import Path

from arbiter_app.decisionlog.checkpoint import (
    Attestation,
    attestation_message,
    verify_attestation,
)
from arbiter_app.decisionlog.vault import public_of
from arbiter_app.errors import NetworkError, PolicyError, VerificationError
from arbiter_app.records import pdf, receipt_checks
from arbiter_app.records import receipt as records
from arbiter_app.records.receipt_checks import ReceiptFacts
from arbiter_app.services import logkey, publication
from arbiter_app.services.session import Session
from arbiter_app.services.signatures import BINDING, UNLOCK, asked, receipt_subject
from arbiter_app.store import execution, log, rows
from arbiter_app.wallet.signer import DevicePrompt

logger = logging.getLogger(__name__)


def signatures_to_come(session: Session, invoice_id: int) -> tuple[str, ...]:
    """What issuing the receipt of ``invoice_id`` asks the device for, in order, in the
    words each prompt names it: the log key's unlocking (once per session), its binding
    (while it is not made), the receipt."""
    unlocking = () if logkey.is_unlocked(session) else (UNLOCK,)
    binding = () if log.attestation(session.store) is not None else (BINDING,)
    return (*unlocking, *binding, receipt_subject(invoice_id))


def bind_log_key(session: Session, *, now: int, prompt: DevicePrompt | None = None,
                 invoice_id: int | None = None) -> Attestation:
    """Bind the log key to the signer's address with one SIP-018 signature, and log it.

    :param prompt: where the user is asked to confirm the signature on the device
    :param invoice_id: the case whose log a refused signature is entered under
    :returns: the attestation (kept; an existing one for the same address is reused)
    """
    store, signer = session.store, session.signer
    logkey.unlock(session, prompt=prompt, invoice_id=invoice_id, now=now)
    existing = log.attestation(store)
    public = public_of(log.private_key(store))
    address = signer.address()
    if existing is not None and existing.address == address:
        return existing
    domain, message = attestation_message(public, signer.network.chain_id)
    rsv = asked(session, invoice_id, BINDING, lambda: signer.sign_structured_message(
        domain, message, prompt, subject=BINDING))
    att = Attestation(address, signer.network.chain_id, public, rsv)
    verify_attestation(att, public)
    log.save_attestation(store, att, now=now)
    return att


def issue_receipt(session: Session, invoice_id: int, now: int | None = None, *,
                  prompt: DevicePrompt | None = None) -> str:
    """Build, sign (SIP-018, on the signer), keep and publish the receipt of an executed
    ruling, binding the log key first if it is not bound yet.

    :param prompt: where the user is asked to confirm each signature on the device (the
        log-key binding the first time, then the receipt)
    :returns: the receipt's canonical JSON
    :raises PolicyError: before the ruling is confirmed, or if the signer is not the
        invoice's arbiter
    """
    now = session.now() if now is None else now
    store, signer = session.store, session.signer
    logkey.unlock(session, prompt=prompt, invoice_id=invoice_id, now=now)
    if log.attestation(store) is None:
        bind_log_key(session, now=now, prompt=prompt, invoice_id=invoice_id)
    case = rows.load_case(store, invoice_id)
    records.check_ready(case, log.attestation(store))  # before a checkpoint is kept
    view = log.view(store, log.checkpoint(store, now=now), invoice_id=invoice_id)
    body = records.build(case, view, network=signer.network.name,
                         chain_id=signer.network.chain_id, now=now,
                         escrow_contract=session.contract_id,
                         sla_hours=session.settings.sla_hours)
    if signer.address() != body["arbiter"]:
        raise PolicyError(f"the signer {signer.address()} is not this invoice's arbiter "
                          f"{body['arbiter']}")
    domain, message = records.signed_message(body)
    subject = receipt_subject(invoice_id)
    rsv = asked(session, invoice_id, subject, lambda: signer.sign_structured_message(
        domain, message, prompt, subject=subject))
    document = records.signed_document(body, signer.address(), rsv)
    data = document.encode("utf-8")
    execution.save_receipt(store, invoice_id, document,
                           receipt_sha256=hashlib.sha256(data).hexdigest(), now=now)
    try:
        publication.publish(session, invoice_id, "receipt", data, now)
    except (NetworkError, VerificationError, PolicyError) as e:
        # The receipt is kept and its publication queued: a failed pin loses nothing.
        logger.warning("the receipt of invoice %d is kept but not yet published: %s",
                    invoice_id, e)
    return document


def verify_online(session: Session, facts: ReceiptFacts) -> None:
    """Check a receipt already verified offline against the chain of the session's settings:
    its transaction is this escrow's ``resolve-dispute`` for its invoice, sent by its arbiter,
    successful at its block, with its award and rationale hash, and the escrow holds that ruling.

    :raises VerificationError: naming what the chain disagrees with, or that the receipt is
        for another network than the settings'
    :raises NetworkError: if the chain cannot be asked
    """
    chain = session.network
    if chain.chain_id != facts.chain_id:
        raise VerificationError(f"the receipt is for chain id {facts.chain_id}, but the "
                                f"settings use {session.settings.network} (chain id "
                                f"{chain.chain_id}); it cannot be checked there")
    if facts.escrow_contract not in (None, session.contract_id):
        raise VerificationError(f"the receipt is for escrow {facts.escrow_contract}, but the "
                                f"settings use {session.contract_id}; it cannot be checked "
                                "there")
    receipt_checks.verify_online(facts, session.api, session.contract_id)


def receipt_facts(document: str) -> list[tuple[str, str]]:
    """The (label, value) lines of a receipt, in the PDF's order and words.

    :raises VerificationError: if the receipt does not verify
    """
    return pdf.facts(document)


def save_pdf(document: str, path: Path, rationale: str | None = None) -> None:
    """Write a verified receipt's PDF to ``path``, with the rationale's text when given.

    :raises VerificationError: if the receipt does not verify, or ``rationale`` is not the
        text it commits to
    """
    pdf.render(document, path, rationale)
