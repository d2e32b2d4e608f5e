"""Step 4's page: a verified dispute reason read as labelled fields (never JSON, party text
escaped), counted as consulted once on screen; a file it names opened in the viewer and
counted once shown; and the step completed with both documents read."""

from __future__ import annotations

import json

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFormLayout, QLabel
from pytestqt.qtbot import QtBot

from arbiter_app.case.models import Step
from arbiter_app.gui.tasks import Task
from arbiter_app.gui.views.case import CasePane
from arbiter_app.gui.views.documents import DocumentsPage
from arbiter_app.services.documents import readable
from arbiter_app.services.session import Session
from arbiter_app.store import rows
from tests.fixtures.store import walk_case
from tests.gui.conftest import add_case
from tests.gui.test_viewer import rendered

STATEMENT = b"The second milestone was never delivered.\n"


def reason(case_id: int) -> bytes:
    return json.dumps({
        "schema": "bitmind-evidence/1", "invoice_id": case_id, "party": "payer",
        "title": "Dispute raised", "description": "Milestone 2 not delivered.",
        "created_at": "2026-09-17T00:14:05Z", "note": "<b>urgent</b> \u202egnp.exe",
        "files": [{"name": "statement.txt", "cid": "bafkreistatement",
                   "media_type": "text/plain", "size": len(STATEMENT)}]}).encode()


def form_rows(page: DocumentsPage) -> dict[str, str]:
    out = {}
    for row in range(page.fields.rowCount()):
        label = page.fields.itemAt(row, QFormLayout.ItemRole.LabelRole).widget()
        value = page.fields.itemAt(row, QFormLayout.ItemRole.FieldRole).widget()
        assert isinstance(label, QLabel) and isinstance(value, QLabel)
        assert value.textFormat() is Qt.TextFormat.PlainText
        out[label.text()] = value.text()
    return out


def test_the_reason_reads_as_fields_and_its_file_opens_in_the_viewer(
        qtbot: QtBot, local_session: Session) -> None:
    add_case(local_session, 1)
    pane = CasePane(local_session)
    qtbot.addWidget(pane)
    pane.show_case(1)
    page = pane.pages[Step.DOCUMENTS]
    assert isinstance(page, DocumentsPage)
    case = rows.load_case(local_session.store, 1)
    reason_cid = case.dispute.reason_cid
    assert page.documents.item(0).text().endswith("(not opened yet)")
    assert not page.files.isVisibleTo(page)

    page.on_opened(readable("dispute reason", "bafkreianothercase", reason(2), 1))
    assert page.shown is None and not page.consulted  # read for another case: not shown
    page.on_opened(readable("dispute reason", reason_cid, reason(1), 1))
    shown = form_rows(page)
    assert shown["Title"] == "Dispute raised"
    assert shown["Submitted by"] == "The payer"
    assert shown["Written"] == "2026-09-17 00:14 UTC"
    assert shown["note"] == "<b>urgent</b> \\u202egnp.exe"
    assert not [v for v in shown.values() if "{" in v or "\u202e" in v]
    assert reason_cid in page.consulted
    assert page.documents.item(0).text().endswith("(read)")
    assert page.files.isVisibleTo(page) and page.files.count() == 1

    file = page.shown.files[0] if page.shown else None
    assert file is not None and file.name == "statement.txt"
    page.on_file_read("dispute reason", file, STATEMENT)
    assert page.viewer is not None
    rendered(qtbot, page.viewer)
    qtbot.waitUntil(lambda: "bafkreistatement" in page.consulted, timeout=10_000)
    page.viewer.close()


def test_step4_completes_once_both_documents_were_read_and_confirmed(
        qtbot: QtBot, local_session: Session) -> None:
    walk_case(local_session.store, 1, Step.CHAIN)
    pane = CasePane(local_session)
    qtbot.addWidget(pane)
    pane.show_case(1)
    page = pane.pages[Step.DOCUMENTS]
    assert isinstance(page, DocumentsPage)
    case = rows.load_case(local_session.store, 1)
    terms = json.dumps({"schema": "bitmind-invoice/1", "title": "Website",
                        "milestones": [{"title": "Design", "amount_sats": "50000000"}]})
    page.on_opened(readable("invoice terms", str(case.invoice.terms.cid), terms.encode(), 1))
    assert form_rows(page)["Milestone 1"] == "Design — 0.5 sBTC"
    page.confirmed.setChecked(True)
    qtbot.mouseClick(page.complete_button, Qt.MouseButton.LeftButton)  # the reason not read
    qtbot.waitUntil(lambda: not Task._running, timeout=10_000)
    assert Step.DOCUMENTS not in rows.load_case(local_session.store, 1).completed
    page.on_opened(readable("dispute reason", case.dispute.reason_cid, reason(1), 1))
    qtbot.mouseClick(page.complete_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: Step.DOCUMENTS in rows.load_case(local_session.store, 1).completed,
                    timeout=10_000)
