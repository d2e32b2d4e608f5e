"""What the arbiter should be told without asking: a new dispute, an SLA due within 12 hours
or overdue, late evidence, a pause or another admin action on the escrow contract, a ruling
whose transaction failed, and more than three failed release/refund transactions within one
hour (the security guide's alert: a network, contract or device problem that signing again
will not fix), counted over the decision log's ``transaction-failed`` entries.

Pure functions over cases and governance history (no Qt, no store): the window calls them
after a sync and on its minute tick, shows each alert in its alert list and as a desktop
notification. Each alert carries a ``key``; the window raises a key once.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from arbiter_app.case import words
from arbiter_app.case.framework import CaseFile
from arbiter_app.case.sla import sla_clock
from arbiter_app.store.governance import GovernanceRecord

DUE_SOON_SECONDS = 12 * 3600
FAILURE_WINDOW = 3600  # seconds
FAILURE_LIMIT = 3  # failed transactions within the window that are still no alert
GOVERNANCE_WORDS = {
    "paused": "The escrow contract was paused",
    "unpaused": "The escrow contract was unpaused",
    "pause-proposed": "An admin proposed to pause the escrow contract",
    "action-proposed": "An admin proposed an action on the escrow contract",
    "action-approved": "An admin action on the escrow contract was approved",
    "pause-approved": "A pause of the escrow contract was approved",
    "admins-set": "The escrow contract's admins were set",
    "admin-replaced": "An admin of the escrow contract was replaced",
    "token-whitelisted": "A token was allowed by the escrow contract",
    "token-removed": "A token was removed from the escrow contract",
}


@dataclass(frozen=True)
class Alert:
    """One thing to tell the arbiter.

    :param kind: ``new-dispute``, ``due-soon``, ``overdue``, ``late-evidence``, ``contract``,
        ``ruling-failed`` or ``failure-rate``
    :param title: a short title (the notification's)
    :param text: one sentence
    :param key: what makes it the same alert (raised once)
    :param invoice_id: the case it is about, if any
    """

    kind: str
    title: str
    text: str
    key: tuple[object, ...]
    invoice_id: int | None = None


def sync_alerts(before: Mapping[int, CaseFile], cases: Iterable[CaseFile]) -> list[Alert]:
    """Alerts from the cases a sync brought in (``before``: the cases held until then)."""
    alerts: list[Alert] = []
    for case in cases:
        invoice_id, old = case.invoice.id, before.get(case.invoice.id)
        if old is None:
            alerts.append(Alert("new-dispute", "New dispute",
                                f"Invoice {invoice_id}: {words.amount(case.invoice.amount)} "
                                "sBTC disputed.", ("new", invoice_id), invoice_id))
        known = {e.index for e in old.dispute.evidence} if old is not None else set()
        alerts += [Alert("late-evidence", "Late evidence",
                         f"Invoice {invoice_id}: evidence #{e.index} arrived after step 2 "
                         "was completed.", ("late", invoice_id, e.index), invoice_id)
                   for e in case.dispute.evidence if e.late and e.index not in known]
        tx = case.failed_attempt
        if tx is not None:
            alerts.append(Alert("ruling-failed", "Ruling failed",
                                f"Invoice {invoice_id}: the ruling transaction was "
                                f"{tx.status.value}; rule again.",
                                ("failed", invoice_id, tx.txid), invoice_id))
    return alerts


def sla_alerts(cases: Iterable[CaseFile], sla_hours: int, now: int) -> list[Alert]:
    """Open cases due within 12 hours, and overdue ones."""
    alerts: list[Alert] = []
    for case in cases:
        if words.closed(case):
            continue
        clock = sla_clock(case.dispute, sla_hours, now)
        invoice_id = case.invoice.id
        if clock.overdue:
            alerts.append(Alert("overdue", "Ruling overdue",
                                f"Invoice {invoice_id}: {clock.label()}.",
                                ("overdue", invoice_id), invoice_id))
        elif clock.remaining <= DUE_SOON_SECONDS:
            alerts.append(Alert("due-soon", "Ruling due soon",
                                f"Invoice {invoice_id}: {clock.label()}.",
                                ("due-soon", invoice_id), invoice_id))
    return alerts


def governance_alerts(history: Sequence[GovernanceRecord]) -> list[Alert]:
    """One alert per governance event (a pause, an admin action)."""
    alerts = []
    for record in history:
        said = GOVERNANCE_WORDS.get(record.name, f"Escrow contract event: {record.name}")
        alerts.append(Alert("contract", "Escrow contract", f"{said} (block "
                            f"{record.block_height}).",
                            ("contract", record.txid, record.event_index)))
    return alerts


def failure_rate_alert(failed_at: Sequence[int], now: int) -> Alert | None:
    """The alert when more than :data:`FAILURE_LIMIT` ruling transactions failed in the hour
    before ``now``; raised again at each further failure.

    :param failed_at: the times of the log's ``transaction-failed`` entries
    """
    recent = [at for at in failed_at if now - FAILURE_WINDOW < at <= now]
    if len(recent) <= FAILURE_LIMIT:
        return None
    return Alert("failure-rate", "Failed rulings",
                 f"{len(recent)} release/refund transactions failed in the last hour (more "
                 f"than {FAILURE_LIMIT}). Check the network, the escrow contract's state and "
                 "your Ledger before signing again.", ("failure-rate", max(recent)))
