"""The app's words for a case, in one place for the CLI, the GUI and the receipt PDF: amounts
in sBTC, the ruling in a sentence, the steps' titles, and the queue's SLA and step labels.

Amounts are exact: base units (10^8 per sBTC) are split by integer division, never through a
float, so what is shown is what the contract moves.
"""

from __future__ import annotations

from arbiter_app.case.framework import CaseFile
from arbiter_app.case.models import Award, ChainChecks, Decision, InvoiceStatus, Step
from arbiter_app.case.sla import sla_clock

SBTC_DECIMALS = 8

# The six steps as titled on their pages.
STEP_TITLES = {
    Step.TERMS: "Review contract/invoice terms",
    Step.EVIDENCE: "Examine evidence from both parties",
    Step.CHAIN: "Check blockchain records",
    Step.DOCUMENTS: "Consult off-chain documentation (IPFS)",
    Step.RULING: "Make a ruling and document the rationale",
    Step.EXECUTION: "Execute release or refund",
}
# The steps in the case pane's list.
STEP_SHORT = {
    Step.TERMS: "Terms", Step.EVIDENCE: "Evidence", Step.CHAIN: "Chain records",
    Step.DOCUMENTS: "Documents", Step.RULING: "Ruling", Step.EXECUTION: "Execution",
}
CLOSED = "closed"


def amount(base_units: int, decimals: int = SBTC_DECIMALS) -> str:
    """Base units as a decimal token amount with every decimal, e.g. ``2.50000000``."""
    whole, frac = divmod(base_units, 10**decimals)
    return f"{whole}.{frac:0{decimals}d}"


def sbtc(base_units: int) -> str:
    """Base units as a short sBTC amount: ``12.5``, ``0.001``, ``3``."""
    return amount(base_units).rstrip("0").rstrip(".")


def ruling_words(decision: Decision, base_units: int, payee: str, payer: str,
                 payee_share: int | None = None) -> str:
    """What a ruling does, in the words the device prompt and the review use:
    ``release 12.5 sBTC to ST…`` (to the payee), ``refund 12.5 sBTC to ST…`` (the payer), or
    ``split 0.5 sBTC: 0.3 sBTC to ST… (the payee) and 0.2 sBTC to ST… (the payer)``."""
    if decision is Decision.SPLIT:
        award = Award.of(decision, base_units, payee_share)
        return (f"split {sbtc(base_units)} sBTC: {sbtc(award.payee)} sBTC to {payee} "
                f"(the payee) and {sbtc(award.payer)} sBTC to {payer} (the payer)")
    if decision is Decision.RELEASE:
        return f"release {sbtc(base_units)} sBTC to {payee}"
    return f"refund {sbtc(base_units)} sBTC to {payer}"


def ruling_sentence(decision: Decision, base_units: int, payee: str, payer: str,
                    invoice_id: int, payee_share: int | None = None) -> str:
    """The ruling as a sentence: ``Release 0.2 sBTC to ST… (the payee), from the escrow, for
    invoice 101.``"""
    words = ruling_words(decision, base_units, payee, payer, payee_share)
    who = {Decision.RELEASE: " (the payee)", Decision.REFUND: " (the payer)"}.get(decision, "")
    return f"{words[0].upper()}{words[1:]}{who}, from the escrow, for invoice {invoice_id}."


RULING_LABELS = {Decision.RELEASE.value: "RELEASE to the payee",
                 Decision.REFUND.value: "REFUND to the payer",
                 Decision.SPLIT.value: "SPLIT between payee and payer"}


def ruling_label(decision: str) -> str:
    """A ruling named by its outcome: ``RELEASE to the payee``, ``REFUND to the payer`` or
    ``SPLIT between payee and payer``."""
    return RULING_LABELS.get(decision, decision)


def closed(case: CaseFile) -> bool:
    """No clock runs once the case is done or the invoice left DISPUTED."""
    return case.current is None or case.invoice.status is not InvoiceStatus.DISPUTED


def sla_label(case: CaseFile, sla_hours: int, now: int) -> str:
    """The queue's SLA cell: ``closed``, or the time left (``2d 03h left``, ``5h 10m
    overdue``)."""
    return CLOSED if closed(case) else sla_clock(case.dispute, sla_hours, now).label()


def step_label(case: CaseFile) -> str:
    """The queue's step cell: ``done`` after step 6, ``closed`` when the invoice left
    DISPUTED first, else the current step as ``2 of 6``."""
    if case.current is None:
        return "done"
    return CLOSED if closed(case) else f"{int(case.current)} of {len(Step)}"


def chain_check_lines(checks: ChainChecks) -> list[tuple[bool, str]]:
    """Step 3's checks as (passed, sentence), the escrow's token balance beside what it holds
    in escrow."""
    return [
        (checks.status_disputed, "the invoice's status is DISPUTED"),
        (checks.deposit_matches,
         f"the escrow's token balance ({amount(checks.escrow_balance)} sBTC) covers what it "
         f"holds in escrow ({amount(checks.escrow_held)} sBTC)"),
        (checks.token_whitelisted, "the token contract is whitelisted"),
        (not checks.contract_paused, "the escrow contract is not paused"),
        (checks.arbiter_is_signer, "the invoice's arbiter is this signer's address"),
        (checks.evidence_on_chain == checks.evidence_known,
         f"the contract counts {checks.evidence_on_chain} evidence item(s); the events named "
         f"{checks.evidence_known}"),
    ]
