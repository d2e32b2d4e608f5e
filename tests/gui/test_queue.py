"""The queue at work: the filter never changes the open case, open/closed views, sorting on
precomputed keys, and steps or syncs that repaint only the changed rows."""

from __future__ import annotations

import dataclasses

from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from arbiter_app.case.framework import CaseFile
from arbiter_app.case.models import InvoiceStatus, Step, StepRecord
from arbiter_app.gui.models import disputes
from arbiter_app.gui.models.disputes import DisputesModel
from arbiter_app.gui.views.queue import QueueView
from tests.fixtures.store import T0, make_dispute, make_invoice


def case(invoice_id: int, amount: int = 250_000_000, status: InvoiceStatus | None = None,
         raised: int = T0) -> CaseFile:
    invoice = make_invoice(invoice_id, amount=amount)
    if status is not None:
        invoice = dataclasses.replace(invoice, status=status)
    return CaseFile(invoice, dataclasses.replace(make_dispute(invoice_id), raised_time=raised))


def queue(qtbot: QtBot, cases: list[CaseFile]) -> tuple[DisputesModel, QueueView]:
    model = DisputesModel(sla_hours=72)
    model.set_rows(cases, now=T0)
    view = QueueView(model)
    qtbot.addWidget(view)
    return model, view


def test_a_filter_that_hides_the_open_case_opens_no_other_case(qtbot: QtBot) -> None:
    model, view = queue(qtbot, [case(1), case(2), case(30)])
    opened: list[int] = []
    view.case_selected.connect(opened.append)
    view.select(2)
    assert opened == [2]
    qtbot.keyClicks(view.filter, "30")
    assert model.rowCount() == 1 and view.selected_id() is None
    view.filter.clear()
    assert view.selected_id() == 2  # chosen again when it comes back
    assert opened == [2]


def test_sorting_keeps_the_open_case_open_and_orders_amounts_as_numbers(qtbot: QtBot) -> None:
    model, view = queue(qtbot, [case(1, amount=900), case(2, amount=5), case(3, amount=70)])
    opened: list[int] = []
    view.case_selected.connect(opened.append)
    view.select(3)
    view.table.sortByColumn(disputes.AMOUNT, Qt.SortOrder.DescendingOrder)
    assert [c.invoice.id for c in model.rows()] == [1, 3, 2]
    assert view.selected_id() == 3 and opened == [3]


def test_open_and_closed_views_split_cases_closed_on_chain(qtbot: QtBot) -> None:
    done = dataclasses.replace(case(3), steps=tuple(
        StepRecord(3, s, T0, "") for s in Step))
    model, view = queue(qtbot, [case(1), case(2, status=InvoiceStatus.REFUNDED), done])
    assert [c.invoice.id for c in model.rows()] == [1]  # the queue opens on open cases
    view.show_view("closed")
    assert sorted(c.invoice.id for c in model.rows()) == [2, 3]
    assert view.view.currentData() == "closed"
    view.show_view("all")
    assert model.rowCount() == 3
    assert model.counts() == (1, 2)


def test_a_changed_case_repaints_its_row_only_and_a_new_case_joins(qtbot: QtBot) -> None:
    model, view = queue(qtbot, [case(1), case(2), case(3)])
    row = model.row_of(2)
    stepped = dataclasses.replace(case(2), steps=(StepRecord(2, Step.TERMS, T0, ""),))
    with qtbot.waitSignal(model.dataChanged) as changed:
        model.update_cases([case(1), stepped, case(3)])  # 1 and 3 are unchanged
    assert changed.args[0].row() == changed.args[1].row() == row
    assert model.data(model.index(row, disputes.STEP)) == "2 of 6"
    with qtbot.waitSignal(model.modelReset):
        model.update_cases([case(4)])
    assert model.row_of(4) >= 0 and model.rowCount() == 4


def test_date_columns_show_when_a_case_was_raised(qtbot: QtBot) -> None:
    model, _ = queue(qtbot, [case(1, raised=0)])
    assert model.data(model.index(0, disputes.RAISED)) == "1970-01-01 00:00"
    assert model.data(model.index(0, disputes.RULED)) == ""
    assert model.data(model.index(0, disputes.RAISED), disputes.SORT_ROLE) == 0


def test_tab_leaves_the_queue_and_arrows_move_the_case(qtbot: QtBot) -> None:
    model, view = queue(qtbot, [case(1), case(2)])
    assert not view.table.tabKeyNavigation()
    opened: list[int] = []
    view.case_selected.connect(opened.append)
    view.show()
    qtbot.waitExposed(view)
    view.table.setFocus()
    view.select(model.case(0).invoice.id)
    qtbot.keyClick(view.table, Qt.Key.Key_Down)
    assert opened == [model.case(0).invoice.id, model.case(1).invoice.id]
