"""What ``arbiter-app case show`` prints: one case as a JSON document, or as text for people.

The document's keys are documented in the README (stable: keys are only added). Party and
server text is shown in the text form with invisible and bidi characters escaped.
"""

from __future__ import annotations

from typing import Any

from arbiter_app.case import words
from arbiter_app.case.framework import CaseFile
from arbiter_app.case.models import (
    EvidenceItem,
    Receipt,
    ReviewFlag,
    Step,
    TermsSummary,
    TransactionRecord,
)
from arbiter_app.services.publication import cid_of
from arbiter_app.store.publications import Publication
from arbiter_app.text import display_name


def case_document(case: CaseFile, flags: tuple[ReviewFlag, ...], receipt: Receipt | None,
                  listed: dict[str, Any], published: list[Publication]) -> dict[str, Any]:
    """The ``case show --json`` document.

    :param flags: the case's manual-review flags
    :param receipt: the stored receipt, if one was issued
    :param listed: the case's ``disputes --json`` row (status, SLA, step progress)
    :param published: where the case's documents are pinned
    """
    inv, dispute, ruling = case.invoice, case.dispute, case.ruling
    return {
        "invoice_id": inv.id,
        "status": listed["status"],
        "amount": inv.amount,
        "deposit": inv.deposit,
        "token": inv.token,
        "payer": inv.payer,
        "payee": inv.payee,
        "arbiter": inv.arbiter,
        "deadline": inv.deadline,
        "terms": terms_document(inv.terms),
        "dispute": {"raised_by": dispute.raised_by, "reason_cid": dispute.reason_cid,
                    "raised_height": dispute.raised_height,
                    "raised_time": dispute.raised_time},
        "sla_due": listed["sla_due"],
        "sla_remaining": listed["sla_remaining"],
        "flags": [f.value for f in flags],
        "evidence": [evidence_document(e) for e in dispute.evidence],
        "chain_checks": next((r.note for r in case.steps if r.step is Step.CHAIN), None),
        "steps": [{"step": int(r.step), "completed_at": r.completed_at, "note": r.note}
                  for r in case.steps],
        "current_step": listed["current_step"],
        "ruling": None if ruling is None else {
            "decision": ruling.decision.value, "rationale": ruling.rationale,
            "cited": list(ruling.cited), "confirmations": [f.value for f in ruling.confirmations],
            "finalized_at": ruling.finalized_at, "rationale_hash": ruling.rationale_hash,
            "rationale_cid": ruling.rationale_cid, "payee_amount": ruling.payee_amount},
        "transaction": transaction_document(case.transaction),
        "receipt": None if receipt is None else {
            "issued_at": receipt.issued_at, "cid": cid_of(receipt.document.encode("utf-8"))},
        "publications": [{"document": p.document, "cid": p.cid, "target": p.target,
                          "endpoint": p.endpoint, "state": p.state, "pinned_at": p.pinned_at,
                          "verified_at": p.verified_at, "verified_via": p.verified_via,
                          "detail": p.detail} for p in published],
    }


def terms_document(terms: TermsSummary) -> dict[str, Any]:
    """The terms summary: state, CID and, when verified, the document's facts."""
    ai = terms.ai_parse
    return {"state": terms.state.value, "cid": terms.cid, "title": terms.title,
            "description": terms.description, "milestones": list(terms.milestones),
            "payer_name": terms.payer_name, "payee_name": terms.payee_name,
            "ai_parse": None if ai is None else {"model": ai.model,
                                                 "confidence": ai.confidence}}


def evidence_document(item: EvidenceItem) -> dict[str, Any]:
    """One evidence item with its verification state and files."""
    return {"index": item.index, "party": item.party.value, "submitter": item.submitter,
            "manifest_cid": item.manifest_cid, "title": item.title, "state": item.state.value,
            "reason": item.reason, "late": item.late, "opened_at": item.opened_at,
            "files": [{"name": f.name, "cid": f.cid, "media_type": f.media_type,
                       "size": f.size} for f in item.files]}


def transaction_document(tx: TransactionRecord | None) -> dict[str, Any] | None:
    """The ruling transaction and its history, or ``None`` before signing."""
    if tx is None:
        return None
    return {"txid": tx.txid, "status": tx.status.value, "block_height": tx.block_height,
            "history": [{"status": e.status.value, "at": e.at, "detail": e.detail}
                        for e in tx.history]}


def case_text(document: dict[str, Any]) -> str:
    """The document in lines for people (party text escaped)."""
    d = document
    terms = d["terms"]
    lines = [
        f"invoice {d['invoice_id']}: {d['status']}, {words.amount(d['amount'])} sBTC "
        f"(deposit {words.amount(d['deposit'])}), deadline block {d['deadline']}",
        f"  payer   {d['payer']}", f"  payee   {d['payee']}", f"  arbiter {d['arbiter']}",
        f"  raised by {d['dispute']['raised_by']}; reason {d['dispute']['reason_cid']}",
        f"  SLA {'overdue by' if d['sla_remaining'] < 0 else 'remaining'} "
        f"{abs(d['sla_remaining']) // 3600} h",
        f"terms: {terms['state']} {terms['cid'] or ''} {display_name(terms['title'], 200)}",
        f"manual review: {', '.join(d['flags']) or 'none'}",
        "evidence:",
    ]
    lines += [f"  #{e['index']} {e['party']:5} {e['state']:11} {e['manifest_cid']} "
              f"{display_name(e['title'] or e['reason'], 120)}" for e in d["evidence"]]
    lines.append(f"steps done: {[s['step'] for s in d['steps']]}; current step: "
                 f"{d['current_step'] or 'none (closed)'}")
    lines += [f"  {s['step']}: {display_name(s['note'], 300)}" for s in d["steps"]]
    if d["ruling"]:
        r = d["ruling"]
        lines.append(f"ruling: {r['decision']}, citing {', '.join(r['cited'])}")
    if d["transaction"]:
        t = d["transaction"]
        lines.append(f"transaction {t['txid']}: {t['status']} (block {t['block_height']})")
    if d["receipt"]:
        lines.append(f"receipt {d['receipt']['cid']} issued at {d['receipt']['issued_at']}; "
                     f"'arbiter-app receipt export {d['invoice_id']} -o FILE' writes it")
    lines += [publication_line(p) for p in d["publications"]]
    return "\n".join(lines)


def publication_line(p: dict[str, Any]) -> str:
    """One publication in words: pinned and read back, or queued with the reason."""
    where = f"{p['document']} {p['cid']} on {p['target']} {p['endpoint']}"
    if p["state"] == "pinned":
        return f"{where}: pinned at {p['pinned_at']}, read back through {p['verified_via']}"
    return f"{where}: NOT PINNED, queued for retry ({p['detail']})"
