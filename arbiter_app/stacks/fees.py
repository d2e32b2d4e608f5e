"""Fee policy: how much of a fee quote the app will pay, relative to the transaction's size.

``/v2/fees/transaction`` is answered by whatever server the settings name, and a lying one
can quote anything (999,999 µSTX where the honest quote is ~300). Stacks fees are paid per
byte of the transaction, so the quote is held to a ceiling of :data:`MAX_RATE` µSTX a byte
of this transaction — far above what real congestion has asked, far below a drain — and never
below the mempool's floor of 1 µSTX a byte. A fee under the ceiling but above the user's
``fee_confirm_above`` setting is not refused; the final review asks for it by name.
"""

from __future__ import annotations

from arbiter_app.errors import PolicyError

MIN_RATE = 1  # µSTX per byte: the lowest fee rate a node's mempool admits
MAX_RATE = 50  # µSTX per byte: the most a quote may ask (a 300-byte call: 0.015 STX)


def checked_fee(quote: int, length: int) -> int:
    """The fee to pay for a ``length``-byte transaction the API quoted ``quote`` µSTX for.

    :returns: the quote, raised to the 1 µSTX a byte floor
    :raises PolicyError: when the quote is above the ceiling for this size, naming both
    """
    ceiling = MAX_RATE * length
    fee = max(quote, MIN_RATE * length)
    if fee > ceiling:
        raise PolicyError(
            f"the API quotes a fee of {fee} µSTX for a {length}-byte transaction, above the "
            f"ceiling of {ceiling} µSTX ({MAX_RATE} µSTX a byte); refusing to sign: the fee "
            "server may be lying, try another Stacks API"
        )
    return fee


def fee_warning(fee: int, confirm_above: int) -> str:
    """A sentence for the final review when ``fee`` is above the user's setting, else ``""``.

    :param confirm_above: the ``fee_confirm_above`` setting, µSTX
    """
    if fee <= confirm_above:
        return ""
    return (f"The fee of {fee} µSTX is above your setting fee_confirm_above ({confirm_above} "
            "µSTX): confirm it only if you accept paying that much for this transaction.")
