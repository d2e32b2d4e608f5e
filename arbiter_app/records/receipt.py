"""Ruling receipts: canonical JSON of a ruling's facts (docs/ARCHITECTURE.md §8), signed as
SIP-018 structured data.

A receipt holds the invoice, parties, amount, ruling, rationale CID and hash, cited evidence,
txid, block height and arbiter address, (from schema /2) the escrow contract and the SLA
(raised, due, ruled, met), plus the log entries those facts were recorded in
(``ruling-finalized``, ``rationale-published``, ``transaction-confirmed``) with their RFC 6962
inclusion proofs under one signed checkpoint, and the attestation binding that checkpoint's
key to the arbiter. The arbiter signs, through the signer, a SIP-018 message holding the
sha256 of the canonical body and the key fields. :func:`verify` checks all of it offline and
names the first field that disagrees or makes no sense; ``receipt_checks.verify_online`` adds
the chain's word.
"""

from __future__ import annotations

import base64
import hashlib
import json
from typing import Any

from arbiter_app.case.framework import CaseFile
from arbiter_app.case.models import Decision, TxStatus
from arbiter_app.case.sla import sla_clock
from arbiter_app.decisionlog import merkle
from arbiter_app.decisionlog.canonical import canonical_json, parse_canonical
from arbiter_app.decisionlog.checkpoint import (
    Attestation,
    Checkpoint,
    verify_attestation,
    verify_checkpoint,
)
from arbiter_app.decisionlog.view import LogView
from arbiter_app.errors import InputError, PolicyError, VerificationError
from arbiter_app.records.receipt_checks import ReceiptFacts, check_sense, payee_amount
from arbiter_app.stacks import clarity, sip018

SCHEMA = "arbiter-desk-receipt/2"
SCHEMA_V1 = "arbiter-desk-receipt/1"  # without escrow_contract and sla; still verified
DOMAIN_NAME = "Arbiter Desk Receipt"
DOMAIN_VERSION = "1"
# Receipt field -> (log entry kind, key in that entry's data) that must agree with it.
LOGGED_FIELDS = {
    "payer": ("ruling-finalized", "payer"), "payee": ("ruling-finalized", "payee"),
    "amount": ("ruling-finalized", "amount"), "token": ("ruling-finalized", "token"),
    "arbiter": ("ruling-finalized", "arbiter"), "ruling": ("ruling-finalized", "decision"),
    "cited_evidence": ("ruling-finalized", "cited"),
    "rationale_sha256": ("ruling-finalized", "rationale_sha256"),
    "rationale_cid": ("rationale-published", "rationale_cid"),
    "rationale_hash": ("rationale-published", "rationale_hash"),
    "txid": ("transaction-confirmed", "txid"),
    "block_height": ("transaction-confirmed", "block_height"),
}
PROVEN_KINDS = ("ruling-finalized", "rationale-published", "transaction-confirmed")
BODY_KEYS_V1 = {"schema", "network", "chain_id", "invoice_id", "issued_at", "log",
                *LOGGED_FIELDS}
BODY_KEYS = {*BODY_KEYS_V1, "escrow_contract", "sla"}
SLA_KEYS = {"raised", "due", "ruled", "met"}
# A split ruling's receipt also states its award ({"payee": base units, "payer": ...}),
# as its ruling-finalized entry does; release and refund receipts keep their first form.
AWARD_KEY = "award"


def signed_message(body: dict[str, Any]) -> tuple[clarity.Tuple, clarity.Tuple]:
    """The SIP-018 (domain, message) pair of a receipt body."""
    domain = sip018.make_domain(DOMAIN_NAME, DOMAIN_VERSION, int(body["chain_id"]))
    message = clarity.Tuple({
        "receipt-sha256": clarity.Buffer(hashlib.sha256(canonical_json(body)).digest()),
        "invoice-id": clarity.UInt(int(body["invoice_id"])),
        "ruling": clarity.StringAscii(str(body["ruling"])),
        "txid": clarity.Buffer(bytes.fromhex(str(body["txid"]))),
    })
    return domain, message


def _proof(view: LogView, kind: str, invoice_id: int) -> dict[str, Any]:
    found = [e for e in view.entries if e.kind == kind and e.invoice_id == invoice_id]
    if not found:
        raise PolicyError(f"invoice {invoice_id} has no '{kind}' log entry yet")
    entry = found[-1]
    path = view.tree.inclusion_proof(entry.index, view.checkpoint.size)
    return {"entry": json.loads(entry.body), "proof": [base64.b64encode(h).decode() for h in path]}


