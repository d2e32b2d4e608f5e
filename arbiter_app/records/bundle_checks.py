"""The checks that tie a bundle's parts to each other: the transaction to the receipt and the
rationale, the decision-log slice to the receipt's checkpoint and to the root the transaction
put on chain, the evidence report to the log, and the manifests to their CIDs.

Each check is pure and raises a :class:`VerificationError` naming the part and what disagrees.
"""

from __future__ import annotations

import base64
import hashlib
import io
import json
from typing import Any

from arbiter_app.decisionlog import merkle
from arbiter_app.decisionlog.checkpoint import Checkpoint
from arbiter_app.errors import DecodeError, InputError, LimitExceeded, VerificationError
from arbiter_app.ipfs.cid import CID
from arbiter_app.ipfs.verify import verify_dag
from arbiter_app.progress import run_to_end
from arbiter_app.records import export, receipt_checks
from arbiter_app.records.bundle_car import LIMITS, BundleCar
from arbiter_app.records.receipt_checks import ReceiptFacts
from arbiter_app.stacks import clarity
from arbiter_app.stacks import transaction as txn
from arbiter_app.stacks.api_shapes import ContractCall
from arbiter_app.stacks.payloads import ContractCall as CallPayload

EVIDENCE_KEYS = {"index", "party", "submitter", "submit_txid", "manifest_cid", "height",
                 "submitted_time", "state", "reason", "late", "opened_at", "title", "files"}
STATES = ("pending", "verified", "unavailable", "mismatch")


def check_transaction(raw: bytes, facts: ReceiptFacts, log_root: bytes) -> None:
    """The signed transaction is the receipt's: its txid, signed by the arbiter, a call of
    the escrow's ruling with the receipt's invoice, token, award and rationale hash, and
    (escrow v2) the log root of the index.

    :raises VerificationError: naming what differs
    """
    try:
        tx = txn.deserialize(raw)
    except DecodeError as e:
        raise VerificationError(f"the transaction is not a Stacks transaction ({e})") from e
    if txn.txid(tx) != facts.txid:
        raise VerificationError(f"the transaction's txid is {txn.txid(tx)}, not the receipt's "
                                f"{facts.txid}")
    try:
        txn.recover_public_key(tx)
    except VerificationError as e:
        raise VerificationError(f"the transaction's signature does not verify ({e})") from e
    if txn.sender_address(tx) != facts.arbiter or tx.chain_id != facts.chain_id:
        raise VerificationError(f"the transaction was signed by {txn.sender_address(tx)} on "
                                f"chain {tx.chain_id}, not by the arbiter {facts.arbiter} on "
                                f"chain {facts.chain_id}")
    payload = tx.payload
    if not isinstance(payload, CallPayload):
        raise VerificationError("the transaction is not a contract call")
    call = ContractCall(f"{payload.address}.{payload.contract_name}", payload.function_name,
                        tuple(clarity.to_hex(a) for a in payload.args))
    receipt_checks.check_call(facts, call, facts.escrow_contract or call.contract_id)
    if call.function_name == receipt_checks.V2_FUNCTION and \
            payload.args[4] != clarity.Buffer(log_root):
        raise VerificationError("the transaction carries another log root than the index's "
                                "'log_root'")


def check_log(data: bytes, facts: ReceiptFacts, receipt: dict[str, Any],
              log_root: Any) -> list[dict[str, Any]]:
    """The log slice: a one-case export of the receipt's case, by the receipt's arbiter,
    under the receipt's own checkpoint, holding the receipt's proven entries; and the index's
    ``log_root`` is a prefix of that checkpoint ending at the receipt's ``ruling-finalized``.

    :returns: the slice's entries, in order
    :raises VerificationError: naming the line or the field
    """
    try:
        lines = export.read_lines(data)
        report = export.verify_jsonl(lines, arbiter=facts.arbiter)
    except VerificationError as e:
        raise VerificationError(f"the decision-log slice: {e}") from e
    if report.case != facts.invoice_id:
        raise VerificationError(f"the decision-log slice is not a one-case export of invoice "
                                f"{facts.invoice_id}")
    signed = Checkpoint.from_json(receipt["log"]["checkpoint"])
    if report.checkpoint != signed:
        raise VerificationError("the decision-log slice is signed under another checkpoint "
                                "than the receipt's")
    entries = [json.loads(line)["entry"] for line in lines[1:]]
    by_index = {e["index"]: e for e in entries}
    for item in receipt["log"]["entries"]:
        if by_index.get(item["entry"]["index"]) != item["entry"]:
            raise VerificationError(f"the decision-log slice lacks the receipt's "
                                    f"'{item['entry']['kind']}' entry")
    finalized = next(i["entry"] for i in receipt["log"]["entries"]
                     if i["entry"]["kind"] == "ruling-finalized")
    _check_log_root(log_root, finalized["index"], signed)
    return entries


