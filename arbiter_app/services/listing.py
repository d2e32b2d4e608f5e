"""The dispute queue as plain rows: what ``arbiter-app disputes`` prints and documents.

The JSON form is a stable, documented schema (``DISPUTES_SCHEMA``); a test checks every row
against it so the document and the output cannot drift.
"""

from __future__ import annotations

from typing import Any

from arbiter_app.case import words
from arbiter_app.case.framework import CaseFile
from arbiter_app.case.models import EvidenceState
from arbiter_app.case.sla import sla_clock

# The schema of ``arbiter-app disputes --json``: a JSON array of objects with these keys.
DISPUTES_SCHEMA: dict[str, str] = {
    "invoice_id": "integer: the escrow invoice id",
    "status": "string: OPEN, FUNDED, RELEASED, DISPUTED or REFUNDED (the contract's status)",
    "amount": "integer: amount in the token's base units (sBTC: 10^8 per sBTC)",
    "token": "string: the token contract id",
    "payer": "string: the payer's address",
    "payee": "string: the payee's address",
    "arbiter": "string: the arbiter's address",
    "raised_by": "string: the address that raised the dispute",
    "raised_time": "integer: Unix time of the block that raised the dispute",
    "sla_due": "integer: Unix time the SLA ends",
    "sla_remaining": "integer: seconds left on the SLA, negative when overdue",
    "steps_done": "array of integers: the completed steps (1-6)",
    "current_step": "integer or null: the first step not done (null when closed)",
    "evidence": "object: counts by state (pending, verified, unavailable, mismatch)",
    "transaction": "object or null: {txid, status} of the ruling transaction",
}


def dispute_row(case: CaseFile, sla_hours: int, now: int) -> dict[str, Any]:
    """One case as a row of :data:`DISPUTES_SCHEMA`."""
    inv, dispute = case.invoice, case.dispute
    clock = sla_clock(dispute, sla_hours, now)
    counts = {s.value: 0 for s in EvidenceState}
    for item in dispute.evidence:
        counts[item.state.value] += 1
    tx = case.attempts[-1] if case.attempts else None  # a failed attempt shows as failed
    return {
        "invoice_id": inv.id,
        "status": inv.status.name,
        "amount": inv.amount,
        "token": inv.token,
        "payer": inv.payer,
        "payee": inv.payee,
        "arbiter": inv.arbiter,
        "raised_by": dispute.raised_by,
        "raised_time": dispute.raised_time,
        "sla_due": clock.due_at,
        "sla_remaining": clock.remaining,
        "steps_done": sorted(int(s) for s in case.completed),
        "current_step": int(case.current) if case.current is not None else None,
        "evidence": counts,
        "transaction": {"txid": tx.txid, "status": tx.status.value} if tx else None,
    }


def text_table(cases: list[CaseFile], sla_hours: int, now: int) -> str:
    """The queue as a fixed-width text table (one line per dispute)."""
    header = ("invoice", "status", "amount (sBTC)", "payer", "payee", "SLA", "step", "evidence")
    lines = [header]
    for case in cases:
        row = dispute_row(case, sla_hours, now)
        ev = row["evidence"]
        lines.append((
            str(row["invoice_id"]), row["status"], words.amount(row["amount"]),
            row["payer"], row["payee"], words.sla_label(case, sla_hours, now),
            words.step_label(case),
            f"{ev['verified']} ok, {ev['unavailable']} unavail., {ev['mismatch']} bad, "
            f"{ev['pending']} pending",
        ))
    widths = [max(len(line[i]) for line in lines) for i in range(len(header))]
    return "\n".join("  ".join(c.ljust(w) for c, w in zip(line, widths, strict=True)).rstrip()
                     for line in lines)
