"""Child process for the SIGKILL test: writes whole cases (rulings, transactions, checkpoints)
in a loop and reports each on stdout only after its COMMIT returned.

Run as ``python -m tests.unit.store.crash_child DB``; prints ``ready``, then ``ruled ID`` and
``checkpoint SIZE ROOTHEX`` lines until killed.
"""

from __future__ import annotations

import sys

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
)


def one_case(store: Store, i: int) -> None:
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
    print(f"ruled {i}", flush=True)
    execution.record_rationale(store, i, rationale_hash=f"{i:064x}", rationale_cid=f"cid{i}",
                               now=now)
    execution.record_transaction(store, i, txid=f"{i:064x}", raw_hex="00", now=now)
    if i % 2:
        cp = log.checkpoint(store, now=now)
        print(f"checkpoint {cp.size} {cp.root.hex()}", flush=True)


def main(path: str) -> None:
    store = open_store(path)
    row = store.conn.execute("SELECT max(id) FROM invoices").fetchone()
    i = (row[0] or 0) + 1
    print("ready", flush=True)
    while True:
        one_case(store, i)
        i += 1


if __name__ == "__main__":
    main(sys.argv[1])
