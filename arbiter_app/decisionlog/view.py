"""A stored log as of one signed checkpoint: what exports and receipts are built from."""

from __future__ import annotations

from dataclasses import dataclass, field

from arbiter_app.decisionlog import merkle
from arbiter_app.decisionlog.checkpoint import Attestation, Checkpoint
from arbiter_app.decisionlog.entry import Entry
from arbiter_app.decisionlog.keychain import Handover


@dataclass(frozen=True)
class LogView:
    """The log under ``checkpoint``: its tree, the entries in scope and the key's binding.

    :param checkpoint: the signed head every proof leads to
    :param tree: the Merkle tree of the first ``checkpoint.size`` entries
    :param entries: the entries in scope (the whole log or one case's), in order, all below
        ``checkpoint.size``
    :param attestation: the binding of the log key to the arbiter's address, if made
    :param earlier: every checkpoint kept before ``checkpoint``, oldest first
    :param handovers: the log key's rotations, oldest first (empty if never rotated)
    """

    checkpoint: Checkpoint
    tree: merkle.Tree
    entries: list[Entry]
    attestation: Attestation | None
    earlier: list[Checkpoint]
    handovers: list[Handover] = field(default_factory=list)
