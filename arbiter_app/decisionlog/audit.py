"""The full audit of a log's stored rows against its head and its checkpoints (pure)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from arbiter_app.decisionlog import merkle
from arbiter_app.decisionlog.checkpoint import Checkpoint
from arbiter_app.decisionlog.entry import Entry
from arbiter_app.decisionlog.keychain import KeyChain
from arbiter_app.errors import VerificationError


def verify_rows(rows: Iterable[tuple[object, object, object]], size: int, root: bytes,
                checkpoints: Sequence[Checkpoint], chain: KeyChain | None) -> int:
    """Check stored ``(index, body, leaf)`` rows against the head (``size``, ``root``).

    Checks that every entry is canonical with its own index, that its stored leaf is its
    hash, that the head equals the root of all leaves, and that every checkpoint is correctly
    signed by the key of ``chain`` that held the log at its size and equals the root of its
    prefix (so all are mutually consistent).

    :returns: the log's size
    :raises VerificationError: naming the first problem found
    """
    leaves = []
    for position, (idx, body, leaf) in enumerate(rows):
        if not isinstance(body, bytes) or not isinstance(leaf, bytes):
            raise VerificationError(f"log entry {position} is damaged (not stored as bytes)")
        try:
            entry = Entry.from_body(body)
        except VerificationError as e:
            raise VerificationError(f"log entry {position} is damaged: {e}") from e
        if idx != position or entry.index != position:
            raise VerificationError(f"log entry {position} is missing or out of place")
        if merkle.leaf_hash(body) != leaf:
            raise VerificationError(f"log entry {position} does not match its leaf hash")
        leaves.append(leaf)
    full = merkle.Tree(leaves)
    if full.size != size or full.root() != root:
        raise VerificationError("the log head does not match its entries")
    for cp in checkpoints:
        if chain is None:
            raise VerificationError("the log has checkpoints but no log key")
        chain.check(cp)
        if cp.size > size or full.prefix_root(cp.size) != cp.root:
            raise VerificationError(f"the checkpoint of size {cp.size} is not a prefix of the log")
    return size
