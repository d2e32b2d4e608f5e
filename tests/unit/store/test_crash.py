"""Crash safety (docs/reliability.md T1.4, T2.1): a writer SIGKILLed at 200 random points.

The writers are forked from one server that imported the app once (``crash_child``), so a
kill costs a fork instead of a fresh interpreter. After every kill the store must open with
``integrity_check`` ok, the decision log must pass its full audit, every ruling the child
acknowledged must be there with its step, transaction and log entry, no ruling may exist
without its log entry (or the reverse), and every checkpoint published before any kill must
still be there and be consistent with the new head.
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import IO

import pytest

from arbiter_app.decisionlog import merkle
from arbiter_app.store import log
from arbiter_app.store.db import Store, open_store

REPO = Path(__file__).resolve().parents[3]
KILLS = 200


@pytest.fixture
def fork_server(tmp_path: Path) -> Iterator[subprocess.Popen[str]]:
    db = tmp_path / "cases.sqlite"
    open_store(db).close()
    with (tmp_path / "stderr").open("w") as errors, \
            subprocess.Popen([sys.executable, "-m", "tests.unit.store.crash_child", str(db)],
                             cwd=REPO, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                             stderr=errors, text=True) as server:
        yield server
        server.kill()


def _line(out: IO[str], server: subprocess.Popen[str], errors: Path) -> str:
    line = out.readline()
    if not line:
        server.kill()
        raise AssertionError(f"the fork server ended: {errors.read_text()}")
    return line.rstrip("\n")


def run_and_kill(server: subprocess.Popen[str], rng: random.Random, errors: Path) -> list[str]:
    """Fork a writer, let it run a random while, SIGKILL it; return what it acknowledged."""
    assert server.stdin is not None and server.stdout is not None
    server.stdin.write("fork\n")
    server.stdin.flush()
    pid, ready = 0, False
    while not (pid and ready):
        line = _line(server.stdout, server, errors)
        pid = int(line.split()[1]) if line.startswith("pid ") else pid
        ready = ready or line == "ready"
    said = []
    if rng.random() < 0.5:  # half the kills land past a first ruling, however slow the machine
        while not (line := _line(server.stdout, server, errors)).startswith("ruled "):
            said.append(line)
        said.append(line)
    time.sleep(rng.uniform(0, 0.12))
    os.kill(pid, signal.SIGKILL)  # no cleanup, no atexit, mid-transaction if we are lucky
    while not (line := _line(server.stdout, server, errors)).startswith("died "):
        said.append(line)
    assert line == "died -9", f"{line}: {errors.read_text()}"
    return said


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
def test_sigkill_at_200_random_points_never_loses_or_halves_a_ruling(
        tmp_path: Path, fork_server: subprocess.Popen[str]) -> None:
    db = tmp_path / "cases.sqlite"
    rng = random.Random(20260)
    acknowledged: set[int] = set()
    published: dict[int, bytes] = {}
    for _ in range(KILLS):
        for line in run_and_kill(fork_server, rng, tmp_path / "stderr"):
            word, *rest = line.split()
            if word == "ruled":
                acknowledged.add(int(rest[0]))
            elif word == "checkpoint":
                published[int(rest[0])] = bytes.fromhex(rest[1])
        with open_store(db) as store:
            check_store(store, acknowledged, published)
    assert len(acknowledged) > KILLS // 4, "the child rarely got a ruling in: kill points too early"
