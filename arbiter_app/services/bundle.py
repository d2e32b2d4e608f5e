"""Build, publish and check the case bundle of a ruled case (docs/bundle.md).

The bundle is built from the store only — the issued receipt, the rationale document the
ruling published, the live transaction's signed bytes, what the store holds of the terms and
every evidence item, and the case's log entries under the receipt's own checkpoint — plus the
terms and manifests' blocks, re-made from their verified bytes (the IPFS cache; fetched and
verified again if the cache lost them). Built from the receipt's checkpoint, the same case
always gives the same bundle, so its CID is stable. It is published right after the receipt,
as the receipt is: pinned on Kubo and the pinning service, read back, queued on failure.
"""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import io
import json
import logging
from collections.abc import Generator
from pathlib import Path
from typing import Any

from arbiter_app import private, writes
from arbiter_app.case.framework import CaseFile
from arbiter_app.case.models import EvidenceItem, EvidenceState, Step, TermsState, TxStatus
from arbiter_app.decisionlog.canonical import canonical_json
from arbiter_app.decisionlog.checkpoint import Checkpoint
from arbiter_app.decisionlog.view import LogView
from arbiter_app.errors import ArbiterError, DecodeError, PolicyError, VerificationError
from arbiter_app.ipfs.cid import CID
from arbiter_app.ipfs.importer import PROFILES, import_file
from arbiter_app.progress import CancelToken, Progress, run_to_end
from arbiter_app.records import bundle, bundle_verify, export, receipt_checks
from arbiter_app.records.bundle import Document, LogRoot, Parts
from arbiter_app.records.bundle_car import BundleCar
from arbiter_app.records.bundle_verify import BundleFacts as BundleFacts  # the GUI names it
from arbiter_app.records.bundle_verify import Submission
from arbiter_app.services import logkey, publication
from arbiter_app.services import rationale as rationale_doc
from arbiter_app.services.receipts import verify_online as verify_receipt_online
from arbiter_app.services.session import Session
from arbiter_app.stacks import clarity, clarity_wire
from arbiter_app.store import log, publications, rows

logger = logging.getLogger(__name__)
DOCUMENT = "bundle"


def build(session: Session, invoice_id: int, cancel: CancelToken | None = None
          ) -> Generator[Progress, None, tuple[CID, bytes]]:
    """Build the bundle of a case whose receipt is issued.

    :returns: its root CID and CARv1 bytes
    :raises PolicyError: the case has no receipt yet
    :raises VerificationError: what the store holds disagrees with the receipt
    :raises NetworkError: a document is in no cache and no source delivers it
    """
    store = session.store
    kept = rows.load_receipt(store, invoice_id)
    if kept is None:
        raise PolicyError(f"invoice {invoice_id} has no receipt yet: a case bundle is made once "
                          "the ruling is executed and its receipt issued")
    case = rows.load_case(store, invoice_id)
    body = json.loads(kept.document)["receipt"]
    documents: list[Document] = []
    wanted = _documents(case)
    for n, (cid, number) in enumerate(wanted):
        yield Progress(f"adding the blocks of {cid}", n, len(wanted))
        if cancel is not None:
            cancel.check()
        documents.append(Document(cid, (yield from _blocks(session, cid, cancel)), number))
    log_slice, log_root = _log_slice(session, invoice_id, body)
    parts = Parts(receipt=body, receipt_bytes=kept.document.encode("utf-8"),
                  rationale=_rationale(session, case, body),
                  report=canonical_json(report(case)), log=log_slice,
                  transaction=_transaction(case, body), log_root=log_root,
                  documents=tuple(documents))
    return bundle.build(parts)


def report(case: CaseFile) -> dict[str, Any]:
    """The evidence report: what the store holds of the terms and of every evidence item."""
    terms, inv = case.invoice.terms, case.invoice
    return {
        "schema": bundle.REPORT_SCHEMA, "invoice_id": inv.id,
        "terms": {"cid": terms.cid, "state": terms.state.value,
                  "metadata_hash": inv.metadata_hash, "title": terms.title},
        "evidence": [_item(e) for e in sorted(case.dispute.evidence, key=lambda e: e.index)],
    }


