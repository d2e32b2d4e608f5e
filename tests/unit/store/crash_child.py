"""Writer for the SIGKILL test: writes whole cases (rulings, transactions, checkpoints) in a
loop and reports each on stdout only after its COMMIT returned.

Run as ``python -m tests.unit.store.crash_child DB``: a fork server. It imports the app once,
then for every line on stdin forks a writer and prints ``pid N``; the writer opens the store
(after the fork: an SQLite connection must never cross one), prints ``ready``, then ``ruled
ID`` and ``checkpoint SIZE ROOTHEX`` lines until killed; once it is gone the server prints
``died STATUS`` (``-9`` for SIGKILL). Every line is one write to the shared pipe, so the lines
never mix, and all of a writer's lines come before its ``died``.
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

from arbiter_app.case.framework import RulingProposal
from arbiter_app.case.models import Decision, ReviewFlag
from arbiter_app.services import queries, steps
from arbiter_app.store import cases, execution, log
from arbiter_app.store.db import Store, open_store
from tests.fixtures.store import (
    RATIONALE,
    T0,
    make_checks,
    make_dispute,
    make_invoice,
    session_on,
    unlocked,
)


def say(line: str) -> None:
    """One whole line in one write to stdout (a pipe: atomic, so the server's and its
    writer's lines never interleave mid-line)."""
    os.write(sys.stdout.fileno(), f"{line}\n".encode())


def one_case(store: Store, i: int, *, quiet: bool = False) -> None:
    inv, dispute = make_invoice(i), make_dispute(i, evidence=2)
    now = T0 + i * 100
    session = session_on(store)
    cases.sync_dispute(store, inv, dispute, now=now)
    for e in dispute.evidence:
        cases.open_evidence(store, i, e.index, title=f"note {i}-{e.index}", files=(), now=now)
    shown = queries.past_dealings(session, queries.load_case(session, i))
    steps.complete_terms(session, i, no_conflict=True, dealings_shown=shown, now=now)
    steps.complete_evidence(session, i, now=now)
    steps.complete_chain(session, i, checks=make_checks(inv), acknowledged=make_checks(inv),
                         now=now)
    steps.complete_documents(session, i, consulted=[dispute.reason_cid, str(inv.terms.cid)],
                             now=now)
    proposal = RulingProposal(Decision.REFUND if i % 2 else Decision.RELEASE, RATIONALE,
                              (dispute.evidence[0].manifest_cid,), tuple(ReviewFlag))
    steps.finalize_ruling(session, i, proposal, now=now)
    if not quiet:
        say(f"ruled {i}")
    execution.record_rationale(store, i, rationale_hash=f"{i:064x}", rationale_cid=f"cid{i}",
                               now=now)
    execution.record_transaction(store, i, txid=f"{i:064x}", raw_hex="00", now=now)
    if i % 2:
        cp = log.checkpoint(store, now=now)
        if not quiet:
            say(f"checkpoint {cp.size} {cp.root.hex()}")


def write_until_killed(path: str) -> None:
    """The writer: whole cases, one after another, numbered after those already stored."""
    store = unlocked(open_store(path))
    row = store.conn.execute("SELECT max(id) FROM invoices").fetchone()
    i = (row[0] or 0) + 1
    say("ready")
    while True:
        one_case(store, i)
        i += 1


def serve(path: str) -> None:
    """Fork one writer per line read from stdin, reporting its pid and how it ended.

    One case is written to a scratch store first, so every module the writers import on first
    use is already loaded (the scratch store is closed before any fork).
    """
    with tempfile.TemporaryDirectory() as scratch, \
            unlocked(open_store(Path(scratch) / "s.sqlite")) as s:
        one_case(s, 1, quiet=True)
    for _ in sys.stdin:
        pid = os.fork()
        if pid == 0:
            write_until_killed(path)
        say(f"pid {pid}")
        _, status = os.waitpid(pid, 0)
        say(f"died {os.waitstatus_to_exitcode(status)}")


if __name__ == "__main__":
    serve(sys.argv[1])
