"""The fee policy against a lying ``/v2/fees/transaction``: a quote of 999,999 µSTX for a
transaction whose honest quote is ~300 is refused, relative to the transaction's size."""

from __future__ import annotations

import pytest

from arbiter_app.errors import PolicyError
from arbiter_app.stacks.fees import MAX_RATE, checked_fee, fee_warning

RULING_TX_BYTES = 297  # a resolve-dispute call with one post-condition, single-sig


@pytest.mark.parametrize("quote", [999_999, 1_000_000, MAX_RATE * RULING_TX_BYTES + 1],
                         ids=["lying-999999", "one-stx", "one-over-the-ceiling"])
def test_lying_fee_quote_above_the_size_ceiling_is_refused(quote: int) -> None:
    with pytest.raises(PolicyError, match=f"quotes a fee of {quote} µSTX for a 297-byte"):
        checked_fee(quote, RULING_TX_BYTES)


@pytest.mark.parametrize(("quote", "fee"), [(300, 300), (0, RULING_TX_BYTES),
                                            (MAX_RATE * RULING_TX_BYTES,) * 2],
                         ids=["honest-quote", "zero-raised-to-the-floor", "at-the-ceiling"])
def test_sane_fee_quotes_are_paid(quote: int, fee: int) -> None:
    assert checked_fee(quote, RULING_TX_BYTES) == fee


@pytest.mark.parametrize(("fee", "warned"), [(10_001, True), (10_000, False), (300, False)],
                         ids=["one-above-the-setting", "at-the-setting", "honest"])
def test_fee_above_the_confirmation_setting_is_named(fee: int, warned: bool) -> None:
    warning = fee_warning(fee, 10_000)
    assert bool(warning) is warned
    if warned:
        assert f"fee of {fee} µSTX is above your setting fee_confirm_above" in warning
