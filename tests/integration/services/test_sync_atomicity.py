"""A case's ``evidence-unavailable`` log entries are written in the SQLite transaction of the
change they record: a failure injected between the evidence row and its entry leaves neither.

Every writer is tried: the sync (an item the chain does not tie to a party's transaction),
the case's opening (an item whose file the devnet withholds) and step 2's "mark
unavailable". The failure is raised by the log writer itself when it is asked for an
``evidence-unavailable`` entry, after the evidence row was written in the same transaction.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from arbiter_app.case.models import EvidenceState
from arbiter_app.decisionlog.entry import Entry
from arbiter_app.devnet.launcher import Devnet
from arbiter_app.progress import run_to_end
from arbiter_app.services import opening, steps
from arbiter_app.services.sync import MARKER_KEY, sync_disputes
from arbiter_app.store import log, rows
from arbiter_app.store.db import Store
from tests.integration.services.helpers import devnet_settings, short_session


class Injected(Exception):
    """The failure injected between an evidence change and its log entry."""


def fail_on_unavailable_entries(monkeypatch: pytest.MonkeyPatch) -> None:
    """Make the log writer fail when asked for an ``evidence-unavailable`` entry."""
    real = log.append

    def append(store: Store, kind: str, data: dict[str, Any], **kwargs: Any) -> Entry:
        if kind == "evidence-unavailable":
            raise Injected("disk gone between the evidence row and its entry")
        return real(store, kind, data, **kwargs)

    monkeypatch.setattr(log, "append", append)


def stored_facts(store: Store) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]], int]:
    """Every evidence row, every log entry (kind, case), and the sync markers."""
    evidence = store.conn.execute(
        "SELECT invoice_id, idx, state FROM evidence ORDER BY invoice_id, idx").fetchall()
    entries = store.conn.execute(
        "SELECT kind, invoice_id FROM log_entries ORDER BY idx").fetchall()
    markers = store.conn.execute("SELECT count(*) FROM settings WHERE key LIKE ?",
                                 (f"{MARKER_KEY}%",)).fetchone()[0]
    return evidence, entries, markers


def test_sync_stores_an_untied_item_and_its_entry_together_or_neither(
        devnet: Devnet, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from arbiter_app.stacks import clarity

    lie = clarity.Some(clarity.Tuple({
        "submitter": clarity.principal(devnet.accounts["admin_3"]),
        "cid": clarity.StringAscii("bafkreilie"), "block-height": clarity.UInt(5)}))
    devnet.set_faults(lie_call_read={"get-evidence": clarity.to_hex(lie)})
    me = devnet.accounts["arbiter_1"]
    with short_session(devnet_settings(devnet, tmp_path / "data")) as session:
        before = stored_facts(session.store)
        with monkeypatch.context() as patch:
            fail_on_unavailable_entries(patch)
            with pytest.raises(Injected):
                run_to_end(sync_disputes(session, arbiter=me))
        # the batch holding case 101 is gone whole: no case, no evidence row, no entry
        assert stored_facts(session.store) == before
        assert rows.list_cases(session.store) == []

        run_to_end(sync_disputes(session, arbiter=me))
        item = rows.load_case(session.store, 101).dispute.evidence[0]
        assert item.state is EvidenceState.MISMATCH
        kinds = [e.kind for e in log.entries(session.store, invoice_id=101)]
        assert kinds.count("evidence-unavailable") == len(
            rows.load_case(session.store, 101).dispute.evidence)


def test_opening_stores_an_unavailable_item_and_its_entry_together_or_neither(
        devnet: Devnet, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    chat = devnet.seed_summary()["files"]["chat-log-payer.txt"]["cid"]
    devnet.set_faults(withhold_blocks=[chat])
    with short_session(devnet_settings(devnet, tmp_path / "data")) as session:
        run_to_end(sync_disputes(session, arbiter=devnet.accounts["arbiter_1"]))
        with monkeypatch.context() as patch:
            fail_on_unavailable_entries(patch)
            with pytest.raises(Injected):
                run_to_end(opening.fetch_on_opening(session, 101))
        item = rows.load_case(session.store, 101).dispute.evidence[0]
        assert (item.state, item.reason) == (EvidenceState.PENDING, "")
        assert "evidence-unavailable" not in [e.kind for e in log.entries(session.store)]

        run_to_end(opening.fetch_on_opening(session, 101))  # the next opening
        item = rows.load_case(session.store, 101).dispute.evidence[0]
        assert item.state is EvidenceState.UNAVAILABLE
        kinds = [e.kind for e in log.entries(session.store, invoice_id=101)]
        assert kinds.count("evidence-unavailable") == 1


def test_marking_an_item_unavailable_stores_the_state_and_its_entry_together_or_neither(
        devnet: Devnet, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with short_session(devnet_settings(devnet, tmp_path / "data")) as session:
        run_to_end(sync_disputes(session, arbiter=devnet.accounts["arbiter_1"]))
        before = stored_facts(session.store)
        with monkeypatch.context() as patch:
            fail_on_unavailable_entries(patch)
            with pytest.raises(Injected):
                steps.mark_evidence_unavailable(session, 101, 0, reason="the link is dead",
                                                now=1_800_000_000)
        assert stored_facts(session.store) == before
        assert rows.load_case(session.store, 101).dispute.evidence[0].state \
            is EvidenceState.PENDING  # the sync leaves it to the case's opening

        steps.mark_evidence_unavailable(session, 101, 0, reason="the link is dead",
                                        now=1_800_000_000)
        assert rows.load_case(session.store, 101).dispute.evidence[0].state \
            is EvidenceState.UNAVAILABLE
        last = log.entries(session.store, invoice_id=101)[-1]
        assert (last.kind, last.data["reason"]) == ("evidence-unavailable", "the link is dead")
