"""The queue and evidence models: Qt's model tester, the roles, the SLA tick and filtering."""

from __future__ import annotations

import dataclasses
import sys
from typing import Any

from PySide6.QtCore import QSortFilterProxyModel, Qt
from PySide6.QtWidgets import QStyleOptionViewItem
from pytestqt.modeltest import ModelTester
from pytestqt.qtbot import QtBot

from arbiter_app.case.framework import CaseFile
from arbiter_app.case.models import EvidenceState
from arbiter_app.gui.models import disputes, evidence
from arbiter_app.gui.models.disputes import DisputesModel
from arbiter_app.gui.models.evidence import EvidenceModel
from arbiter_app.gui.models.rows import ROW_ROLE, SORT_ROLE, RowsModel
from arbiter_app.gui.views.queue import QueueView
from tests.fixtures.store import PAYEE, T0, make_dispute, make_evidence, make_invoice


def case(invoice_id: int, raised: int = T0, amount: int = 250_000_000) -> CaseFile:
    dispute = dataclasses.replace(make_dispute(invoice_id), raised_time=raised)
    return CaseFile(make_invoice(invoice_id, amount=amount), dispute)


def test_disputes_model_passes_the_model_tester(qtmodeltester: ModelTester) -> None:
    model = DisputesModel(sla_hours=72)
    qtmodeltester.check(model)
    model.set_rows([case(1), case(2, T0 - 3600), case(3, T0 + 60)], now=T0)
    qtmodeltester.check(model)
    model.tick(T0 + 600)
    model.set_rows([])
    qtmodeltester.check(model)


def test_evidence_model_passes_the_model_tester(qtmodeltester: ModelTester) -> None:
    model = EvidenceModel()
    qtmodeltester.check(model)
    model.set_rows(make_dispute(1, evidence=4).evidence)
    qtmodeltester.check(model)
    model.update_item(dataclasses.replace(make_evidence(1, 2), state=EvidenceState.VERIFIED))
    qtmodeltester.check(model)


def test_row_and_sort_roles_give_the_case_and_comparable_keys() -> None:
    model = DisputesModel(sla_hours=72)
    rows = [case(1, amount=5), case(2, amount=900_000_000)]
    model.set_rows(rows, now=T0)
    assert model.data(model.index(1, 0), disputes.ROW_ROLE) is rows[1]
    assert model.data(model.index(1, disputes.AMOUNT), disputes.SORT_ROLE) == 900_000_000
    assert model.data(model.index(0, disputes.SLA), disputes.SORT_ROLE) == T0 + 72 * 3600  # due
    assert model.data(model.index(0, disputes.SLA)) == "3d 00h left"


def test_the_queue_counts_evidence_not_fetched_yet_as_pending() -> None:
    model = DisputesModel(sla_hours=72)
    fetched = case(2)
    items = (dataclasses.replace(fetched.dispute.evidence[0], state=EvidenceState.VERIFIED),
             dataclasses.replace(fetched.dispute.evidence[1], state=EvidenceState.VERIFIED))
    fetched = dataclasses.replace(fetched, dispute=dataclasses.replace(fetched.dispute,
                                                                       evidence=items))
    model.set_rows([case(1), fetched], now=T0)  # case 1: as a sync stores it, both pending
    assert model.data(model.index(0, disputes.EVIDENCE)) == "0/2 verified, 2 pending"
    assert model.data(model.index(1, disputes.EVIDENCE)) == "2/2 verified"


def test_the_sla_clock_ticks_with_one_change_over_its_column(qtbot: QtBot) -> None:
    model = DisputesModel(sla_hours=1)
    model.set_rows([case(1), case(2)], now=T0)
    with qtbot.waitSignal(model.dataChanged) as changed:
        model.tick(T0 + 2 * 3600)
    top, bottom = changed.args[0], changed.args[1]
    assert (top.row(), top.column(), bottom.row(), bottom.column()) == (
        0, disputes.SLA, 1, disputes.SLA)
    assert model.data(model.index(0, disputes.SLA)) == "1h 00m overdue"


def test_state_role_names_verified_unavailable_mismatch_and_late() -> None:
    model = EvidenceModel()
    base = make_evidence(1, 0)
    model.set_rows([
        dataclasses.replace(base, index=0, state=EvidenceState.VERIFIED),
        dataclasses.replace(base, index=1, state=EvidenceState.UNAVAILABLE, reason="no provider"),
        dataclasses.replace(base, index=2, state=EvidenceState.MISMATCH, reason="wrong size"),
        dataclasses.replace(base, index=3, state=EvidenceState.VERIFIED, late=True),
    ])
    states = [model.data(model.index(r, 0), evidence.STATE_ROLE) for r in range(4)]
    assert states == ["verified", "unavailable(no provider)", "mismatch(wrong size)",
                      "verified, late"]


def test_queue_filter_matches_full_addresses_and_sorts_by_sla(qtbot: QtBot) -> None:
    model = DisputesModel(sla_hours=72)
    model.set_rows([case(1, T0), case(2, T0 - 7200), case(3, T0 + 7200)], now=T0)
    view = QueueView(model)
    qtbot.addWidget(view)
    first = model.index(0, disputes.INVOICE)
    assert model.data(first) == "2"  # least time left first
    qtbot.keyClicks(view.filter, PAYEE[-12:].lower())
    assert model.rowCount() == 3  # every case has this payee; shortened on screen
    view.filter.clear()
    qtbot.keyClicks(view.filter, "no such address")
    assert model.rowCount() == 0


