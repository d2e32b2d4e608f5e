"""Party-index figures: each question the review policy asks of the index of the
whole contract, on 10,000 invoices, beside the same question on 100 invoices in the same run.

The questions are those step 1, step 3 and step 5 ask for one case: is the payer first-time
(the invoice's block, then the payer's earlier invoices), the past dealings of the arbiter's
addresses with either party in any role, an address's counts in each role, and what the
escrow holds in the invoice's token. Each figure is the median wall time of one answer.
"""

from __future__ import annotations

import random
import tempfile
from collections.abc import Callable
from pathlib import Path

from arbiter_app.case.models import InvoiceStatus
from arbiter_app.store import parties
from arbiter_app.store.db import Store, open_store
from arbiter_app.store.parties import IndexedInvoice
from tests.bench import PAIRS, Row, Target, interleaved

CONTRACT = "ST1PQHQKV0RJXZFY1DGX8MNSNYVE3VGZJSRTPGZGM.escrow-secure"
TOKEN = "ST1PQHQKV0RJXZFY1DGX8MNSNYVE3VGZJSRTPGZGM.sbtc-token"
BIG, SMALL = 10_000, 100
HELD = (int(InvoiceStatus.FUNDED), int(InvoiceStatus.DISPUTED))


def _address(kind: str, n: int) -> str:
    return f"ST{kind}{n:036d}"


def _filled(folder: Path, count: int) -> Store:
    """A store whose index holds ``count`` invoices among count/5 payers, as many payees and
    50 arbiters; the arbiter asked about (arbiter 0) is also payer of every 97th invoice."""
    rng = random.Random(13)
    people = max(count // 5, 3)
    rows = []
    for i in range(1, count + 1):
        payer = _address("P", rng.randrange(people)) if i % 97 else _address("A", 0)
        rows.append(IndexedInvoice(i, payer, _address("Q", rng.randrange(people)),
                                   _address("A", rng.randrange(50)), 1000 + i, TOKEN,
                                   rng.choice([0, 1, 2, 3, 4]), i, 1_790_000_000 + i * 600))
    store = open_store(folder / "cases.sqlite")
    parties.index_invoices(store, CONTRACT, rows, [])
    return store


def _questions(store: Store, count: int) -> dict[str, Callable[[], object]]:
    case = parties.indexed(store, CONTRACT, count)
    assert case is not None

    def first_time() -> object:
        this = parties.indexed(store, CONTRACT, case.id)
        assert this is not None
        return parties.earlier_of_payer(store, CONTRACT, case.payer, this.created_height)
    return {
        "first-time payer (earlier invoices of the payer)": first_time,
        "past dealings (2 addresses x both parties, any role)": lambda: parties.dealings(
            store, CONTRACT, [_address("A", 0), _address("A", 1)], [case.payer, case.payee],
            case.id),
        "counts of an address in each role": lambda: parties.role_counts(
            store, CONTRACT, case.payer),
        "held in escrow in the token": lambda: parties.held_in_escrow(
            store, CONTRACT, TOKEN, HELD),
    }


def run() -> list[Row]:
    """One row per question: 10,000 invoices beside 100, target < 50 ms."""
    rows = []
    with tempfile.TemporaryDirectory() as big_dir, tempfile.TemporaryDirectory() as small_dir:
        big, small = _filled(Path(big_dir), BIG), _filled(Path(small_dir), SMALL)
        try:
            big_q, small_q = _questions(big, BIG), _questions(small, SMALL)
            for name, ask in big_q.items():
                figure, reference = interleaved(ask, small_q[name])
                rows.append(Row(f"party index: {name}, 10,000 invoices", figure * 1000, "ms",
                                reference * 1000, f"{SMALL} invoices",
                                (Target("<", 50, unit="ms"),), PAIRS))
        finally:
            big.close()
            small.close()
    return rows
