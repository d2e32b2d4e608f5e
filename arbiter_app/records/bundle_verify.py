"""Verify a case bundle offline, with nothing but the file (docs/bundle.md).

In order: the CAR (one CARv1, limits, no duplicate), the index block, then every part it
links, each hashed against its CID as it is read; the receipt (log proofs and the arbiter's
SIP-018 signature, :mod:`arbiter_app.records.receipt`); the rationale (its hash and CID are
the receipt's); the signed transaction (the receipt's txid, signed by the arbiter, the
escrow's ruling with the receipt's award, rationale hash and the index's log root); the log
slice (every inclusion proof and the checkpoint signature, under the receipt's checkpoint);
the evidence report against the log; the terms and manifests against their CIDs; the index's
statements against the receipt; and last, that no block is left over. The first failure is a
:class:`VerificationError` that names the part.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from arbiter_app.errors import VerificationError
from arbiter_app.ipfs.cid import CID
from arbiter_app.records import bundle_checks, receipt
from arbiter_app.records.bundle import INDEX_KEYS, RAW_PARTS, SCHEMA, award
from arbiter_app.records.bundle_car import BundleCar, parse_json, parse_link
from arbiter_app.records.receipt_checks import ReceiptFacts


@dataclass(frozen=True)
class Submission:
    """An evidence item as the report says it was submitted on chain.

    :param txid: the submitting transaction (empty when the store never learnt it)
    """

    index: int
    txid: str
    submitter: str
    manifest_cid: str


@dataclass(frozen=True)
class BundleFacts:
    """What a verified bundle proves.

    :param root: the bundle's root CID (its index block)
    :param receipt: the verified receipt's facts
    :param award: the award as the index states it (checked against the receipt)
    :param log_root: the decision-log root the ruling transaction carries, hex
    :param evidence: evidence items in the report
    :param documents: terms and manifests included and verified
    :param blocks: blocks in the file
    :param submissions: each evidence item's submission, for the chain to confirm
    """

    root: str
    receipt: ReceiptFacts
    award: dict[str, Any]
    log_root: str
    evidence: int
    documents: int
    blocks: int
    submissions: tuple[Submission, ...] = ()


def verify_file(path: Path, *, arbiter: str | None = None) -> BundleFacts:
    """Verify the bundle at ``path``.

    :param arbiter: the address the invoice's arbiter must be (``None``: not checked)
    :raises InputError: the file cannot be read
    :raises LimitExceeded: the file is over the bundle's limits
    :raises VerificationError: naming the first part that does not verify
    """
    car = BundleCar.open(path)
    try:
        return verify(car, arbiter=arbiter)
    finally:
        car.close()


def verify(car: BundleCar, *, arbiter: str | None = None) -> BundleFacts:
    """Verify an opened bundle (see :func:`verify_file`)."""
    index = parse_json(car.block(car.root, "the index"), "the index block")
    links = _links(index)
    receipt_bytes = car.block(links["receipt"], "the receipt")
    try:
        facts = receipt.verify(receipt_bytes, arbiter=arbiter)
    except VerificationError as e:
        raise VerificationError(f"the receipt: {e}") from e
    body = parse_json(receipt_bytes, "the receipt")["receipt"]
    _check_index(index, body, facts)
    rationale = car.block(links["rationale"], "the rationale")
    _check_rationale(rationale, links["rationale"], body, facts)
    root = bundle_checks.log_root_bytes(index["log_root"])
    bundle_checks.check_transaction(car.block(links["transaction"], "the transaction"),
                                    facts, root)
    entries = bundle_checks.check_log(car.block(links["log"], "the decision-log slice"),
                                      facts, body, index["log_root"])
    report = parse_json(car.block(links["report"], "the evidence report"),
                        "the evidence report")
    bundle_checks.check_report(report, facts, entries)
    documents = _check_documents(car, index, report)
    left = car.unknown()
    if left:
        raise VerificationError(f"block {left[0]} is not part of the bundle: no part of the "
                                f"index links it ({len(left)} such block(s) added)")
    submissions = tuple(Submission(i["index"], i["submit_txid"] or "", i["submitter"],
                                   i["manifest_cid"]) for i in report["evidence"])
    return BundleFacts(str(car.root), facts, index["award"], root.hex(),
                       len(report["evidence"]), documents, car.car.count, submissions)


def _links(index: Any) -> dict[str, CID]:
    if not isinstance(index, dict) or index.get("schema") != SCHEMA:
        raise VerificationError(f"the index block is not an {SCHEMA} index")
    if set(index) != INDEX_KEYS:
        names = ", ".join(sorted(set(index) ^ INDEX_KEYS))
        raise VerificationError(f"the index's field(s) {names} are unknown or missing")
    return {name: parse_link(index[name], f"the {name}") for name in RAW_PARTS}


def _check_index(index: dict[str, Any], body: dict[str, Any], facts: ReceiptFacts) -> None:
    """The index's statements are the receipt's: invoice, network, escrow, txid and award."""
    for key in ("invoice_id", "network", "chain_id", "txid"):
        if index[key] != body[key]:
            raise VerificationError(f"the index's '{key}' differs from the receipt's")
    if index["escrow_contract"] != facts.escrow_contract:
        raise VerificationError("the index's 'escrow_contract' differs from the receipt's")
    if index["award"] != award(body):
        raise VerificationError("the index's 'award' differs from the award the receipt "
                                "states")


def _check_rationale(data: bytes, cid: CID, body: dict[str, Any], facts: ReceiptFacts) -> None:
    """The rationale is the document whose hash the receipt (and the chain) carries."""
    if hashlib.sha256(data).hexdigest() != facts.rationale_hash or \
            str(cid) != body["rationale_cid"]:
        raise VerificationError("the rationale is not the document the receipt's rationale "
                                "hash and CID name")
    document = parse_json(data, "the rationale")
    if not isinstance(document, dict) or document.get("invoice_id") != facts.invoice_id or \
            document.get("ruling") != facts.ruling or document.get("arbiter") != facts.arbiter:
        raise VerificationError("the rationale is for another invoice, ruling or arbiter than "
                                "the receipt's")


def _check_documents(car: BundleCar, index: dict[str, Any], report: dict[str, Any]) -> int:
    """Verify the terms and every manifest the index links; returns how many."""
    terms_data = None
    if index["terms"] is not None:
        cid = parse_link(index["terms"], "the terms")
        if str(cid) != report["terms"].get("cid"):
            raise VerificationError("the index's terms are not the document the report names")
        terms_data = bundle_checks.check_manifest(car, cid, "the terms document")
    bundle_checks.check_terms(report, terms_data)
    items = {i["index"]: i for i in report["evidence"]}
    linked = index["evidence"]
    if not isinstance(linked, list):
        raise VerificationError("the index's 'evidence' is not a list")
    for entry in linked:
        number = entry.get("index") if isinstance(entry, dict) else None
        cid = parse_link(entry.get("manifest") if isinstance(entry, dict) else None,
                         f"evidence #{number}'s manifest")
        item = items.get(number)
        if item is None or item["manifest_cid"] != str(cid):
            raise VerificationError(f"the index links a manifest for evidence #{number} that "
                                    "the report does not name")
        bundle_checks.check_manifest(car, cid, f"evidence #{number}'s manifest")
    return len(linked) + (terms_data is not None)
