"""The governance view on a devnet: every admin action with who proposed it, who
approved it and in which transactions, what it did; a pause and an unpause appear with their
approvers, and what the last sync brought is marked new (and only that)."""

from __future__ import annotations

import os
from pathlib import Path

from pytestqt.qtbot import QtBot

from arbiter_app.devnet.launcher import Devnet
from arbiter_app.gui.views.governance import GovernanceDialog
from arbiter_app.progress import run_to_end
from arbiter_app.services.admin_actions import governance_view
from arbiter_app.services.sync import sync_disputes
from tests.integration.services.helpers import devnet_settings, short_session


def test_a_pause_and_an_unpause_show_with_their_approvers_and_are_marked_new(
        fresh_devnet: Devnet, tmp_path: Path, qtbot: QtBot) -> None:
    devnet, acc = fresh_devnet, fresh_devnet.accounts
    a1, a2, a3 = (acc[f"admin_{n}"] for n in (1, 2, 3))
    with short_session(devnet_settings(devnet, tmp_path / "data")) as session:
        me = acc["arbiter_1"]
        run_to_end(sync_disputes(session, arbiter=me))
        view = governance_view(session)
        [whitelist] = view.actions
        assert (whitelist.action, whitelist.proposer, whitelist.approvers) == (
            "whitelist-token", a1, [a2])
        assert whitelist.outcome is not None and whitelist.outcome[0] == "token-whitelisted"
        assert whitelist.new and view.changed

        proposed = devnet.govern("propose-pause", "admin_1")
        approved = devnet.govern("approve-pause", "admin_2")
        run_to_end(sync_disputes(session, arbiter=me))
        view = governance_view(session)
        pause = view.actions[-1]
        assert (pause.action, pause.proposer, pause.approvals) == (
            "pause", a1, [(a2, approved["txid"].removeprefix("0x"))])
        assert pause.proposed_tx == proposed["txid"].removeprefix("0x")
        assert pause.outcome == ("paused", approved["txid"].removeprefix("0x"))
        assert [a.new for a in view.actions] == [False, True] and view.state.paused

        devnet.govern("unpause", "admin_3")
        devnet.govern("approve-action", "admin_1")
        run_to_end(sync_disputes(session, arbiter=me))
        view = governance_view(session)
        unpause = view.actions[-1]
        assert (unpause.action, unpause.proposer, unpause.approvers) == ("unpause", a3, [a1])
        assert unpause.outcome is not None and unpause.outcome[0] == "unpaused"
        assert [a.new for a in view.actions] == [False, False, True]
        assert view.state.paused is False

        run_to_end(sync_disputes(session, arbiter=me))  # nothing new on chain
        assert not governance_view(session).changed

        dialog = GovernanceDialog(session)
        qtbot.addWidget(dialog)
        dialog.resize(1100, 300)
        assert dialog.table.rowCount() == 3
        assert "active" in dialog.summary.text() and a2 in dialog.summary.text()
        if os.environ.get("ARBITER_SHOTS"):
            dialog.grab().save(str(Path(os.environ["ARBITER_SHOTS"]) / "governance.png"))