class Squares(RowsModel[int]):
    """The smallest real RowsModel: a number and its square, sorted by value."""

    def __init__(self) -> None:
        super().__init__(("n", "n²"))

    def cell(self, row: int, column: int, role: int) -> Any:
        if role == Qt.ItemDataRole.DisplayRole:
            return str(row if column == 0 else row * row)
        return None

    def sort_key(self, row: int, column: int) -> Any:
        return row if column == 0 else row * row


def test_the_shared_rows_base_serves_rows_roles_and_resets(qtmodeltester: ModelTester,
                                                           qtbot: QtBot) -> None:
    model = Squares()
    qtmodeltester.check(model)
    with qtbot.waitSignals([model.modelAboutToBeReset, model.modelReset]):
        model.replace_rows([3, 10, 2])
    qtmodeltester.check(model)
    assert model.data(model.index(1, 1), SORT_ROLE) == 100
    assert model.data(model.index(1, 1)) == "100"
    assert model.data(model.index(2, 0), ROW_ROLE) == 2
    assert model.data(model.index(3, 0), ROW_ROLE) == ""  # past the last row: no value
    assert model.headerData(1, Qt.Orientation.Horizontal) == "n²"
    with qtbot.waitSignal(model.dataChanged) as changed:
        model.replace_row(0, 4)
    assert [changed.args[0].row(), changed.args[0].column(), changed.args[1].column()] == [0, 0, 1]
    assert model.rows() == [4, 10, 2]


def test_both_table_models_use_the_shared_roles() -> None:
    assert disputes.ROW_ROLE == evidence.ROW_ROLE == ROW_ROLE
    assert disputes.SORT_ROLE == evidence.SORT_ROLE == SORT_ROLE
    assert isinstance(EvidenceModel(), RowsModel)
    assert len({disputes.FILTER_ROLE, evidence.STATE_ROLE} & {ROW_ROLE, SORT_ROLE}) == 0


def test_a_case_closed_on_chain_shows_closed_not_a_step_to_do() -> None:
    from arbiter_app.case.models import InvoiceStatus

    refunded = case(9)
    refunded = dataclasses.replace(
        refunded, invoice=dataclasses.replace(refunded.invoice, status=InvoiceStatus.REFUNDED)
    )
    model = DisputesModel(sla_hours=72)
    model.set_rows([case(1), refunded], now=T0)
    assert model.data(model.index(0, disputes.STEP)) == "1 of 6"
    assert model.data(model.index(1, disputes.STEP)) == "closed"
    assert model.data(model.index(1, disputes.SLA)) == "closed"


def test_100k_data_calls_through_qt_leave_the_reference_count_of_none_standing(
        qtbot: QtBot) -> None:
    """PySide6 6.12 drops a reference to None each time a model's data() gives Qt None; once
    it reaches zero the interpreter dies. Every role is asked, through a C++ proxy (so each
    answer crosses into Qt), over every queue column and both header orientations."""
    model = DisputesModel(sla_hours=72)
    model.set_rows([case(1), case(2, T0 - 400_000), case(3)], now=T0)
    proxy = QSortFilterProxyModel()  # a C++ caller: each answer crosses into Qt
    proxy.setSourceModel(model)
    roles = [*range(0, 16), int(SORT_ROLE), int(ROW_ROLE), int(disputes.FILTER_ROLE), 999]
    cells = [proxy.index(r, c) for r in range(3) for c in range(len(disputes.HEADERS))]
    before = sys.getrefcount(None)
    calls = 0
    while calls < 100_000:
        for index in cells:
            for role in roles:
                proxy.data(index, role)
        for section in range(3):
            for role in roles:
                proxy.headerData(section, Qt.Orientation.Horizontal, role)
                proxy.headerData(section, Qt.Orientation.Vertical, role)
        calls += len(cells) * len(roles) + 6 * len(roles)
    assert sys.getrefcount(None) >= before


def test_a_drawn_queue_has_its_sized_headers_and_cells_without_check_boxes(qtbot: QtBot) -> None:
    model = DisputesModel(sla_hours=72)
    model.set_rows([case(1), case(2)], now=T0)
    view = QueueView(model)
    qtbot.addWidget(view)
    view.resize(900, 300)
    view.show()
    qtbot.waitExposed(view)
    header = view.table.horizontalHeader()
    text_width = header.fontMetrics().horizontalAdvance(disputes.HEADERS[disputes.AMOUNT])
    assert header.sectionSize(disputes.AMOUNT) > text_width
    assert header.height() > header.fontMetrics().height()
    assert view.table.rowHeight(0) > view.table.fontMetrics().height()
    delegate = view.table.itemDelegate()
    option = QStyleOptionViewItem()
    first = model.index(0, disputes.INVOICE)
    delegate.initStyleOption(option, first)
    assert not option.features & QStyleOptionViewItem.ViewItemFeature.HasCheckIndicator
    assert not option.features & QStyleOptionViewItem.ViewItemFeature.HasDecoration
    assert option.text == model.data(first) in ("1", "2")


def test_100k_none_answers_from_qt_leave_the_reference_count_of_none_standing(
        qtbot: QtBot) -> None:
    """The other direction: Qt answering "no widget" to Python (PySide6 6.12.0 drops a
    reference there too, which is why the pin is on 6.11)."""
    option = QStyleOptionViewItem()
    before = sys.getrefcount(None)
    for _ in range(100_000):
        assert option.widget is None
    assert sys.getrefcount(None) >= before
