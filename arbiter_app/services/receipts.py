"""Ruling receipts: the facts a verified receipt shows, and its PDF.

The PDF is drawn by :mod:`arbiter_app.records.pdf`, which loads Qt only when it draws.
"""

from __future__ import annotations

from pathlib import Path

from arbiter_app.records import pdf


def receipt_facts(document: str) -> list[tuple[str, str]]:
    """The (label, value) lines of a receipt, in the PDF's order and words.

    :raises VerificationError: if the receipt does not verify
    """
    return pdf.facts(document)


def save_pdf(document: str, path: Path) -> None:
    """Write a verified receipt's PDF to ``path``.

    :raises VerificationError: if the receipt does not verify
    """
    pdf.render(document, path)
