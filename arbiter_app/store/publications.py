"""Where each published document (rationale, receipt, case bundle) is pinned, and whether it
was read back.

One row per (document CID, pinning target). Each change of a row's state is one transaction
holding the row and its ``document-pinned`` decision-log entry, so the log says when a
document became retrievable from where, and when a target refused it (queued for retry).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING

from arbiter_app.store import log

if TYPE_CHECKING:
    from arbiter_app.store.db import Store

PINNED, QUEUED = "pinned", "queued"


@dataclass(frozen=True)
class Publication:
    """One document on one pinning target.

    :param cid: the document's CID
    :param target: ``kubo`` or ``pinning-service``
    :param invoice_id: the case the document belongs to
    :param document: ``rationale``, ``receipt`` or ``bundle``
    :param endpoint: the target's URL
    :param state: :data:`PINNED`, or :data:`QUEUED` (to be tried again)
    :param request_id: the pinning service's request id (empty for Kubo)
    :param pinned_at: when the target confirmed the pin (``None`` while queued)
    :param verified_at: when the document was read back by CID and hashed to it
    :param verified_via: the gateway or node it was read back through
    :param detail: the last problem, in words (empty once pinned)
    """

    cid: str
    target: str
    invoice_id: int
    document: str
    endpoint: str
    state: str
    request_id: str = ""
    pinned_at: int | None = None
    verified_at: int | None = None
    verified_via: str = ""
    detail: str = ""


def record(store: Store, publication: Publication, data: bytes, *, now: int) -> None:
    """Keep ``publication`` with the document's bytes and log it, unless the same state is
    already kept."""
    row = {**asdict(publication), "data": data, "updated_at": now}
    with store.atomic():
        old = load(store, publication.cid, publication.target)
        if old == publication:
            return
        store.db["publications"].upsert(row, pk=("cid", "target"))  # type: ignore[union-attr]
        log.append(store, "document-pinned", {
            "cid": publication.cid, "document": publication.document,
            "target": publication.target, "endpoint": publication.endpoint,
            "state": publication.state, "verified_via": publication.verified_via,
            "detail": publication.detail,
        }, invoice_id=publication.invoice_id, at=now)


def load(store: Store, cid: str, target: str) -> Publication | None:
    """The kept state of ``cid`` on ``target``, or ``None``."""
    rows = _select(store, "WHERE cid = ? AND target = ?", (cid, target))
    return rows[0] if rows else None


def for_case(store: Store, invoice_id: int) -> list[Publication]:
    """Every publication of a case's documents, oldest document kind first."""
    return _select(store, "WHERE invoice_id = ? ORDER BY rowid", (invoice_id,))


def queued(store: Store) -> list[Publication]:
    """Publications waiting to be tried again, oldest first."""
    return _select(store, "WHERE state = ? ORDER BY updated_at, rowid", (QUEUED,))


_FIELDS = tuple(Publication.__dataclass_fields__)


def _select(store: Store, where: str, args: tuple[object, ...]) -> list[Publication]:
    sql = f"SELECT {', '.join(_FIELDS)} FROM publications {where}"
    return [Publication(*row) for row in store.conn.execute(sql, args)]


def data(store: Store, cid: str, target: str) -> bytes:
    """The kept bytes of a published document."""
    row = store.conn.execute("SELECT data FROM publications WHERE cid = ? AND target = ?",
                             (cid, target)).fetchone()
    return bytes(row[0]) if row is not None else b""
