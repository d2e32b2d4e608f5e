"""Ruling receipts: canonical JSON of the DESIGN §8 facts, signed as SIP-018 structured data.

A receipt holds the invoice, parties, amount, ruling, rationale CID and hash, cited evidence,
txid, block height and arbiter address, plus the log entries those facts were recorded in
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
from typing import TYPE_CHECKING, Any

from arbiter_app.case.models import TxStatus
from arbiter_app.decisionlog import merkle
from arbiter_app.decisionlog.checkpoint import (
    Attestation,
    Checkpoint,
    verify_attestation,
    verify_checkpoint,
)
from arbiter_app.decisionlog.entry import canonical_json
from arbiter_app.errors import InputError, PolicyError, VerificationError
from arbiter_app.records.documents import parse_canonical
from arbiter_app.records.receipt_checks import ReceiptFacts, check_sense

if TYPE_CHECKING:
    from arbiter_app.stacks.clarity import Tuple
    from arbiter_app.store.db import Store
    from arbiter_app.wallet.signer import DevicePrompt, Signer

SCHEMA = "arbiter-desk-receipt/1"
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
BODY_KEYS = {"schema", "network", "chain_id", "invoice_id", "issued_at", "log",
             *LOGGED_FIELDS}


def signed_message(body: dict[str, Any]) -> tuple[Tuple, Tuple]:
    """The SIP-018 (domain, message) pair of a receipt body."""
    from arbiter_app.stacks import clarity, sip018

    domain = sip018.make_domain(DOMAIN_NAME, DOMAIN_VERSION, int(body["chain_id"]))
    message = clarity.Tuple({
        "receipt-sha256": clarity.Buffer(hashlib.sha256(canonical_json(body)).digest()),
        "invoice-id": clarity.UInt(int(body["invoice_id"])),
        "ruling": clarity.StringAscii(str(body["ruling"])),
        "txid": clarity.Buffer(bytes.fromhex(str(body["txid"]))),
    })
    return domain, message


def _proof(store: Store, kind: str, invoice_id: int, cp: Checkpoint) -> dict[str, Any]:
    from arbiter_app.store import log

    found = [e for e in log.entries(store, invoice_id=invoice_id, end=cp.size) if e.kind == kind]
    if not found:
        raise PolicyError(f"invoice {invoice_id} has no '{kind}' log entry yet")
    entry = found[-1]
    path = log.tree(store, cp.size).inclusion_proof(entry.index, cp.size)
    return {"entry": json.loads(entry.body), "proof": [base64.b64encode(h).decode() for h in path]}


def build(store: Store, invoice_id: int, *, network: str, chain_id: int, now: int
          ) -> dict[str, Any]:
    """The unsigned receipt body of an executed ruling, under a fresh signed checkpoint.

    :raises PolicyError: before the ruling is published and its transaction confirmed, or
        before the log key is bound to the arbiter
    """
    from arbiter_app.store import log, rows

    case = rows.load_case(store, invoice_id)
    ruling, tx, inv = case.ruling, case.transaction, case.invoice
    if ruling is None or ruling.rationale_hash is None or tx is None or \
            tx.status is not TxStatus.SUCCESS or tx.block_height is None:
        raise PolicyError(f"invoice {invoice_id} has no published, confirmed ruling yet")
    att = log.attestation(store)
    if att is None:
        raise PolicyError("bind the decision log key to your address before issuing receipts")
    cp = log.checkpoint(store, now=now)
    return {
        "schema": SCHEMA, "network": network, "chain_id": chain_id, "invoice_id": invoice_id,
        "payer": inv.payer, "payee": inv.payee, "amount": inv.amount, "token": inv.token,
        "arbiter": inv.arbiter, "ruling": ruling.decision.value,
        "rationale_sha256": hashlib.sha256(ruling.rationale.encode()).hexdigest(),
        "rationale_cid": ruling.rationale_cid, "rationale_hash": ruling.rationale_hash,
        "cited_evidence": list(ruling.cited), "txid": tx.txid, "block_height": tx.block_height,
        "issued_at": now,
        "log": {"checkpoint": cp.to_json(), "attestation": att.to_json(),
                "entries": [_proof(store, k, invoice_id, cp) for k in PROVEN_KINDS]},
    }


def issue(store: Store, invoice_id: int, signer: Signer, *, now: int,
          prompt: DevicePrompt | None = None) -> str:
    """Build and sign a receipt; returns its canonical JSON (verified before returning).

    :param prompt: where the user is asked to confirm the signature on the device

    :raises PolicyError: if the signer is not the invoice's arbiter
    """
    body = build(store, invoice_id, network=signer.network.name,
                 chain_id=signer.network.chain_id, now=now)
    if signer.address() != body["arbiter"]:
        raise PolicyError(f"the signer {signer.address()} is not this invoice's arbiter "
                          f"{body['arbiter']}")
    domain, message = signed_message(body)
    rsv = signer.sign_structured_message(domain, message, prompt)
    document = canonical_json({"receipt": body, "signature": {"address": signer.address(),
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
    extra, missing = set(body) - BODY_KEYS, BODY_KEYS - set(body)
    if extra or missing or body["schema"] != SCHEMA:
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


def verify(document: str | bytes, *, arbiter: str | None = None) -> ReceiptFacts:
    """Verify a receipt offline: log proofs, field agreement, and the arbiter's signature.

    :param arbiter: the address the caller expects (e.g. the invoice's arbiter on chain)
    :raises VerificationError: naming the field or part that does not verify
    """
    from arbiter_app.stacks import sip018

    body, signature = _parse(document)
    check_sense(body)
    _check_fields(body, _check_log(body))
    if signature.get("address") != body["arbiter"]:
        raise VerificationError("the receipt's signature address is not its 'arbiter' field")
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
                                "by its arbiter (a field such as 'issued_at' or 'network' "
                                "was changed after signing)")
    return ReceiptFacts(body["invoice_id"], body["ruling"], body["arbiter"], body["payer"],
                        body["payee"], body["amount"], body["token"], body["txid"],
                        body["block_height"], body["rationale_hash"], body["chain_id"])
