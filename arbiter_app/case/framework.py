"""The six-step decision framework as a pure state machine over a :class:`CaseFile`.

Each ``complete_*`` function checks that the earlier steps are done and that this step's rule
holds (steps 1–6), and returns a new case with the step's record added; otherwise it
raises :class:`PolicyError` listing every unmet condition in plain words. :func:`reopen` takes a
step back and invalidates every step after it; :func:`add_evidence` flags evidence that arrives
after step 2 as late and reopens that step. Nothing here touches the store: the store applies
the returned case and logs the change in the same transaction.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Collection
from dataclasses import dataclass

from arbiter_app.case.models import (
    ChainChecks,
    Decision,
    Dispute,
    EvidenceItem,
    EvidenceState,
    Invoice,
    InvoiceStatus,
    ReviewFlag,
    Ruling,
    Step,
    StepRecord,
    TermsState,
    TransactionRecord,
    TxStatus,
)
from arbiter_app.errors import PolicyError


@dataclass(frozen=True)
class CaseFile:
    """Everything the framework judges about one case.

    :param invoice: the invoice as read from the chain
    :param dispute: the dispute, with its evidence items
    :param steps: the completed steps, in order
    :param ruling: the finalized ruling, once step 5 is done
    :param transaction: the ruling transaction signed and not failed (on its way, or
        confirmed); ``None`` before signing and after a failed attempt
    :param attempts: every transaction signed for the case, oldest first (failed ones kept)
    """

    invoice: Invoice
    dispute: Dispute
    steps: tuple[StepRecord, ...] = ()
    ruling: Ruling | None = None
    transaction: TransactionRecord | None = None
    attempts: tuple[TransactionRecord, ...] = ()

    @property
    def failed_attempt(self) -> TransactionRecord | None:
        """The last attempt when it failed and none is on its way: the case is back at step
        6, to sign again after a fresh review or to reopen step 5."""
        last = self.attempts[-1] if self.attempts else None
        return last if self.transaction is None and last is not None and last.status.failed \
            else None

    @property
    def completed(self) -> frozenset[Step]:
        """The steps completed so far."""
        return frozenset(r.step for r in self.steps)

    @property
    def current(self) -> Step | None:
        """The first step not yet completed, or ``None`` when the case is closed."""
        return next((s for s in Step if s not in self.completed), None)


@dataclass(frozen=True)
class RulingProposal:
    """What the arbiter submits at step 5.

    :param decision: release, refund or split
    :param rationale: the written rationale
    :param cited: the evidence CIDs cited by the rationale
    :param confirmations: the manual-review flags explicitly confirmed
    :param payee_amount: for a split, the payee's share in base units (the rest goes to the
        payer); ``None`` otherwise
    """

    decision: Decision
    rationale: str
    cited: tuple[str, ...]
    confirmations: tuple[ReviewFlag, ...] = ()
    payee_amount: int | None = None


def _advance(case: CaseFile, step: Step, now: int, note: str, problems: list[str]) -> CaseFile:
    """Check order and ``problems``; return ``case`` with ``step`` completed."""
    if step in case.completed:
        raise PolicyError(f"step {step.value} ({step.name.lower()}) is already completed")
    _refuse_closed_on_chain(case, step)
    missing = [s for s in Step if s < step and s not in case.completed]
    if missing:
        names = ", ".join(f"{s.value} ({s.name.lower()})" for s in missing)
        problems = [f"complete step(s) {names} first", *problems]
    if problems:
        raise PolicyError(f"step {step.value} cannot be completed: " + "; ".join(problems))
    record = StepRecord(case.invoice.id, step, now, note)
    return dataclasses.replace(case, steps=(*case.steps, record))


def complete_terms(
    case: CaseFile, *, no_conflict: bool, dealings_shown: Collection[int],
    past_dealings: Collection[int], now: int,
) -> CaseFile:
    """Step 1: terms verified (or noted absent) and no conflict of interest declared.

    :param no_conflict: the arbiter declares no conflict of interest with either party
    :param dealings_shown: the past invoices shown beside the declaration
    :param past_dealings: the invoices the store knows between this arbiter and either party
    :raises PolicyError: listing what is missing
    """
    problems = []
    if case.invoice.terms.state not in (TermsState.VERIFIED, TermsState.ABSENT):
        problems.append(f"the terms document is {case.invoice.terms.state.value}, "
                        "not verified or noted absent")
    if not no_conflict:
        problems.append("no declaration of no conflict of interest")
    if set(dealings_shown) != set(past_dealings):
        problems.append("the declaration was not made beside every known past dealing")
    note = f"no conflict declared; past dealings: {sorted(past_dealings) or 'none'}"
    return _advance(case, Step.TERMS, now, note, problems)


def complete_evidence(case: CaseFile, *, now: int) -> CaseFile:
    """Step 2: every evidence item opened, or marked unavailable with a reason. An item
    still pending was never verified, so it cannot be judged on: it must be fetched (opening
    the case does) and opened, or marked unavailable.

    :raises PolicyError: naming each unresolved item
    """
    problems = [_unresolved(e) for e in case.dispute.evidence if not e.resolved]
    note = f"{len(case.dispute.evidence)} evidence item(s) reviewed"
    return _advance(case, Step.EVIDENCE, now, note, problems)


def _unresolved(item: EvidenceItem) -> str:
    name = f"evidence #{item.index} ({item.party.value})"
    if item.state is EvidenceState.PENDING:
        return (f"{name} is not fetched and verified yet: open the case again to fetch it, "
                "or mark it unavailable with a reason")
    return f"{name} is neither opened nor marked unavailable"


def complete_chain(
    case: CaseFile, *, checks: ChainChecks, acknowledged: ChainChecks, now: int
) -> CaseFile:
    """Step 3: the computed chain checks shown and acknowledged, and none forbidding a ruling.

    :param checks: the checks as computed now
    :param acknowledged: the checks the arbiter was shown and acknowledged
    :raises PolicyError: if the acknowledged checks are stale or a check fails
    """
    problems = list(checks.failures())
    if acknowledged != checks:
        problems.append("the acknowledged chain checks differ from the current ones")
    note = (f"checks acknowledged at tip {checks.chain_tip}, deadline {checks.deadline}, "
            f"raised by {checks.raised_by}")
    return _advance(case, Step.CHAIN, now, note, problems)


_ACKNOWLEDGED = re.compile(r"checks acknowledged at tip (\d+), deadline (\d+),")


def acknowledged_tip(case: CaseFile) -> int | None:
    """The chain tip at which step 3's checks were acknowledged (``None`` before step 3).

    :func:`complete_chain` writes it into the step's note, so the deadline's standing then
    (passed or not) can be compared with the chain's now.
    """
    record = next((r for r in case.steps if r.step is Step.CHAIN), None)
    found = _ACKNOWLEDGED.match(record.note) if record is not None else None
    return int(found.group(1)) if found else None


def complete_documents(case: CaseFile, *, consulted: Collection[str], now: int) -> CaseFile:
    """Step 4: the off-chain documents consulted: the dispute's reason and the terms document.

    :param consulted: CIDs of the documents the arbiter opened
    :raises PolicyError: naming each document not consulted
    """
    required = [case.dispute.reason_cid]
    if case.invoice.terms.cid and case.invoice.terms.state is TermsState.VERIFIED:
        required.append(case.invoice.terms.cid)
    problems = [f"document {cid} was not consulted" for cid in required if cid not in consulted]
    note = "consulted: " + ", ".join(sorted(consulted))
    return _advance(case, Step.DOCUMENTS, now, note, problems)


def ruling_problems(
    case: CaseFile, proposal: RulingProposal, flags: Collection[ReviewFlag], min_chars: int
) -> list[str]:
    """Everything wrong with ``proposal`` under step 5's rule (empty when it is acceptable).

    :param flags: the manual-review flags of the case (:func:`review.review_flags`)
    :param min_chars: ``Settings.min_rationale_chars``
    """
    problems = []
    length = len(proposal.rationale.strip())
    if length < min_chars:
        problems.append(f"the rationale has {length} characters; at least {min_chars} are needed")
    known = frozenset().union(*(e.cids for e in case.dispute.evidence))
    if not any(cid in known for cid in proposal.cited):
        problems.append("the rationale cites no evidence item of this case")
    strangers = [cid for cid in proposal.cited if cid not in known]
    if strangers:
        problems.append("cited CIDs are not evidence of this case: " + ", ".join(strangers))
    for flag in flags:
        if flag not in proposal.confirmations:
            problems.append(f"the manual review for {flag.label} is not confirmed")
    problems.extend(_award_problems(case.invoice.amount, proposal))
    return problems


def _award_problems(amount: int, proposal: RulingProposal) -> list[str]:
    """A split gives each party a part of the deposit; release and refund name no amount."""
    share = proposal.payee_amount
    if proposal.decision is not Decision.SPLIT:
        return [] if share is None else [f"a {proposal.decision.value} takes no payee amount"]
    if share is None:
        return ["a split needs the payee's amount"]
    if not 0 < share < amount:
        return [f"a split gives the payee more than 0 and less than the whole {amount} "
                f"(asked: {share}); rule release or refund to give one side everything"]
    return []


def finalize_ruling(
    case: CaseFile, proposal: RulingProposal, *, flags: Collection[ReviewFlag],
    min_chars: int, now: int,
) -> CaseFile:
    """Step 5: the ruling, with a long enough rationale citing evidence and every flag confirmed.

    :raises PolicyError: listing every unmet condition
    """
    problems = ruling_problems(case, proposal, flags, min_chars)
    ruling = Ruling(case.invoice.id, proposal.decision, proposal.rationale,
                    tuple(proposal.cited), tuple(proposal.confirmations), now,
                    payee_amount=proposal.payee_amount)
    advanced = _advance(case, Step.RULING, now, f"ruling: {proposal.decision.value}", problems)
    return dataclasses.replace(advanced, ruling=ruling)


def complete_execution(case: CaseFile, *, transaction: TransactionRecord, now: int) -> CaseFile:
    """Step 6: the ruling's transaction confirmed on chain (done by the services).

    :raises PolicyError: if the transaction is not this case's or not confirmed
    """
    problems = []
    if transaction.invoice_id != case.invoice.id:
        problems.append("the transaction belongs to another case")
    if transaction.status is not TxStatus.SUCCESS:
        problems.append(f"the transaction is {transaction.status.value}, not confirmed")
    case = dataclasses.replace(case, transaction=transaction)
    return _advance(case, Step.EXECUTION, now, f"confirmed in tx {transaction.txid}", problems)


def _refuse_closed_on_chain(case: CaseFile, step: Step) -> None:
    """A case whose invoice left DISPUTED on chain (released, refunded or split, by this
    ruling or otherwise) is closed: only the execution step, which records how it closed,
    may still be completed."""
    status = case.invoice.status
    if step is not Step.EXECUTION and status is not InvoiceStatus.DISPUTED:
        raise PolicyError(f"invoice {case.invoice.id} is {status.name} on chain: the case is "
                          "closed and can only be read")


def reopen(case: CaseFile, step: Step) -> CaseFile:
    """Take ``step`` back: it and every later step become incomplete (the ruling too, if any).

    :raises PolicyError: once the ruling's transaction is signed (it can no longer be undone)
        or the invoice is closed on chain
    """
    if case.transaction is not None:
        raise PolicyError("the ruling's transaction is already signed; the case cannot be reopened")
    _refuse_closed_on_chain(case, step)
    if step not in case.completed:
        raise PolicyError(f"step {step.value} ({step.name.lower()}) is not completed")
    kept = tuple(r for r in case.steps if r.step < step)
    ruling = case.ruling if step > Step.RULING else None
    return dataclasses.replace(case, steps=kept, ruling=ruling)


def add_evidence(case: CaseFile, item: EvidenceItem) -> CaseFile:
    """Add a newly seen evidence item; after step 2 it reopens step 2, and it is flagged late
    when its block's time is after step 2 was completed (or unknown).

    Once the ruling's transaction is signed the item is still flagged late, but nothing is
    reopened: the funds are already on their way.
    """
    if any(e.index == item.index for e in case.dispute.evidence):
        raise PolicyError(f"evidence #{item.index} is already known")
    after_step = Step.EVIDENCE in case.completed
    done = next((s.completed_at for s in case.steps if s.step is Step.EVIDENCE), 0)
    late = after_step and (item.submitted_time == 0 or item.submitted_time > done)
    item = dataclasses.replace(item, late=late)
    dispute = dataclasses.replace(case.dispute, evidence=(*case.dispute.evidence, item))
    case = dataclasses.replace(case, dispute=dispute)
    if after_step and case.transaction is None:
        case = reopen(case, Step.EVIDENCE)
    return case
