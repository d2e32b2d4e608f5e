"""The receipt dialog offers receipt-<invoice>.pdf|json and confirms where it saved."""

from __future__ import annotations

from pathlib import Path

from pytestqt.qtbot import QtBot

from arbiter_app.gui.views.receipt import ReceiptView

DOCUMENT = '{"receipt":{"invoice_id":77},"signature":{}}'


def test_saving_offers_the_invoice_named_file_and_confirms(qtbot: QtBot, tmp_path: Path) -> None:
    view = ReceiptView(DOCUMENT)
    qtbot.addWidget(view)
    assert view.facts()[0][0] == "Not verified"  # no signature: it says so, it still saves
    assert (view.file_name("pdf"), view.file_name("json")) == ("receipt-77.pdf",
                                                                "receipt-77.json")
    target = tmp_path / view.file_name("json")
    view.save_json(target)
    assert target.read_text(encoding="utf-8") == DOCUMENT
    assert view.saved.text() == f"Saved the receipt to {target}."


def test_a_document_without_an_invoice_is_offered_as_plain_receipt(qtbot: QtBot) -> None:
    view = ReceiptView('{"receipt":{},"signature":{}}')
    qtbot.addWidget(view)
    assert view.file_name("pdf") == "receipt.pdf"
