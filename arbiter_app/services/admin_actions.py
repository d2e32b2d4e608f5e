"""The escrow's governance as the arbiter reviews it: its pause state, its admins and every
admin action (each a 2-of-3 proposal: who proposed, who approved, which transactions, what
it did), folded from the stored governance events; actions the last sync brought in are
marked new, so a pause or an admin change is not missed.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from arbiter_app.services.session import Session
from arbiter_app.store.governance import (
    GovernanceRecord,
    GovernanceState,
    governance_state,
    logged_by_last_sync,
)

PROPOSED = frozenset({"pause-proposed", "action-proposed"})
APPROVED = frozenset({"pause-approved", "action-approved"})
CARRIED = frozenset({"paused", "unpaused", "token-whitelisted", "token-removed",
                     "admin-replaced"})


@dataclass
class AdminAction:
    """One admin action of the contract.

    :param action_id: the contract's action id
    :param action: what was proposed (``pause``, ``unpause``, ``whitelist-token``, ...)
    :param proposer: the admin who proposed it, in transaction ``proposed_tx``
    :param approvals: (admin, txid) of each approval after the proposal
    :param outcome: the event that carried it out (``paused``, ...) and its txid, if any
    :param new: the last sync brought in one of its events
    """

    action_id: int
    action: str
    proposer: str
    proposed_tx: str
    proposed_height: int
    approvals: list[tuple[str, str]] = field(default_factory=list)
    outcome: tuple[str, str] | None = None
    new: bool = False

    @property
    def approvers(self) -> list[str]:
        """The admins who approved it."""
        return [admin for admin, _ in self.approvals]


@dataclass(frozen=True)
class GovernanceView:
    """The contract's governance: state, admin actions (oldest first) and whether the last
    sync brought a pause or an admin action."""

    state: GovernanceState
    actions: tuple[AdminAction, ...]
    admins_set_new: bool

    @property
    def changed(self) -> bool:
        """Whether the last sync brought any governance event."""
        return self.admins_set_new or any(a.new for a in self.actions)


def governance_view(session: Session) -> GovernanceView:
    """Fold the stored governance events into admin actions."""
    state = governance_state(session.store)
    fresh = logged_by_last_sync(session.store)
    actions: dict[int, AdminAction] = {}
    admins_set_new = False
    for r in state.history:
        is_new = (r.txid, r.event_index) in fresh
        if r.name == "admins-set":
            admins_set_new = admins_set_new or is_new
            continue
        action = _action_of(actions, r)
        if action is None:
            continue
        action.new = action.new or is_new
        if r.name in APPROVED:
            action.approvals.append((str(r.fields.get("admin", r.sender)), r.txid))
        elif r.name in CARRIED:
            action.outcome = (r.name, r.txid)
    return GovernanceView(state, tuple(actions.values()), admins_set_new)


def _action_of(actions: dict[int, AdminAction], r: GovernanceRecord) -> AdminAction | None:
    """The action ``r`` belongs to, created by its proposal (``None`` for an event that names
    no action id)."""
    action_id = r.fields.get("action-id")
    if not isinstance(action_id, int):
        return None
    if action_id not in actions:
        proposer = str(r.fields.get("proposer", r.sender))
        name = str(r.fields.get("action", r.name)) if r.name in PROPOSED else r.name
        actions[action_id] = AdminAction(action_id, name, proposer, r.txid if r.name in
                                         PROPOSED else "", r.block_height)
    return actions[action_id]
