"""The manual-review policy: which cases need a second, explicit confirmation at step 5.

The security guide (docs/ARCHITECTURE.md §1) names four reasons: an invoice over 10 sBTC, a
payer the arbiter has never seen, a suspicious address among the parties, and invoice terms
read by an AI parser with confidence below 0.8. Each reason found is a :class:`ReviewFlag` that
the ruling must confirm by name (:func:`arbiter_app.case.framework.finalize_ruling`).
"""

from __future__ import annotations

from collections.abc import Collection

from arbiter_app.case.models import Invoice, ReviewFlag

# 10 sBTC in base units: sBTC has 8 decimals, like BTC (docs/ARCHITECTURE.md §1).
LARGE_AMOUNT = 10 * 10**8
# Terms parsed by a model below this confidence are not trusted without review.
AI_CONFIDENCE_FLOOR = 0.8


def review_flags(
    invoice: Invoice, *, first_time_payer: bool, suspicious: Collection[str] = ()
) -> tuple[ReviewFlag, ...]:
    """The manual-review flags raised by ``invoice``, in a fixed order.

    :param invoice: the disputed invoice
    :param first_time_payer: the contract holds no earlier invoice of this payer
    :param suspicious: addresses the arbiter (or a shared list) marked as suspicious
    :returns: the flags that apply; empty when no review is needed
    """
    flags = []
    if invoice.amount > LARGE_AMOUNT:
        flags.append(ReviewFlag.LARGE_AMOUNT)
    if first_time_payer:
        flags.append(ReviewFlag.FIRST_TIME_PAYER)
    if invoice.payer in suspicious or invoice.payee in suspicious:
        flags.append(ReviewFlag.SUSPICIOUS_ADDRESS)
    ai = invoice.terms.ai_parse
    if ai is not None and ai.confidence < AI_CONFIDENCE_FLOOR:
        flags.append(ReviewFlag.LOW_AI_CONFIDENCE)
    return tuple(flags)


def describe(flag: ReviewFlag) -> str:
    """The sentence shown beside a flag's confirmation box."""
    return {
        ReviewFlag.LARGE_AMOUNT: "The amount is over 10 sBTC.",
        ReviewFlag.FIRST_TIME_PAYER: "The payer has no earlier invoice in the contract.",
        ReviewFlag.SUSPICIOUS_ADDRESS: "A party's address is marked as suspicious.",
        ReviewFlag.LOW_AI_CONFIDENCE: "The terms were parsed by AI with confidence below 0.8.",
    }[flag]
