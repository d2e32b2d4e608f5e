"""The rationale document of a ruling and the receipt that follows it (DESIGN §5, §8).

The rationale document (``bitmind-rationale/1``) is canonical JSON, stored on IPFS as one
raw block, so its CID is CIDv1(raw, sha2-256, sha256(document)) and anyone can derive it
from the hash the contract stores. It is published before signing when a Kubo node is
configured; the block the node answers for must be the one we computed.
"""

from __future__ import annotations

import hashlib
import json
import time
from typing import TYPE_CHECKING, Any

from arbiter_app.case.framework import CaseFile
from arbiter_app.case.models import Step
from arbiter_app.services.session import Session

if TYPE_CHECKING:
    from arbiter_app.wallet.signer import DevicePrompt

SCHEMA = "bitmind-rationale/1"
STEP_NAMES = {
    Step.TERMS: "review contract/invoice terms",
    Step.EVIDENCE: "examine evidence from both parties",
    Step.CHAIN: "check blockchain records",
    Step.DOCUMENTS: "consult off-chain documentation",
    Step.RULING: "make a ruling and document the rationale",
    Step.EXECUTION: "execute release or refund",
}


def document(case: CaseFile) -> dict[str, Any]:
    """The rationale document of ``case``'s finalized ruling, as a JSON object."""
    ruling = case.ruling
    if ruling is None:
        raise ValueError(f"invoice {case.invoice.id} has no finalized ruling")
    return {
        "schema": SCHEMA,
        "invoice_id": case.invoice.id,
        "ruling": ruling.decision.value,
        "rationale": ruling.rationale,
        "cited_evidence": list(ruling.cited),
        "steps": [
            {"step": int(r.step), "name": STEP_NAMES[r.step], "completed_at": r.completed_at}
            for r in sorted(case.steps, key=lambda r: r.step)
        ],
        "finalized_at": ruling.finalized_at,
        "arbiter": case.invoice.arbiter,
    }


def document_bytes(case: CaseFile) -> bytes:
    """Canonical bytes of the document (sorted keys, no spaces, UTF-8): the hashed form."""
    return json.dumps(document(case), sort_keys=True, separators=(",", ":"),
                      ensure_ascii=False).encode("utf-8")


def cid_of(data: bytes) -> str:
    """The raw-block CID of ``data`` (``bafkrei…``)."""
    from arbiter_app.ipfs.cid import CID

    return str(CID.raw_sha256(hashlib.sha256(data).digest()))


def publish(session: Session, data: bytes) -> str:
    """Publish ``data`` as one raw block when a node is configured; return its CID.

    :raises VerificationError: the node answered another CID than the computed one
    """
    cid = cid_of(data)
    kubo = session.kubo()
    if kubo is not None:
        published = kubo.put_raw_block(data)
        if str(published) != cid:
            from arbiter_app.errors import VerificationError

            raise VerificationError(f"the IPFS node stored the rationale as {published}, "
                                    f"not {cid}")
    return cid


class Announced:
    """A :class:`~arbiter_app.wallet.signer.DevicePrompt` that names what is being signed.

    The device's own request ("review the signed message for …, then approve") says how, not
    what: the user is asked to confirm ``subject`` instead, e.g. "sign the ruling receipt for
    invoice 101", on whatever prompt the caller gave (the Qt message, stderr).

    :param inner: the caller's prompt (``None``: show nothing)
    :param subject: what is being signed, in plain words
    """

    def __init__(self, inner: DevicePrompt | None, subject: str) -> None:
        self.inner = inner
        self.subject = subject

    def confirm(self, action: str) -> None:
        """Ask the user to confirm :attr:`subject` on the device."""
        if self.inner is not None:
            self.inner.confirm(self.subject)

    def step(self, index: int, total: int) -> None:
        """Pass the sending progress on."""
        if self.inner is not None:
            self.inner.step(index, total)

    def finished(self) -> None:
        """Pass the device's answer on."""
        if self.inner is not None:
            self.inner.finished()


def receipt_subject(invoice_id: int) -> str:
    """What the user confirms for a receipt's SIP-018 signature."""
    return f"sign the ruling receipt for invoice {invoice_id}"


BINDING_SUBJECT = "sign the binding of your decision log key to your address (asked once)"


def issue_receipt(session: Session, invoice_id: int, now: int | None = None, *,
                  prompt: DevicePrompt | None = None) -> str:
    """Build, sign (SIP-018, on the signer) and store the receipt of an executed ruling.

    :param prompt: where the user is asked to confirm each signature on the device (the
        log-key binding the first time, then the receipt)
    :returns: the receipt's canonical JSON
    """
    from arbiter_app.records import receipt as receipts
    from arbiter_app.store import execution, log

    now = int(time.time()) if now is None else now
    if log.attestation(session.store) is None:
        # DESIGN §8: the log key is bound once to the arbiter's address (SIP-018, on the
        # device), so exports and receipts can be tied to the arbiter offline.
        log.bind_key(session.store, session.signer, now=now,
                     prompt=Announced(prompt, BINDING_SUBJECT))
    document_json = receipts.issue(session.store, invoice_id, session.signer, now=now,
                                   prompt=Announced(prompt, receipt_subject(invoice_id)))
    digest = hashlib.sha256(document_json.encode("utf-8")).hexdigest()
    kubo = session.kubo()
    if kubo is not None:  # DESIGN §8: published to IPFS when a node is configured
        kubo.put_raw_block(document_json.encode("utf-8"))
    execution.save_receipt(session.store, invoice_id, document_json, receipt_sha256=digest,
                           now=now)
    return document_json
