"""Governance is a fact the arbiter sees: the contract's admins and every proposal, approval,
pause, unpause and whitelist change are read from its events into the store (with who sent
each and when), and pausing the contract on the devnet shows in the app after the next sync:
in the store's state, the status bar's words and the case's chain checks."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from arbiter_app.devnet.launcher import Devnet
from arbiter_app.gui.main_window import contract_words
from arbiter_app.progress import run_to_end
from arbiter_app.services.chain import ChainReader
from arbiter_app.services.sync import sync_disputes
from arbiter_app.store import rows
from arbiter_app.store.governance import governance_state
from tests.integration.services.helpers import devnet_settings, short_session


def test_pausing_on_the_devnet_shows_after_the_next_sync(
    fresh_devnet: Devnet, ledger: Any, tmp_path: Path
) -> None:
    devnet = fresh_devnet
    admins = tuple(devnet.accounts[a] for a in ("admin_1", "admin_2", "admin_3"))
    with short_session(devnet_settings(devnet, tmp_path / "data", ledger.ledger)) as session:
        me = devnet.accounts["arbiter_1"]
        run_to_end(sync_disputes(session, arbiter=me))
        state = governance_state(session.store)
        assert state.admins == admins and state.paused is None
        assert [r.name for r in state.history] == [
            "admins-set", "action-proposed", "action-approved", "token-whitelisted"]
        assert [r.sender for r in state.history[1:]] == [admins[0], admins[1], admins[1]]
        assert contract_words(state) == "Contract: never paused"

        devnet.govern("propose-pause", "admin_1")
        approved = devnet.govern("approve-pause", "admin_2")
        run_to_end(sync_disputes(session, arbiter=me))
        state = governance_state(session.store)
        assert state.paused is True and state.paused_until
        assert "PAUSED" in contract_words(state)
        last = state.history[-1]
        assert (last.name, last.sender, last.txid) == (
            "paused", admins[1], approved["txid"].removeprefix("0x"))
        assert last.block_time > state.history[0].block_time > 0
        known = len(rows.load_case(session.store, 101).dispute.evidence)
        checks = ChainReader(session.api, session.contract_id, me).checks(
            101, me, known_evidence=known)
        assert checks.contract_paused

        devnet.govern("unpause", "admin_3")
        devnet.govern("approve-action", "admin_1")
        run_to_end(sync_disputes(session, arbiter=me))
        assert governance_state(session.store).paused is False
        kinds = session.store.conn.execute(
            "SELECT count(*) FROM log_entries WHERE kind = 'governance-event'").fetchone()[0]
        assert kinds == len(governance_state(session.store).history) == 4 + 3 + 3