def check_ready(case: CaseFile, attestation: Attestation | None) -> None:
    """Refuse a receipt before its facts exist.

    :raises PolicyError: before the ruling is published and its transaction confirmed, or
        before the log key is bound to the arbiter
    """
    ruling, tx = case.ruling, case.transaction
    if ruling is None or ruling.rationale_hash is None or tx is None or \
            tx.status is not TxStatus.SUCCESS or tx.block_height is None:
        raise PolicyError(f"invoice {case.invoice.id} has no published, confirmed ruling yet")
    if attestation is None:
        raise PolicyError("bind the decision log key to your address before issuing receipts")


def build(case: CaseFile, view: LogView, *, network: str, chain_id: int, now: int,
          escrow_contract: str, sla_hours: int) -> dict[str, Any]:
    """The unsigned receipt body of an executed ruling, proven under the view's checkpoint.

    :param view: the log under a signed checkpoint taken after the ruling's entries
    :param escrow_contract: the escrow's contract id the ruling was executed on
    :param sla_hours: the response SLA the ruling is measured against
    :raises PolicyError: as :func:`check_ready`, or when a proven entry is not in the view
    """
    check_ready(case, view.attestation)
    ruling, tx, inv = case.ruling, case.transaction, case.invoice
    assert ruling is not None and tx is not None and view.attestation is not None
    body: dict[str, Any] = {
        "schema": SCHEMA, "network": network, "chain_id": chain_id, "invoice_id": inv.id,
        "payer": inv.payer, "payee": inv.payee, "amount": inv.amount, "token": inv.token,
        "arbiter": inv.arbiter, "ruling": ruling.decision.value,
        "rationale_sha256": hashlib.sha256(ruling.rationale.encode()).hexdigest(),
        "rationale_cid": ruling.rationale_cid, "rationale_hash": ruling.rationale_hash,
        "cited_evidence": list(ruling.cited), "txid": tx.txid, "block_height": tx.block_height,
        "issued_at": now, "escrow_contract": escrow_contract,
        "sla": _sla(case, sla_hours),
        "log": {"checkpoint": view.checkpoint.to_json(),
                "attestation": view.attestation.to_json(),
                "entries": [_proof(view, k, inv.id) for k in PROVEN_KINDS]},
    }
    if ruling.decision is Decision.SPLIT:
        award = ruling.award(inv.amount)
        body[AWARD_KEY] = {"payee": award.payee, "payer": award.payer}
    return body


def _sla(case: CaseFile, sla_hours: int) -> dict[str, Any]:
    """When the dispute was raised, when the SLA fell due, when the ruling was finalized,
    and whether it came in time."""
    assert case.ruling is not None
    due = sla_clock(case.dispute, sla_hours, case.ruling.finalized_at).due_at
    ruled = case.ruling.finalized_at
    return {"raised": case.dispute.raised_time, "due": due, "ruled": ruled, "met": ruled <= due}


def signed_document(body: dict[str, Any], address: str, rsv: bytes) -> str:
    """The receipt's canonical JSON: the body and the arbiter's SIP-018 signature of it,
    verified before it is returned.

    :raises VerificationError: if the signature is not the body's by its arbiter
    """
    document = canonical_json({"receipt": body, "signature": {"address": address,
                                                              "rsv": rsv.hex()}}).decode()
    verify(document)
    return document


def _parse(document: str | bytes) -> tuple[dict[str, Any], dict[str, Any]]:
    raw = document.encode("utf-8", "surrogatepass") if isinstance(document, str) else document
    value = parse_canonical(raw.strip(), "the receipt")
    if not isinstance(value, dict) or set(value) != {"receipt", "signature"} or \
            not isinstance(value["receipt"], dict) or not isinstance(value["signature"], dict):
        raise VerificationError("the receipt is not an Arbiter Desk receipt")
    body = value["receipt"]
    keys = BODY_KEYS_V1 if body.get("schema") == SCHEMA_V1 else BODY_KEYS
    keys = keys | ({AWARD_KEY} if body.get("ruling") == "split" else set())
    extra, missing = set(body) - keys, keys - set(body)
    if extra or missing or body["schema"] not in (SCHEMA, SCHEMA_V1):
        names = ", ".join(sorted(extra | missing)) or "schema"
        raise VerificationError(f"receipt field(s) {names} are unknown, missing or wrong")
    return body, value["signature"]


