"""Crash safety (reliability.md T1.4, T2.1): a writer SIGKILLed at 200 random points.

After every kill the store must open with ``integrity_check`` ok, the decision log must pass
its full audit, every ruling the child acknowledged must be there with its step, transaction
and log entry, no ruling may exist without its log entry (or the reverse), and every
checkpoint published before any kill must still be there and be consistent with the new head.
"""

from __future__ import annotations

import random
import subprocess
import sys
import time
from pathlib import Path

import pytest

from arbiter_app.decisionlog import merkle
from arbiter_app.store import log
from arbiter_app.store.db import Store, open_store

REPO = Path(__file__).resolve().parents[3]
KILLS = 200


def run_and_kill(db: Path, rng: random.Random) -> list[str]:
    child = subprocess.Popen([sys.executable, "-m", "tests.unit.store.crash_child", str(db)],
                             cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert child.stdout is not None
    first = child.stdout.readline()
    if first != b"ready\n":
        child.kill()
        raise AssertionError(f"child failed to start: {first!r} {child.communicate()[1]!r}")
    time.sleep(rng.uniform(0, 0.12))
    child.kill()  # SIGKILL: no cleanup, no atexit, mid-transaction if we are lucky
    out, err = child.communicate()
    assert child.returncode == -9, err.decode()
    return out.decode().splitlines()


def check_store(store: Store, acknowledged: set[int], published: dict[int, bytes]) -> None:
    assert store.integrity() == "ok"
    size = log.verify_log(store)
    rulings = dict(store.conn.execute("SELECT invoice_id, log_index FROM rulings").fetchall())
    assert acknowledged <= set(rulings), f"lost rulings {acknowledged - set(rulings)}"
    finalized = dict(store.conn.execute(
        "SELECT invoice_id, idx FROM log_entries WHERE kind = 'ruling-finalized'").fetchall())
    assert finalized == rulings, "a ruling without its log entry, or the reverse"
    step5 = {r[0] for r in store.conn.execute("SELECT invoice_id FROM steps WHERE step = 5")}
    assert step5 == set(rulings), "a half-written ruling (step 5 and ruling disagree)"
    txs = {r[0] for r in store.conn.execute("SELECT invoice_id FROM transactions")}
    signed = {r[0] for r in store.conn.execute(
        "SELECT invoice_id FROM log_entries WHERE kind = 'transaction-signed'")}
    assert txs == signed and txs <= set(rulings)
    tree = log.tree(store)
    kept = {cp.size: cp.root for cp in log.checkpoints(store)}
    for old_size, old_root in published.items():
        assert kept.get(old_size) == old_root, f"published checkpoint {old_size} changed"
        merkle.verify_consistency(old_size, size, old_root, tree.root(),
                                  tree.consistency_proof(old_size, size))


@pytest.mark.slow
def test_sigkill_at_200_random_points_never_loses_or_halves_a_ruling(tmp_path: Path) -> None:
    db = tmp_path / "cases.sqlite"
    open_store(db).close()
    rng = random.Random(20260)
    acknowledged: set[int] = set()
    published: dict[int, bytes] = {}
    for _ in range(KILLS):
        for line in run_and_kill(db, rng):
            word, *rest = line.split()
            if word == "ruled":
                acknowledged.add(int(rest[0]))
            elif word == "checkpoint":
                published[int(rest[0])] = bytes.fromhex(rest[1])
        with open_store(db) as store:
            check_store(store, acknowledged, published)
    assert len(acknowledged) > KILLS // 4, "the child rarely got a ruling in: kill points too early"
