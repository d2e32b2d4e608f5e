"""Alerts in the window: a case due within 12 hours and a pause of the contract each raise
one desktop notification and one line in the alert list, once."""

from __future__ import annotations

import dataclasses
import time

from pytestqt.qtbot import QtBot

from arbiter_app.gui.main_window import MainWindow
from arbiter_app.services.alerts import governance_alerts
from arbiter_app.services.session import Session
from arbiter_app.services.sync import SyncSummary
from arbiter_app.store import cases
from arbiter_app.store.governance import GovernanceRecord
from tests.fixtures.store import T0, make_dispute, make_invoice


def test_due_soon_and_pause_each_notify_once_and_are_listed(
        qtbot: QtBot, local_session: Session) -> None:
    hours = local_session.settings.sla_hours
    raised = int(time.time()) - (hours - 6) * 3600  # six hours left
    cases.sync_dispute(local_session.store, make_invoice(5),
                       dataclasses.replace(make_dispute(5), raised_time=raised), now=T0)
    window = MainWindow(local_session)
    qtbot.addWidget(window)
    qtbot.waitUntil(lambda: window.queue_loaded, timeout=10_000)
    center = window.alerts
    assert [t for t, _ in center.notified] == ["Ruling due soon"]
    assert center.notified[0][1] in ("Invoice 5: 6h 00m left.", "Invoice 5: 5h 59m left.")
    pause = GovernanceRecord("0x" + "cd" * 32, 0, "paused", {}, 210, T0, "ST1ADMIN")
    window.on_synced((SyncSummary(), [], governance_alerts([pause])))
    window.on_synced((SyncSummary(), [], governance_alerts([pause])))  # raised once
    tick = window.on_tick()
    qtbot.waitUntil(lambda: not tick.running, timeout=10_000)
    assert [t for t, _ in center.notified] == ["Ruling due soon", "Escrow contract"]
    assert center.list.count() == 2 and center.count.text() == "2 alerts"
    assert center.list.item(0).text() == (
        "Escrow contract: The escrow contract was paused (block 210).")
    opened: list[int] = []
    center.open_case.connect(opened.append)
    center.on_activated(center.list.item(1))
    assert opened == [5]


def test_a_many_overdue_store_makes_one_summary_notification(
        qtbot: QtBot, local_session: Session) -> None:
    for invoice_id in range(1, 9):  # raised at T0: long overdue
        cases.sync_dispute(local_session.store, make_invoice(invoice_id),
                           make_dispute(invoice_id), now=T0)
    window = MainWindow(local_session)
    qtbot.addWidget(window)
    qtbot.waitUntil(lambda: window.queue_loaded, timeout=10_000)
    assert len(window.alerts.notified) == 1
    assert window.alerts.notified[0][1].startswith("8 cases: ")
    assert window.alerts.list.count() == 8
