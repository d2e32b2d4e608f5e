"""Exporting the decision log to a file: JSONL with proofs (for auditors) or CSV (for reading).

The file is written beside its target as ``NAME.part`` and renamed over it only when complete,
so an interrupted export never leaves a file that looks whole.
"""

from __future__ import annotations

from pathlib import Path
from typing import IO, Literal

from arbiter_app.records import export
from arbiter_app.services.session import Session
from arbiter_app.store import log

ExportFormat = Literal["jsonl", "csv"]


def export_log(session: Session, path: Path, *, fmt: ExportFormat = "jsonl",
               invoice_id: int | None = None, now: int) -> int:
    """Write the whole log (or one case's entries) to ``path``.

    :param fmt: ``jsonl`` (signed, with inclusion proofs under a fresh checkpoint taken at
        ``now``) or ``csv`` (for spreadsheets; not a proof)
    :param invoice_id: export only this case's entries
    :returns: the number of entries written
    """
    tmp = path.with_name(path.name + ".part")
    if fmt == "csv":
        with open(tmp, "w", encoding="utf-8", newline="") as text:
            count = write_csv(session, text, invoice_id=invoice_id)
    else:
        with open(tmp, "wb") as binary:
            count = write_jsonl(session, binary, invoice_id=invoice_id, now=now)
    tmp.replace(path)
    return count


def write_jsonl(session: Session, out: IO[bytes], *, invoice_id: int | None = None,
                now: int) -> int:
    """Write a JSONL export to a binary stream under a fresh checkpoint taken at ``now``.

    :returns: the number of entries written
    """
    store = session.store
    view = log.view(store, log.checkpoint(store, now=now), invoice_id=invoice_id)
    return export.export_jsonl(view, out, log.private_key(store).sign, invoice_id=invoice_id)


def write_csv(session: Session, out: IO[str], *, invoice_id: int | None = None) -> int:
    """Write the entries (or one case's) as CSV to a text stream; returns how many."""
    return export.export_csv(log.entries(session.store, invoice_id=invoice_id), out)
