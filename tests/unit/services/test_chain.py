"""Two views of an invoice: the state its events imply, and where it disagrees with
``call-read``. A disagreement is named field by field; a field no event mentions is not one."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest

from arbiter_app.case.models import InvoiceStatus
from arbiter_app.services.chain import disagreements, event_view
from arbiter_app.stacks.escrow import EscrowEvent
from tests.fixtures.store import ARBITER, PAYEE, PAYER, make_invoice


def ev(name: str, n: int, invoice_id: int = 1, **fields: Any) -> EscrowEvent:
    return EscrowEvent(name, invoice_id, fields, f"{n:064x}", 0, 10 + n, 1_790_000_000 + n)


LIFE = [
    ev("invoice-created", 1, payer=PAYER, payee=PAYEE, arbiter=ARBITER, amount=250_000_000),
    ev("funds-deposited", 2, payer=PAYER, payee=PAYEE, arbiter=ARBITER, amount=250_000_000),
    ev("invoice-created", 3, invoice_id=2, payer=PAYEE, payee=PAYER, arbiter=PAYER, amount=1),
    ev("dispute-raised", 4, **{"raised-by": PAYER, "arbiter": ARBITER}),
    ev("evidence-submitted", 5, index=0, submitter=PAYER, cid="bafy"),
]


def test_events_fold_into_the_disputed_state() -> None:
    view = event_view(1, LIFE)
    assert view.status is InvoiceStatus.DISPUTED
    parties = (view.payer, view.payee, view.arbiter, view.amount)
    assert parties == (PAYER, PAYEE, ARBITER, 250_000_000)
    assert (view.raised_by, view.raised_height, view.raised_time) == (PAYER, 14, 1_790_000_004)


def test_agreeing_views_have_no_disagreement() -> None:
    assert disagreements(make_invoice(1), event_view(1, LIFE)) == []


@pytest.mark.parametrize(
    ("changes", "field"),
    [({"amount": 500_000_000}, "amount"), ({"payee": PAYER}, "payee"),
     ({"arbiter": PAYEE}, "arbiter"), ({"status": InvoiceStatus.FUNDED}, "status")],
    ids=["amount-doubled", "payee-swapped", "arbiter-swapped", "status-behind"],
)
def test_a_lying_call_read_is_named(changes: dict[str, Any], field: str) -> None:
    lie = dataclasses.replace(make_invoice(1), **changes)
    problems = disagreements(lie, event_view(1, LIFE))
    assert len(problems) == 1 and problems[0].startswith(f"{field}:")


def test_no_events_means_the_status_is_unconfirmed() -> None:
    problems = disagreements(make_invoice(1), event_view(1, []))
    assert problems == ["status: call-read says DISPUTED, the events say nothing"]


def test_resolution_event_sets_the_final_status() -> None:
    done = [*LIFE, ev("dispute-resolved", 6, release=False, arbiter=ARBITER)]
    assert event_view(1, done).status is InvoiceStatus.REFUNDED