def _item(e: EvidenceItem) -> dict[str, Any]:
    return {"index": e.index, "party": e.party.value, "submitter": e.submitter,
            "submit_txid": e.submit_txid or None, "manifest_cid": e.manifest_cid,
            "height": e.height, "submitted_time": e.submitted_time, "state": e.state.value,
            "reason": e.reason, "late": e.late, "opened_at": e.opened_at, "title": e.title,
            "files": [{"name": f.name, "cid": f.cid, "media_type": f.media_type,
                       "size": f.size} for f in e.files]}


def _documents(case: CaseFile) -> list[tuple[CID, int | None]]:
    """The terms (when verified) and each verified item's manifest, to include as blocks."""
    terms = case.invoice.terms
    found: list[tuple[CID, int | None]] = []
    if terms.state is TermsState.VERIFIED and terms.cid:
        found.append((CID.parse(terms.cid), None))
    found += [(CID.parse(e.manifest_cid), e.index) for e in case.dispute.evidence
              if e.state is EvidenceState.VERIFIED]
    return found


def _blocks(session: Session, cid: CID, cancel: CancelToken | None
            ) -> Generator[Progress, None, tuple[tuple[CID, bytes], ...]]:
    """The blocks of a document's DAG, re-made from its verified bytes with the import
    profile that yields its CID.

    :raises VerificationError: no known profile yields the CID (its DAG cannot be re-made)
    """
    verified = yield from session.fetcher.fetch(cid, cancel=cancel)
    data = verified.read()
    for profile in PROFILES:
        made: dict[CID, bytes] = {}
        root = import_file(io.BytesIO(data), profile, made.__setitem__)
        if root.multihash == cid.multihash and root.codec == cid.codec:
            return tuple(made.items())
    raise VerificationError(f"the blocks of {cid} cannot be re-made from its bytes with a "
                            "known import profile, so the bundle cannot carry them")


def _rationale(session: Session, case: CaseFile, body: dict[str, Any]) -> bytes:
    """The published rationale: as kept by its publication, or rebuilt as it was published
    (before step 6 completed), and checked against the receipt's hash either way."""
    data = publications.data(session.store, body["rationale_cid"], publication.KUBO) or \
        rationale_doc.document_bytes(dataclasses.replace(case, steps=tuple(
            s for s in case.steps if s.step is not Step.EXECUTION)))
    if hashlib.sha256(data).hexdigest() != body["rationale_hash"]:
        raise VerificationError(f"the rationale rebuilt from the store for invoice "
                                f"{case.invoice.id} is not the one its receipt names")
    return data


def _transaction(case: CaseFile, body: dict[str, Any]) -> bytes:
    tx = case.transaction
    if tx is None or tx.status is not TxStatus.SUCCESS or tx.txid != body["txid"]:
        raise VerificationError(f"the store's confirmed transaction for invoice "
                                f"{case.invoice.id} is not the one its receipt names")
    return bytes.fromhex(tx.raw_hex)


def _log_slice(session: Session, invoice_id: int, body: dict[str, Any]
               ) -> tuple[bytes, LogRoot]:
    """The case's entries under the receipt's checkpoint, as a one-case export, and the
    proof that the root the transaction carries is a prefix of that checkpoint."""
    store = session.store
    cp = Checkpoint.from_json(body["log"]["checkpoint"])
    tree = log.tree(store, cp.size)
    # signed by the key that signed the receipt's checkpoint, even if rotated away since
    view = LogView(cp, tree, log.entries(store, invoice_id=invoice_id, end=cp.size),
                   log.attestation(store, cp.key), [])
    logkey.unlock(session, invoice_id=invoice_id)
    out = io.BytesIO()
    export.export_jsonl(view, out, log.signing_key(store, cp.key).sign, invoice_id=invoice_id)
    index = next(e["entry"]["index"] for e in body["log"]["entries"]
                 if e["entry"]["kind"] == "ruling-finalized")
    proof = tuple(tree.consistency_proof(index + 1, cp.size))
    return out.getvalue(), LogRoot(index, tree.prefix_root(index + 1), proof)


def publish(session: Session, invoice_id: int, now: int | None = None) -> None:
    """Build the bundle and publish it (pinned, read back); a failed target keeps it queued.

    :raises PolicyError / VerificationError / NetworkError: as :func:`build`, or publishing
    """
    _, data = run_to_end(build(session, invoice_id))
    publication.publish_car(session, invoice_id, DOCUMENT, data, now)


