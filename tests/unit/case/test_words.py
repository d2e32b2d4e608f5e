"""The one set of words: exact sBTC amounts (no float), the ruling as words and as a sentence,
and the queue's labels for a closed case, shared by the CLI, the GUI and the PDF."""

from __future__ import annotations

import dataclasses

import pytest

from arbiter_app.case import words
from arbiter_app.case.framework import CaseFile
from arbiter_app.case.models import Decision, InvoiceStatus
from tests.fixtures.store import PAYEE, PAYER, T0, make_dispute, make_invoice


@pytest.mark.parametrize(("amount", "full", "short"), [
    (0, "0.00000000", "0"), (1, "0.00000001", "0.00000001"),
    (1_250_000_000, "12.50000000", "12.5"), (300_000_000, "3.00000000", "3"),
    (2**60 + 1, "11529215046.06846977", "11529215046.06846977"),
], ids=["zero", "one-sat", "twelve-and-a-half", "whole", "beyond-a-float's-precision"])
def test_amounts_are_exact(amount: int, full: str, short: str) -> None:
    assert (words.amount(amount), words.sbtc(amount)) == (full, short)


def test_the_ruling_in_words_names_who_receives_what() -> None:
    assert words.ruling_words(Decision.RELEASE, 20_000_000, PAYEE, PAYER) == \
        f"release 0.2 sBTC to {PAYEE}"
    assert words.ruling_sentence(Decision.REFUND, 20_000_000, PAYEE, PAYER, 101) == \
        f"Refund 0.2 sBTC to {PAYER} (the payer), from the escrow, for invoice 101."
    assert words.ruling_label("refund") == "REFUND to the payer"


def test_a_case_closed_on_chain_is_labelled_closed_not_a_running_clock() -> None:
    open_case = CaseFile(make_invoice(1), make_dispute(1))
    refunded = dataclasses.replace(
        open_case, invoice=dataclasses.replace(open_case.invoice, status=InvoiceStatus.REFUNDED))
    assert words.step_label(open_case) == "1 of 6"
    assert words.sla_label(open_case, 72, T0 + 3600) == "2d 23h left"
    assert (words.step_label(refunded), words.sla_label(refunded, 72, T0)) == ("closed", "closed")
