"""``evidence-opened`` is logged when the item's content was on screen, never before: an
item whose file could not be shown safely stays unopened. (Before the render child, the
opening was logged before the viewer ran, and a cyclic PDF then hung the app.)"""

from __future__ import annotations

from pathlib import Path

from pytestqt.qtbot import QtBot

from arbiter_app.case.models import Step
from arbiter_app.gui.tasks import Task
from arbiter_app.gui.views import evidence as viewer
from arbiter_app.gui.views.case import CasePane
from arbiter_app.gui.views.steps import EvidencePage
from arbiter_app.services.session import Session
from arbiter_app.store import log, rows
from tests.fixtures.hostile_documents import kids_contain_their_own_node, normal_pdf
from tests.gui.conftest import add_case
from tests.gui.test_viewer import rendered, shown


def opened(session: Session) -> list[int]:
    return [e.data["index"] for e in log.entries(session.store, invoice_id=1)
            if e.kind == "evidence-opened"]


def case_pane(qtbot: QtBot, session: Session) -> CasePane:
    pane = CasePane(session)
    qtbot.addWidget(pane)
    pane.show_case(1)
    return pane


def open_item(qtbot: QtBot, page: EvidencePage, session: Session, row: int,
              data: bytes) -> viewer.EvidenceViewer:
    """What the page does once the service verified item ``row`` and read its file."""
    item = rows.load_case(session.store, 1).dispute.evidence[row]
    page.on_opened((item, [shown("file.pdf", data, "application/pdf")]))
    assert page.viewer is not None
    return rendered(qtbot, page.viewer)


def test_evidence_opened_is_logged_only_once_its_content_is_on_screen(
        qtbot: QtBot, local_session: Session, tmp_path: Path) -> None:
    add_case(local_session, 1, titles=("Cyclic page tree", "Delivery report"))
    pane = case_pane(qtbot, local_session)  # held here: the page lives while the pane does
    page = pane.pages[Step.EVIDENCE]
    assert isinstance(page, EvidencePage)
    trap = open_item(qtbot, page, local_session, 0, kids_contain_their_own_node())
    assert trap.kind == viewer.REFUSED
    qtbot.waitUntil(lambda: not Task._running, timeout=10_000)
    assert opened(local_session) == []
    assert rows.load_case(local_session.store, 1).dispute.evidence[0].opened_at is None
    trap.close()

    report = open_item(qtbot, page, local_session, 1, normal_pdf())
    assert report.kind == viewer.PDF
    qtbot.waitUntil(lambda: opened(local_session) == [1], timeout=10_000)
    assert rows.load_case(local_session.store, 1).dispute.evidence[1].opened_at is not None
    qtbot.waitUntil(lambda: not Task._running, timeout=10_000)  # the reload, before teardown