def _check_log(body: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Verify checkpoint, attestation and each entry's proof; return the entries by kind."""
    try:
        part = body["log"]
        cp = Checkpoint.from_json(part["checkpoint"])
        att = Attestation.from_json(part["attestation"])
        items = list(part["entries"])
    except (InputError, KeyError, TypeError) as e:
        raise VerificationError(f"receipt field 'log' is malformed ({e})") from e
    verify_checkpoint(cp)
    verify_attestation(att, cp.key)
    if att.address != body["arbiter"]:
        raise VerificationError(f"receipt field 'arbiter' ({body['arbiter']}) is not the address "
                                f"the log key is bound to ({att.address})")
    if att.chain_id != body["chain_id"]:
        raise VerificationError("receipt field 'chain_id' differs from the log key's network")
    entries: dict[str, dict[str, Any]] = {}
    for item in items:
        try:
            entry, path = item["entry"], [base64.b64decode(p, validate=True)
                                          for p in item["proof"]]
            index, kind = int(entry["index"]), str(entry["kind"])
        except (KeyError, TypeError, ValueError) as e:
            raise VerificationError(f"receipt field 'log' holds a malformed entry ({e})") from e
        if not isinstance(entry.get("data"), dict):
            raise VerificationError(f"the receipt's '{kind}' log entry has 'data' that is not "
                                    "an object")
        try:
            merkle.verify_inclusion(index, cp.size, merkle.leaf_hash(canonical_json(entry)),
                                    path, cp.root)
        except VerificationError as e:
            raise VerificationError(f"the receipt's '{kind}' log entry is not in the signed "
                                    f"log ({e})") from e
        entries[kind] = entry
    if sorted(entries) != sorted(PROVEN_KINDS):
        raise VerificationError("receipt field 'log' does not prove the ruling's entries")
    return entries


def _check_fields(body: dict[str, Any], entries: dict[str, dict[str, Any]]) -> None:
    for kind, entry in entries.items():
        if entry.get("case") != body["invoice_id"]:
            raise VerificationError(f"receipt field 'invoice_id' does not match the logged "
                                    f"'{kind}' entry")
    for field, (kind, key) in LOGGED_FIELDS.items():
        if entries[kind]["data"].get(key) != body[field]:
            raise VerificationError(f"receipt field '{field}' does not match the logged '{kind}' "
                                    f"entry")
    if entries["ruling-finalized"]["data"].get(AWARD_KEY) != body.get(AWARD_KEY):
        raise VerificationError(f"receipt field '{AWARD_KEY}' does not match the logged "
                                "'ruling-finalized' entry")


def verify(document: str | bytes, *, arbiter: str | None = None) -> ReceiptFacts:
    """Verify a receipt offline: log proofs, field agreement, and the arbiter's signature.

    :param arbiter: the address the caller expects (e.g. the invoice's arbiter on chain)
    :raises VerificationError: naming the field or part that does not verify
    """
    body, signature = _parse(document)
    check_sense(body)
    _check_fields(body, _check_log(body))
    if signature.get("address") != body["arbiter"]:
        raise VerificationError("the receipt's signature address is not its 'arbiter' field")
    rsv = signature.get("rsv")
    if not isinstance(rsv, str) or rsv != rsv.lower():
        # hex is read in either case, so only one spelling may be the signed document
        raise VerificationError("the receipt's signature 'rsv' must be lowercase hex")
    if arbiter is not None and body["arbiter"] != arbiter:
        raise VerificationError(f"receipt field 'arbiter' is {body['arbiter']}, not the "
                                f"invoice's arbiter {arbiter}")
    try:
        domain, message = signed_message(body)
        good = sip018.verify(domain, message, bytes.fromhex(str(signature.get("rsv"))),
                             body["arbiter"])
    except (InputError, ValueError, TypeError) as e:
        raise VerificationError(f"the receipt's signature is malformed ({e})") from e
    if not good:
        raise VerificationError("the receipt's signature does not match its contents or is not "
                                "by its arbiter (a field such as 'issued_at', 'network', "
                                "'escrow_contract' or 'sla' was changed after signing)")
    return ReceiptFacts(body["invoice_id"], body["ruling"], body["arbiter"], body["payer"],
                        body["payee"], body["amount"], body["token"], body["txid"],
                        body["block_height"], body["rationale_hash"], body["chain_id"],
                        payee_amount(body), body.get("escrow_contract"))
