"""Exporting the decision log to a file: JSONL with proofs (for auditors) or CSV (for reading).

The file is written beside its target as ``NAME.part`` and renamed over it only when complete,
so an interrupted export never leaves a file that looks whole.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from arbiter_app.records import export
from arbiter_app.services.session import Session

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
            count = export.export_csv(session.store, text, invoice_id=invoice_id)
    else:
        with open(tmp, "wb") as binary:
            count = export.export_jsonl(session.store, binary, invoice_id=invoice_id, now=now)
    tmp.replace(path)
    return count
