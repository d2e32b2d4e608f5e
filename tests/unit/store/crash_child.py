"""Child process for the SIGKILL test: writes whole cases (rulings, transactions, checkpoints)
in a loop and reports each on stdout only after its COMMIT returned.

Run as ``python -m tests.unit.store.crash_child DB``; prints ``ready``, then ``ruled ID`` and
``checkpoint SIZE ROOTHEX`` lines until killed.
"""

from __future__ import annotations

import sys

from arbiter_app.case.framework import RulingProposal
from arbiter_app.case.models import Decision, ReviewFlag
from arbiter_app.store import cases, execution, log
from arbiter_app.store.db import open_store
from tests.fixtures.store import RATIONALE, T0, make_checks, make_dispute, make_invoice


def one_case(store: object, i: int) -> None:
    inv, dispute = make_invoice(i), make_dispute(i, evidence=2)
    now = T0 + i * 100
    cases.sync_dispute(store, inv, dispute, now=now)  # type: ignore[arg-type]
    for e in dispute.evidence:
        cases.open_evidence(store, i, e.index, title=f"note {i}-{e.index}", files=(), now=now)  # type: ignore[arg-type]
    cases.complete_terms(store, i, no_conflict=True,  # type: ignore[arg-type]
                         dealings_shown=cases.past_dealings(store, inv.arbiter,  # type: ignore[arg-type]
                                                            (inv.payer, inv.payee), i), now=now)
    cases.complete_evidence(store, i, now=now)  # type: ignore[arg-type]
    cases.complete_chain(store, i, checks=make_checks(inv), acknowledged=make_checks(inv),  # type: ignore[arg-type]
                         now=now)
    cases.complete_documents(store, i, consulted=[dispute.reason_cid, inv.terms.cid], now=now)  # type: ignore[arg-type]
    proposal = RulingProposal(Decision.REFUND if i % 2 else Decision.RELEASE, RATIONALE,
                              (dispute.evidence[0].manifest_cid,), tuple(ReviewFlag))
    cases.finalize_ruling(store, i, proposal, min_chars=300, now=now)  # type: ignore[arg-type]
    print(f"ruled {i}", flush=True)
    execution.record_rationale(store, i, rationale_hash=f"{i:064x}", rationale_cid=f"cid{i}",  # type: ignore[arg-type]
                               now=now)
    execution.record_transaction(store, i, txid=f"{i:064x}", raw_hex="00", now=now)  # type: ignore[arg-type]
    if i % 2:
        cp = log.checkpoint(store, now=now)  # type: ignore[arg-type]
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