def log_root_bytes(log_root: Any) -> bytes:
    """The root the index says the transaction carries.

    :raises VerificationError: the ``log_root`` object is malformed
    """
    try:
        root = bytes.fromhex(log_root["root"])
    except (KeyError, TypeError, ValueError) as e:
        raise VerificationError("the index's 'log_root' is malformed") from e
    if len(root) != 32 or root.hex() != log_root["root"]:
        raise VerificationError("the index's 'log_root' root is not 32 bytes of lowercase hex")
    return root


def _check_log_root(log_root: Any, finalized: int, signed: Checkpoint) -> None:
    if not isinstance(log_root, dict) or set(log_root) != {"index", "size", "root",
                                                           "consistency"}:
        raise VerificationError("the index's 'log_root' is malformed")
    if log_root["index"] != finalized or log_root["size"] != finalized + 1:
        raise VerificationError(f"the index's 'log_root' ends at entry {log_root['index']!r:.20}"
                                f", not at the receipt's ruling-finalized entry {finalized}")
    try:
        proof = [base64.b64decode(p, validate=True) for p in log_root["consistency"]]
    except (TypeError, ValueError) as e:
        raise VerificationError("the index's 'log_root' consistency proof is malformed") from e
    try:
        merkle.verify_consistency(finalized + 1, signed.size, log_root_bytes(log_root),
                                  signed.root, proof)
    except VerificationError as e:
        raise VerificationError(f"the index's 'log_root' is not a prefix of the signed log "
                                f"({e})") from e


def check_report(report: Any, facts: ReceiptFacts, entries: list[dict[str, Any]]) -> None:
    """The evidence report: of this invoice, one well-formed item per evidence index the log
    added, each in the state (and with the reason) its last logged change gave it.

    :raises VerificationError: naming the item
    """
    if not isinstance(report, dict) or report.get("invoice_id") != facts.invoice_id or \
            not isinstance(report.get("evidence"), list) or \
            not isinstance(report.get("terms"), dict):
        raise VerificationError("the evidence report is not this invoice's report")
    added = {e["data"].get("index"): e["data"] for e in entries if e["kind"] == "evidence-added"}
    last: dict[Any, dict[str, Any]] = {}
    for e in entries:
        if e["kind"] in ("evidence-opened", "evidence-unavailable"):
            last[e["data"].get("index")] = e["data"]
    items = report["evidence"]
    if not all(isinstance(i, dict) and isinstance(i.get("index"), int) for i in items) or \
            sorted(i["index"] for i in items) != sorted(added):
        raise VerificationError("the evidence report lists other items than the log added")
    for item in items:
        _check_item(item, added[item["index"]], last.get(item["index"]))


def _check_item(item: dict[str, Any], added: dict[str, Any],
                changed: dict[str, Any] | None) -> None:
    name = f"the evidence report's item #{item['index']}"
    if set(item) != EVIDENCE_KEYS or item["state"] not in STATES:
        raise VerificationError(f"{name} is malformed")
    for key, logged in (("manifest_cid", "manifest_cid"), ("submitter", "submitter"),
                        ("party", "party"), ("height", "submitted_height"),
                        ("late", "late"), ("submit_txid", "submit_txid")):
        logged_value = added.get(logged)
        if key == "submit_txid":
            logged_value = logged_value or None  # not known: empty in the log, null here
        if item[key] != logged_value:
            raise VerificationError(f"{name}: '{key}' differs from its evidence-added log entry")
    state, reason = (changed["state"], changed["reason"]) if changed else ("pending", "")
    if (item["state"], item["reason"]) != (state, reason):
        raise VerificationError(f"{name}: state '{item['state']}' differs from the log, which "
                                f"says '{state}'")


def check_manifest(car: BundleCar, cid: CID, name: str) -> bytes:
    """Verify a document's DAG from the bundle's blocks (the app's UnixFS verifier).

    :returns: the document's bytes
    :raises VerificationError: naming the document and the failing block
    """
    content = io.BytesIO()
    try:
        run_to_end(verify_dag(cid, _Blocks(car, name), content, LIMITS))
    except (VerificationError, LimitExceeded, InputError) as e:
        raise VerificationError(f"{name} ({cid}) does not verify: {e}") from e
    return content.getvalue()


class _Blocks:
    """The bundle's blocks as the UnixFS verifier's block source (each hash-checked and
    counted as used when read)."""

    def __init__(self, car: BundleCar, name: str) -> None:
        self.car, self.name = car, name

    def get(self, cid: CID, offset: int, size: int | None) -> bytes | None:
        return self.car.block(cid, self.name) if cid.multihash in self.car.car.sections \
            else None


def check_terms(report: dict[str, Any], data: bytes | None) -> None:
    """The terms document, when included, is the one the report names and hashes to the
    invoice's metadata hash.

    :raises VerificationError: naming what differs
    """
    terms = report["terms"]
    if data is not None and hashlib.sha256(data).hexdigest() != terms.get("metadata_hash"):
        raise VerificationError("the terms document does not hash to the report's metadata "
                                "hash")
