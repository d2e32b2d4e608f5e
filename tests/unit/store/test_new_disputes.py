"""Storing a run of new disputes in one go (a first sync's thousands): the same rows and the
same log, entry for entry, as storing them one by one; a dispute already held, or one with
evidence, is refused and nothing of the run is written."""

from __future__ import annotations

from pathlib import Path

import pytest

from arbiter_app.case.models import Dispute, Invoice
from arbiter_app.errors import StoreError
from arbiter_app.store import cases, log
from arbiter_app.store.db import Store, open_store
from tests.fixtures.store import T0, make_dispute, make_invoice, unlocked

TABLES = ("SELECT * FROM invoices ORDER BY id", "SELECT * FROM disputes ORDER BY invoice_id",
          "SELECT * FROM evidence ORDER BY invoice_id, idx",
          "SELECT idx, kind, invoice_id, at, body, leaf FROM log_entries ORDER BY idx",
          "SELECT size, frontier FROM log_head")


def contents(store: Store) -> list[list[tuple[object, ...]]]:
    return [store.conn.execute(q).fetchall() for q in TABLES]


def pairs(ids: range) -> list[tuple[Invoice, Dispute]]:
    return [(make_invoice(i), make_dispute(i, evidence=0)) for i in ids]


def test_a_run_stored_in_one_go_equals_the_same_run_stored_one_by_one(tmp_path: Path) -> None:
    with unlocked(open_store(tmp_path / "one.sqlite")) as one, \
            unlocked(open_store(tmp_path / "run.sqlite")) as run:
        for store in (one, run):  # a case with evidence first: the log does not start empty
            cases.sync_dispute(store, make_invoice(1), make_dispute(1, evidence=2), now=T0)
        with one.atomic():
            for invoice, dispute in pairs(range(2, 1203)):
                cases.sync_dispute(one, invoice, dispute, now=T0)
        cases.add_new_disputes(run, pairs(range(2, 1203)), now=T0)
        assert contents(run) == contents(one)
        assert len(contents(run)[3]) == 1 + 2 + 1201
        assert log.verify_log(run) == log.verify_log(one)


def test_a_dispute_already_held_is_refused_and_nothing_of_the_run_is_written(
    fresh_store: Store,
) -> None:
    cases.sync_dispute(fresh_store, make_invoice(700), make_dispute(700, evidence=0), now=T0)
    before = contents(fresh_store)
    with pytest.raises(StoreError, match="already holds the dispute of invoice 700"):
        cases.add_new_disputes(fresh_store, pairs(range(1, 1001)), now=T0)
    assert contents(fresh_store) == before


def test_a_new_dispute_with_evidence_is_refused(fresh_store: Store) -> None:
    run = [*pairs(range(1, 4)), (make_invoice(4), make_dispute(4, evidence=1))]
    with pytest.raises(StoreError, match="with evidence is stored by sync_dispute"):
        cases.add_new_disputes(fresh_store, run, now=T0)
    assert contents(fresh_store) == [[], [], [], [], []]
