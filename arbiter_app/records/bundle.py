"""The case bundle: one CAR file that proves a ruled case's whole outcome (docs/bundle.md).

The bundle's root is an index (``arbiter-desk-bundle/1``, DAG-JSON) that states the award —
who gets what, in base units and in words — and links every part by CID: the signed receipt,
the rationale document, the evidence report (what the arbiter saw of the terms and of every
evidence item: CID, submitting transaction, block, state, late flag), the case's decision-log
slice (one-case JSONL export, every line with its inclusion proof under the receipt's signed
checkpoint), the signed ruling transaction's bytes, and the terms and evidence manifests as
their own blocks. ``log_root`` carries the RFC 6962 consistency proof from the log root the
transaction put on chain to that checkpoint, so the chain's root is tied to the signed log.
:func:`build` only assembles; :mod:`arbiter_app.records.bundle_verify` checks it all.
"""

from __future__ import annotations

import base64
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from arbiter_app.case import words
from arbiter_app.case.models import Decision
from arbiter_app.ipfs.cid import CID
from arbiter_app.records import bundle_car
from arbiter_app.records.bundle_car import encode_json_block, link, raw_block

SCHEMA = "arbiter-desk-bundle/1"
REPORT_SCHEMA = "arbiter-desk-evidence-report/1"
RAW_PARTS = ("receipt", "rationale", "report", "log", "transaction")
INDEX_KEYS = {"schema", "invoice_id", "network", "chain_id", "escrow_contract", "txid",
              "award", "log_root", "terms", "evidence", *RAW_PARTS}


@dataclass(frozen=True)
class Document:
    """An IPFS document of the case (terms or an evidence manifest) as its DAG's blocks.

    :param cid: the document's root CID, as the chain or the invoice names it
    :param blocks: every block of its DAG
    :param index: the evidence item's index (``None`` for the terms)
    """

    cid: CID
    blocks: tuple[tuple[CID, bytes], ...]
    index: int | None = None


@dataclass(frozen=True)
class LogRoot:
    """The root a ruling transaction put on chain, and its proof under the slice's checkpoint.

    :param index: the ``ruling-finalized`` entry the root ends with
    :param root: the root over entries ``0..index``
    :param consistency: RFC 6962 consistency proof from size ``index + 1`` to the checkpoint
    """

    index: int
    root: bytes
    consistency: tuple[bytes, ...]

    def to_json(self) -> dict[str, Any]:
        """The ``log_root`` object of the index."""
        return {"index": self.index, "size": self.index + 1, "root": self.root.hex(),
                "consistency": [base64.b64encode(h).decode() for h in self.consistency]}


@dataclass(frozen=True)
class Parts:
    """Everything a bundle holds, as bytes ready to be blocks.

    :param receipt: the body of the signed receipt (the facts the index repeats)
    """

    receipt: dict[str, Any]
    receipt_bytes: bytes
    rationale: bytes
    report: bytes
    log: bytes
    transaction: bytes
    log_root: LogRoot
    documents: tuple[Document, ...] = field(default=())


def award(body: dict[str, Any]) -> dict[str, Any]:
    """The award a receipt body states, as the index states it: each party's address and
    amount (base units and sBTC), and the ruling in one sentence."""
    amount, ruling = int(body["amount"]), Decision(body["ruling"])
    share = int(body["award"]["payee"]) if ruling is Decision.SPLIT else None
    payee = amount if ruling is Decision.RELEASE else share or 0
    return {
        "ruling": ruling.value, "token": body["token"], "amount": amount,
        "payee": {"address": body["payee"], "amount": payee,
                  "text": f"{words.sbtc(payee)} sBTC"},
        "payer": {"address": body["payer"], "amount": amount - payee,
                  "text": f"{words.sbtc(amount - payee)} sBTC"},
        "text": words.ruling_sentence(ruling, amount, body["payee"], body["payer"],
                                      int(body["invoice_id"]), share),
    }


def _evidence_links(documents: Sequence[Document]) -> list[dict[str, Any]]:
    return [{"index": d.index, "manifest": link(d.cid)} for d in documents
            if d.index is not None]


def build(parts: Parts) -> tuple[CID, bytes]:
    """Assemble the bundle: the parts' blocks, then the index naming them.

    :returns: the index's CID (the bundle's root) and the CARv1 bytes
    """
    body = parts.receipt
    raws = {name: raw_block(data) for name, data in (
        ("receipt", parts.receipt_bytes), ("rationale", parts.rationale),
        ("report", parts.report), ("log", parts.log), ("transaction", parts.transaction))}
    terms = next((d for d in parts.documents if d.index is None), None)
    index = {
        "schema": SCHEMA, "invoice_id": body["invoice_id"], "network": body["network"],
        "chain_id": body["chain_id"],
        "escrow_contract": body.get("escrow_contract"),  # null: a receipt of schema /1
        "txid": body["txid"], "award": award(body), "log_root": parts.log_root.to_json(),
        "terms": link(terms.cid) if terms is not None else None,
        "evidence": _evidence_links(parts.documents),
        **{name: link(cid) for name, (cid, _) in raws.items()},
    }
    root, data = encode_json_block(index)
    blocks: dict[bytes, tuple[CID, bytes]] = {}
    for cid, block in [*raws.values(), *(b for d in parts.documents for b in d.blocks)]:
        blocks.setdefault(cid.multihash, (cid, block))  # one copy of a block shared by parts
    return root, bundle_car.write(root, [(root, data), *blocks.values()])
