"""The receipt as a PDF, drawn with QtGui's QPdfWriter (the one Qt module outside ``gui/``).

It shows the same facts as the receipt's JSON, in the same words, for people who will not run
``arbiter-app receipt verify``; the JSON stays the document of record, and the PDF says so.
Only a receipt that verifies is rendered. Qt is imported inside the function so that importing
:mod:`arbiter_app.records` never loads it.
"""

from __future__ import annotations

import contextlib
import datetime
import json
import os
from pathlib import Path
from typing import Any

from arbiter_app import writes
from arbiter_app.case import words
from arbiter_app.records import receipt as receipts

TITLE = "Arbiter Desk — Ruling receipt"


def _award_lines(body: dict[str, Any]) -> list[tuple[str, str]]:
    """A split's two payouts (release and refund pay the whole amount to one party)."""
    if body["ruling"] != "split":
        return []
    award = body["award"]
    return [(f"To the {party}", f"{words.amount(int(award[party]))} sBTC "
                                f"({int(award[party])} base units)")
            for party in ("payee", "payer")]


def facts(document: str) -> list[tuple[str, str]]:
    """The (label, value) lines the PDF shows, in order, from a verified receipt.

    :raises VerificationError: if the receipt does not verify
    """
    receipts.verify(document)
    body: dict[str, Any] = json.loads(document)["receipt"]
    cp = body["log"]["checkpoint"]
    amount = int(body["amount"])
    issued = datetime.datetime.fromtimestamp(int(body["issued_at"]), datetime.UTC)
    return [
        ("Invoice", str(body["invoice_id"])),
        ("Network", f"{body['network']} (chain id {body['chain_id']})"),
        ("Ruling", words.ruling_label(body["ruling"])),
        ("Amount", f"{words.amount(amount)} sBTC ({amount} base units)"),
        *_award_lines(body),
        ("Token", body["token"]),
        ("Payer", body["payer"]),
        ("Payee", body["payee"]),
        ("Arbiter", body["arbiter"]),
        ("Rationale CID", str(body["rationale_cid"])),
        ("Rationale hash (on chain)", body["rationale_hash"]),
        ("Cited evidence", "\n".join(body["cited_evidence"])),
        ("Transaction", body["txid"]),
        ("Block height", str(body["block_height"])),
        ("Issued", issued.strftime("%Y-%m-%d %H:%M:%S UTC")),
        ("Decision log", f"checkpoint of {cp['size']} entries, root {cp['root']}"),
        ("Signature (SIP-018)", json.loads(document)["signature"]["rsv"]),
    ]


def render(document: str, path: Path) -> None:
    """Write the receipt's PDF to ``path`` (A4, one page of facts).

    :raises VerificationError: if the receipt does not verify
    :raises WriteFailed: if nothing could be written (naming why: folder, permission, disk)
    """
    lines = facts(document)
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtCore import QMarginsF, QRectF, Qt
    from PySide6.QtGui import QFont, QGuiApplication, QPageLayout, QPageSize, QPainter, QPdfWriter

    _app = QGuiApplication.instance() or QGuiApplication([])  # fonts need an application
    writer = QPdfWriter(str(path))
    writer.setPageSize(QPageSize(QPageSize.PageSizeId.A4))
    writer.setPageMargins(QMarginsF(15, 15, 15, 15), QPageLayout.Unit.Millimeter)
    writer.setTitle(TITLE)
    writer.setCreator("Arbiter Desk")
    painter = QPainter()
    if not painter.begin(writer):  # a missing or unwritable folder, a full disk
        raise writes.failure(path)
    try:
        width = writer.width()
        scale = writer.resolution() / 72  # points to device units
        y = 0.0
        painter.setFont(QFont("Helvetica", 16, QFont.Weight.Bold))
        painter.drawText(QRectF(0, y, width, 30 * scale), TITLE)
        y += 34 * scale
        flags = int(Qt.TextFlag.TextWrapAnywhere)
        for label, value in lines:
            painter.setFont(QFont("Courier", 8))
            box = painter.boundingRect(QRectF(width * 0.3, y, width * 0.7, 400 * scale),
                                       flags, value)
            if box.bottom() > writer.height() and y > 0:  # a long citation list: next page
                writer.newPage()
                box.translate(0, -y)
                y = 0.0
            painter.drawText(box, flags, value)
            painter.setFont(QFont("Helvetica", 9, QFont.Weight.Bold))
            painter.drawText(QRectF(0, y, width * 0.3, 40 * scale), flags, label)
            y += max(box.height(), 12 * scale) + 6 * scale
        painter.setFont(QFont("Helvetica", 8))
        painter.drawText(QRectF(0, y + 10 * scale, width, 40 * scale), flags,
                         "The signed JSON receipt is the document of record. Check it with: "
                         "arbiter-app receipt verify FILE --online")
    finally:
        ended = painter.end()
    if not ended or not path.is_file() or path.stat().st_size == 0 or \
            writes.disk_full(path.parent):  # Qt reports no failed write: a cut PDF is kept
        with contextlib.suppress(OSError):
            path.unlink()
        raise writes.failure(path)
