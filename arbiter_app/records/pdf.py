"""The receipt as a PDF, drawn with QtGui's QPdfWriter (the one Qt module outside ``gui/``).

It shows the same facts as the receipt's JSON, in the same words, for people who will not run
``arbiter-app receipt verify``; the JSON stays the document of record, and the PDF says so.
Only a receipt that verifies is rendered. The page carries a QR code of the receipt's CID
(the raw-block CID of its JSON, as published on IPFS), so a party with the paper can fetch and
verify the document of record, and the rationale's text when the caller has it and it hashes
to the receipt's ``rationale_sha256``. Qt is imported inside the function so that importing
:mod:`arbiter_app.records` never loads it; the QR code is encoded by segno (pure Python).
"""

from __future__ import annotations

import contextlib
import datetime
import hashlib
import json
import os
from pathlib import Path
from typing import Any

from arbiter_app import writes
from arbiter_app.case import words
from arbiter_app.errors import VerificationError
from arbiter_app.ipfs.cid import CID
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


def receipt_cid(document: str) -> str:
    """The CID the receipt is published under: CIDv1 raw sha2-256 of its canonical JSON."""
    return str(CID.raw_sha256(hashlib.sha256(document.encode("utf-8")).digest()))


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
        *_v2_facts(body),
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
        ("Receipt CID", receipt_cid(document)),
    ]


def _v2_facts(body: dict[str, Any]) -> list[tuple[str, str]]:
    """The escrow contract and SLA lines of a receipt of schema /2 (none for /1)."""
    if "sla" not in body:
        return []
    sla = body["sla"]

    def when(t: int) -> str:
        return datetime.datetime.fromtimestamp(t, datetime.UTC).strftime("%Y-%m-%d %H:%M UTC")
    verdict = "met" if sla["met"] else "MISSED"
    return [("Escrow contract", body["escrow_contract"]),
            ("SLA", f"raised {when(sla['raised'])}, due {when(sla['due'])}, ruled "
                    f"{when(sla['ruled'])}: {verdict}")]


def _checked_rationale(document: str, rationale: str | None) -> str | None:
    """``rationale`` when it is the text the receipt commits to (``rationale_sha256``).

    :raises VerificationError: for any other text
    """
    if rationale is None:
        return None
    expected = json.loads(document)["receipt"]["rationale_sha256"]
    if hashlib.sha256(rationale.encode("utf-8")).hexdigest() != expected:
        raise VerificationError("the rationale text given for the PDF is not the one the "
                                "receipt's rationale_sha256 commits to")
    return rationale


def render(document: str, path: Path, rationale: str | None = None) -> None:
    """Write the receipt's PDF to ``path`` (A4): the facts, a QR code of the receipt's CID,
    and the rationale's text when given.

    :param rationale: the ruling's rationale text (checked against the receipt)
    :raises VerificationError: if the receipt does not verify, or ``rationale`` is another text
    :raises WriteFailed: if nothing could be written (naming why: folder, permission, disk)
    """
    lines = facts(document)
    text = _checked_rationale(document, rationale)
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
        if y + 110 * scale > writer.height():
            writer.newPage()
            y = 0.0
        _draw_qr(painter, receipt_cid(document), 0.0, y, 100 * scale)
        painter.setFont(QFont("Helvetica", 8))
        painter.drawText(QRectF(110 * scale, y + 40 * scale, width - 110 * scale, 30 * scale),
                         flags, f"Scan for the receipt's CID: {receipt_cid(document)}")
        y += 106 * scale
        if text is not None:
            y = _draw_rationale(writer, painter, text, y + 6 * scale, scale)
        painter.setFont(QFont("Helvetica", 8))
        painter.drawText(QRectF(0, y + 10 * scale, width, 40 * scale), flags,
                         "The signed JSON receipt is the document of record (its CID is in "
                         "the QR code). Check it with: arbiter-app receipt verify FILE --online")
    finally:
        ended = painter.end()
    if not ended or not path.is_file() or path.stat().st_size == 0 or \
            writes.disk_full(path.parent):  # Qt reports no failed write: a cut PDF is kept
        with contextlib.suppress(OSError):
            path.unlink()
        raise writes.failure(path)


def _draw_qr(painter: Any, data: str, x: float, y: float, size: float) -> None:
    """A QR code (error correction M, quiet zone of 4 modules) of ``data`` in a square."""
    import segno
    from PySide6.QtCore import QRectF, Qt

    code = segno.make_qr(data, error="m")
    rows = code.matrix
    module = size / (len(rows) + 8)
    painter.fillRect(QRectF(x, y, size, size), Qt.GlobalColor.white)
    for r, row in enumerate(rows):
        for c, dark in enumerate(row):
            if dark:
                painter.fillRect(QRectF(x + (c + 4) * module, y + (r + 4) * module,
                                        module, module), Qt.GlobalColor.black)


def _draw_rationale(writer: Any, painter: Any, text: str, y: float, scale: float) -> float:
    """The rationale under its heading, paragraph by paragraph across pages; returns the y
    below it."""
    from PySide6.QtCore import QRectF, Qt
    from PySide6.QtGui import QFont

    width = writer.width()
    painter.setFont(QFont("Helvetica", 9, QFont.Weight.Bold))
    painter.drawText(QRectF(0, y, width, 14 * scale), "Rationale")
    y += 16 * scale
    painter.setFont(QFont("Helvetica", 9))
    flags = int(Qt.TextFlag.TextWordWrap)
    for paragraph in text.splitlines() or [""]:
        box = painter.boundingRect(QRectF(0, y, width, writer.height()), flags, paragraph)
        if box.bottom() > writer.height() and y > 0:
            writer.newPage()
            box.translate(0, -y)
            y = 0.0
        painter.drawText(box, flags, paragraph)
        y += box.height() + 2 * scale
    return y
