"""Alerts from cases and governance events: what raises one and what does not."""

from __future__ import annotations

import dataclasses

import pytest

from arbiter_app.case.framework import CaseFile
from arbiter_app.case.models import InvoiceStatus, TransactionRecord, TxEvent, TxStatus
from arbiter_app.services.alerts import (
    failure_rate_alert,
    governance_alerts,
    sla_alerts,
    sync_alerts,
)
from arbiter_app.store.db import Store
from arbiter_app.store.governance import GovernanceRecord
from tests.fixtures.store import T0, make_dispute, make_invoice

HOURS = 72


def case(invoice_id: int, raised: int = T0) -> CaseFile:
    dispute = dataclasses.replace(make_dispute(invoice_id), raised_time=raised)
    return CaseFile(make_invoice(invoice_id), dispute)


def test_a_case_due_within_12_hours_raises_due_soon_and_a_late_one_overdue() -> None:
    now = T0 + HOURS * 3600 - 11 * 3600  # 11 h left for a case raised at T0
    cases = [case(1), case(2, raised=T0 - 2 * 86400), case(3, raised=now)]
    alerts = {a.invoice_id: a for a in sla_alerts(cases, HOURS, now)}
    assert alerts[1].kind == "due-soon" and alerts[1].text == "Invoice 1: 11h 00m left."
    assert alerts[2].kind == "overdue"
    assert 3 not in alerts  # three days left: nothing to say


def test_a_closed_case_raises_no_deadline_alert() -> None:
    refunded = case(1, raised=T0 - 10 * 86400)
    refunded = dataclasses.replace(refunded, invoice=dataclasses.replace(
        refunded.invoice, status=InvoiceStatus.REFUNDED))
    assert sla_alerts([refunded], HOURS, T0) == []


def test_a_sync_raises_new_disputes_late_evidence_and_failed_rulings_only() -> None:
    old = case(1)
    late = dataclasses.replace(make_dispute(1, evidence=3).evidence[2], late=True)
    grown = dataclasses.replace(old, dispute=dataclasses.replace(
        old.dispute, evidence=(*old.dispute.evidence, late)))
    failed = dataclasses.replace(case(2), attempts=(TransactionRecord(
        "0x" + "ab" * 32, 2, "00", (TxEvent(TxStatus.ABORTED, T0, "abort_by_response"),)),))
    alerts = sync_alerts({1: old, 2: case(2)}, [grown, failed, case(3)])
    assert [(a.kind, a.invoice_id) for a in alerts] == [
        ("late-evidence", 1), ("ruling-failed", 2), ("new-dispute", 3)]
    assert sync_alerts({1: grown}, [grown]) == []  # nothing new since


def test_a_pause_raises_one_contract_alert_in_words() -> None:
    pause = GovernanceRecord("0x" + "cd" * 32, 0, "paused", {}, 210, T0, "ST1ADMIN")
    [alert] = governance_alerts([pause])
    assert alert.kind == "contract"
    assert alert.text == "The escrow contract was paused (block 210)."


@pytest.mark.parametrize(
    ("ages", "alert"),
    [((0, 60, 120), False), ((0, 60, 120, 3599), True), ((0, 60, 120, 3600), False),
     ((0, 60, 120, 180, 240), True), ((4000, 5000, 6000, 7000), False)],
    ids=["three-in-an-hour", "four-in-an-hour", "the-fourth-an-hour-old",
         "five-in-five-minutes", "four-older-than-an-hour"],
)
def test_more_than_three_failed_transactions_in_an_hour_alert(ages: tuple[int, ...],
                                                              alert: bool) -> None:
    raised = failure_rate_alert([T0 - age for age in ages], T0)
    assert (raised is not None) is alert
    if raised is not None:
        assert raised.kind == "failure-rate"
        assert raised.text.startswith(f"{len(ages)} release/refund transactions failed")
        assert raised.key == ("failure-rate", T0)  # a further failure raises it again


def test_the_failure_count_is_read_from_the_decision_log(fresh_store: Store) -> None:
    from arbiter_app import config
    from arbiter_app.services import queries
    from arbiter_app.services.session import Session
    from arbiter_app.store import log

    with fresh_store.atomic():
        for n in range(4):
            log.append(fresh_store, "transaction-failed", {"txid": str(n)}, invoice_id=1,
                       at=T0 - 60 * n)
        log.append(fresh_store, "transaction-confirmed", {"txid": "x"}, invoice_id=1, at=T0)
    with Session(config.Settings(data_dir=str(fresh_store.path.parent))) as session:
        times = queries.failed_transaction_times(session, T0 - 3600)
    assert sorted(times) == [T0 - 180, T0 - 120, T0 - 60, T0]
    assert failure_rate_alert(times, T0) is not None