def publish_quietly(session: Session, invoice_id: int, now: int) -> None:
    """Publish the bundle after its receipt; a failure of any kind is logged, never raised:
    the ruling is executed and its receipt issued whatever happens here, a queued bundle is
    retried by ``publish retry``, and ``bundle export`` builds it again."""
    try:
        publish(session, invoice_id, now)
    except ArbiterError as e:
        logger.warning("the case bundle of invoice %d is not yet published: %s", invoice_id, e)


def verified(session: Session, invoice_id: int, cancel: CancelToken | None = None
             ) -> Generator[Progress, None, tuple[BundleFacts, bytes]]:
    """The case's bundle — the one published after its receipt, else built now — verified
    as a party would verify it.

    :returns: what it proves, and its CARv1 bytes
    :raises PolicyError: the case has no receipt yet
    :raises VerificationError: the bundle does not verify
    """
    data = stored(session, invoice_id)
    if data is None:
        _, data = yield from build(session, invoice_id, cancel)
    yield Progress("verifying the case bundle", 0, 1)
    return bundle_verify.verify(BundleCar(io.BytesIO(data))), data


def save(session: Session, invoice_id: int, path: Path, cancel: CancelToken | None = None
         ) -> Generator[Progress, None, BundleFacts]:
    """Write the case's verified bundle to ``path`` (0600; whole or not at all).

    :raises WriteFailed: the file cannot be written, naming why
    """
    facts, data = yield from verified(session, invoice_id, cancel)
    part = path.with_name(path.name + ".part")
    try:
        with open(private.create_file(part), "wb") as f:
            f.write(data)
        part.replace(path)
    except OSError as e:
        with contextlib.suppress(OSError):
            part.unlink()
        raise writes.failure(path, e) from e
    return facts


def stored(session: Session, invoice_id: int) -> bytes | None:
    """The newest bundle kept by its publication (pinned or queued), or ``None``."""
    for p in reversed(publication.for_case(session, invoice_id)):
        if p.document == DOCUMENT:
            return publication.kept_data(session, p) or None
    return None


def _check_submission(session: Session, invoice_id: int, s: Submission) -> None:
    """The report's submitting transaction is the escrow's successful ``submit-evidence`` of
    this invoice and manifest CID, sent by the reported submitter."""
    if not s.txid:
        return  # stored before submitting transactions were kept: the report says null
    tx = session.api.get_transaction(s.txid)
    call = None if tx is None else tx.call
    try:
        args = [clarity_wire.from_hex(a) for a in call.args_hex] if call is not None else []
    except (ValueError, DecodeError):
        args = []
    if tx is None or not tx.confirmed or tx.sender != s.submitter or call is None or \
            call.contract_id != session.contract_id or \
            call.function_name != "submit-evidence" or \
            args != [clarity.UInt(invoice_id), clarity.StringAscii(s.manifest_cid)]:
        raise VerificationError(f"evidence #{s.index}: transaction {s.txid} is not a "
                                f"successful submit-evidence of {s.manifest_cid} for invoice "
                                f"{invoice_id} by {s.submitter}")


def verify_online(session: Session, facts: BundleFacts) -> None:
    """Check a bundle verified offline against the chain of the session's settings: the
    receipt's checks (transaction, outcome, on-chain rationale hash), the log root the
    transaction carries on chain, and each evidence item's submitting transaction.

    :raises VerificationError: naming what the chain disagrees with
    :raises NetworkError: if the chain cannot be asked
    """
    verify_receipt_online(session, facts.receipt)
    for submission in facts.submissions:
        _check_submission(session, facts.receipt.invoice_id, submission)
    tx = session.api.get_transaction(facts.receipt.txid)
    call = None if tx is None else tx.call
    if call is None or call.function_name != receipt_checks.V2_FUNCTION:
        return  # a first-version ruling carries no log root (receipt checks named the call)
    try:
        on_chain = clarity_wire.from_hex(call.args_hex[4])
    except (IndexError, ValueError, DecodeError) as e:
        raise VerificationError(f"transaction {facts.receipt.txid} does not carry a log "
                                "root") from e
    if on_chain != clarity.Buffer(bytes.fromhex(facts.log_root)):
        raise VerificationError(f"the log root on chain (tx {facts.receipt.txid}) differs from "
                                "the bundle's 'log_root': the log was rewritten after the "
                                "ruling")
