"""A stateful model of the decision log (docs/reliability.md T6.5): random appends, rolled-back
appends and checkpoints; after every step the store agrees with a plain list of entries."""

from __future__ import annotations

import tempfile
from pathlib import Path

from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule

from arbiter_app.decisionlog import merkle
from arbiter_app.store import log
from arbiter_app.store.db import open_store
from tests.fixtures.store import unlocked


class DecisionLogModel(RuleBasedStateMachine):
    """The store's log against a list of the bodies that were committed."""

    def __init__(self) -> None:
        super().__init__()
        self.dir = tempfile.TemporaryDirectory()
        self.store = unlocked(open_store(Path(self.dir.name) / "model.sqlite"))
        self.bodies: list[bytes] = []
        self.seen: list[tuple[int, bytes]] = []

    @rule(count=st.integers(1, 5), case=st.none() | st.integers(1, 3))
    def append(self, count: int, case: int | None) -> None:
        with self.store.atomic():
            for _ in range(count):
                entry = log.append(self.store, "step-completed", {"n": len(self.bodies)},
                                   invoice_id=case, at=len(self.bodies))
                self.bodies.append(entry.body)

    @rule()
    def append_then_roll_back(self) -> None:
        try:
            with self.store.atomic():
                log.append(self.store, "settings-changed", {"lost": True}, at=0)
                raise KeyboardInterrupt  # any exception: the entry must vanish
        except KeyboardInterrupt:
            pass

    @rule()
    def checkpoint(self) -> None:
        cp = log.checkpoint(self.store, now=len(self.bodies))
        self.seen.append((cp.size, cp.root))

    @invariant()
    def store_matches_the_model(self) -> None:
        size, root = log.head(self.store)
        assert size == len(self.bodies)
        tree = merkle.Tree([merkle.leaf_hash(b) for b in self.bodies])
        assert root == tree.root()
        assert [e.body for e in log.entries(self.store)] == self.bodies
        for old_size, old_root in self.seen:
            assert tree.prefix_root(old_size) == old_root
            if old_size:
                merkle.verify_consistency(old_size, size, old_root, root,
                                          tree.consistency_proof(old_size, size))
        for i, body in enumerate(self.bodies):
            merkle.verify_inclusion(i, size, merkle.leaf_hash(body),
                                    tree.inclusion_proof(i), root)

    def teardown(self) -> None:
        self.store.close()
        self.dir.cleanup()


DecisionLogModel.TestCase.settings = settings(max_examples=60, stateful_step_count=25,
                                              deadline=None)
TestDecisionLog = DecisionLogModel.TestCase
