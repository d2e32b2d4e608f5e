"""The rationale document of a ruling: what the contract's rationale hash commits to.

The rationale document (``bitmind-rationale/1``) is canonical JSON, stored on IPFS as one
raw block, so its CID is CIDv1(raw, sha2-256, sha256(document)) and anyone can derive it
from the hash the contract stores. It is published (pinned and read back) before signing by
:mod:`arbiter_app.services.publication`.
"""

from __future__ import annotations

import json
from typing import Any

from arbiter_app.case.framework import CaseFile
from arbiter_app.case.models import Decision, Step

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
    doc: dict[str, Any] = {
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
    if ruling.decision is Decision.SPLIT:
        # a split states its shares; release and refund documents keep their first form,
        # so a stored rationale hash still matches the document rebuilt from the store
        award = ruling.award(case.invoice.amount)
        doc["award"] = {"payee": award.payee, "payer": award.payer,
                        "token": case.invoice.token}
    return doc


def document_bytes(case: CaseFile) -> bytes:
    """Canonical bytes of the document (sorted keys, no spaces, UTF-8): the hashed form."""
    return json.dumps(document(case), sort_keys=True, separators=(",", ":"),
                      ensure_ascii=False).encode("utf-8")
