"""A case's first opening on the seeded devnet: it says which evidence item it is fetching,
one report per item whatever its downloads report, and a cancel stops it between items with
what was verified stored and the rest left pending for the next opening."""

from __future__ import annotations

from pathlib import Path

import pytest

from arbiter_app.case.models import EvidenceState
from arbiter_app.devnet.launcher import Devnet
from arbiter_app.errors import Cancelled
from arbiter_app.progress import CancelToken, Progress, run_to_end
from arbiter_app.services import opening
from arbiter_app.services.sync import sync_disputes
from arbiter_app.store import rows
from tests.integration.services.helpers import devnet_settings, short_session


def test_the_opening_reports_each_evidence_item_it_fetches(
        devnet: Devnet, tmp_path: Path) -> None:
    with short_session(devnet_settings(devnet, tmp_path / "data")) as session:
        run_to_end(sync_disputes(session, arbiter=devnet.accounts["arbiter_1"]))
        count = len(rows.load_case(session.store, 101).dispute.evidence)
        seen: list[Progress] = []
        run_to_end(opening.fetch_on_opening(session, 101), seen.append)
    items = [p for p in seen if p.label.startswith("fetching evidence")]
    assert sorted({(p.label, p.done, p.total) for p in items}) == [
        (f"fetching evidence {n} of {count} of invoice 101…", n - 1, count)
        for n in range(1, count + 1)]
    assert seen[0].label == "fetching the terms of invoice 101…"


def test_a_cancelled_opening_keeps_what_it_verified_and_the_next_one_fetches_the_rest(
        devnet: Devnet, tmp_path: Path) -> None:
    with short_session(devnet_settings(devnet, tmp_path / "data")) as session:
        run_to_end(sync_disputes(session, arbiter=devnet.accounts["arbiter_1"]))
        count = len(rows.load_case(session.store, 101).dispute.evidence)
        assert count > 1
        token = CancelToken()

        def cancel_at_the_second_item(p: Progress) -> None:
            if p.label.startswith("fetching evidence 2 of"):
                token.cancel()

        with pytest.raises(Cancelled):
            run_to_end(opening.fetch_on_opening(session, 101, token), cancel_at_the_second_item)
        states = [e.state for e in rows.load_case(session.store, 101).dispute.evidence]
        assert states == [EvidenceState.VERIFIED] + [EvidenceState.PENDING] * (count - 1)
        assert run_to_end(opening.fetch_on_opening(session, 101)) == opening.Opening()
        states = [e.state for e in rows.load_case(session.store, 101).dispute.evidence]
    assert states == [EvidenceState.VERIFIED] * count
