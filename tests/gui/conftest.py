"""GUI test helpers: a session over a temporary case store filled by the store's own writers.

Views are built with a :class:`Session` passed in; cases come from the
store fixtures' builders through ``store.cases.sync_dispute``, exactly as a sync writes them.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator

import pytest
from PySide6.QtCore import QThreadPool

from arbiter_app import config
from arbiter_app.case.models import EvidenceState, Invoice
from arbiter_app.gui.tasks import Task
from arbiter_app.services.session import Session
from arbiter_app.store import cases
from arbiter_app.store.db import Store
from tests.fixtures.store import T0, make_dispute, make_invoice


@pytest.fixture
def local_session(fresh_store: Store) -> Iterator[Session]:
    """A session over the ``fresh_store`` file (no network is touched; the signer is a Ledger
    over HID that is not there, so the window shows the signer as unavailable)."""
    session = Session(config.Settings(data_dir=str(fresh_store.path.parent)))
    assert session.store.path == fresh_store.path
    yield session
    close_after_tasks(session)


def close_after_tasks(session: Session) -> None:
    """Close the session once the views' background work has ended, as the app does on quit
    (a case opened in a test may still be fetching its documents from the store)."""
    for task in list(Task._running):
        task.cancel()
    QThreadPool.globalInstance().waitForDone(30_000)
    session.close()


def add_case(session: Session, invoice_id: int, *, invoice: Invoice | None = None,
             titles: tuple[str, ...] = ("Delivery note", "Chat log")) -> None:
    """Store a disputed case with verified evidence items titled ``titles``."""
    dispute = make_dispute(invoice_id, evidence=len(titles))
    items = tuple(dataclasses.replace(e, title=t, state=EvidenceState.VERIFIED)
                  for e, t in zip(dispute.evidence, titles, strict=True))
    cases.sync_dispute(session.store, invoice or make_invoice(invoice_id),
                       dataclasses.replace(dispute, evidence=items), now=T0)
