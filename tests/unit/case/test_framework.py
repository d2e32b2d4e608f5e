"""The six-step framework: every completion rule, the order, and every invalidation path."""

from __future__ import annotations

import dataclasses

import pytest

from arbiter_app.case import framework as fw
from arbiter_app.case.framework import CaseFile, RulingProposal
from arbiter_app.case.models import (
    AiParse,
    Decision,
    EvidenceState,
    InvoiceStatus,
    Party,
    ReviewFlag,
    Step,
    StepRecord,
    TermsState,
    TermsSummary,
    TransactionRecord,
    TxEvent,
    TxStatus,
)
from arbiter_app.case.review import review_flags
from arbiter_app.case.sla import sla_clock
from arbiter_app.errors import PolicyError
from tests.fixtures.store import (
    RATIONALE,
    T0,
    cid_of,
    make_checks,
    make_dispute,
    make_evidence,
    make_invoice,
)


def new_case(**invoice_changes: object) -> CaseFile:
    return CaseFile(make_invoice(**invoice_changes), make_dispute())  # type: ignore[arg-type]


def opened(case: CaseFile) -> CaseFile:
    items = tuple(dataclasses.replace(e, state=EvidenceState.VERIFIED, opened_at=T0)
                  for e in case.dispute.evidence)
    return dataclasses.replace(case, dispute=dataclasses.replace(case.dispute, evidence=items))


def through(case: CaseFile, last: Step) -> CaseFile:
    """Complete every step up to ``last`` by the rules."""
    case = opened(case)
    steps = {
        Step.TERMS: lambda c: fw.complete_terms(c, no_conflict=True, dealings_shown=[],
                                                past_dealings=[], now=T0),
        Step.EVIDENCE: lambda c: fw.complete_evidence(c, now=T0),
        Step.CHAIN: lambda c: fw.complete_chain(c, checks=make_checks(c.invoice),
                                                acknowledged=make_checks(c.invoice), now=T0),
        Step.DOCUMENTS: lambda c: fw.complete_documents(
            c, consulted=[c.dispute.reason_cid, c.invoice.terms.cid], now=T0),
        Step.RULING: lambda c: fw.finalize_ruling(c, proposal(c), flags=(), min_chars=300,
                                                  now=T0),
    }
    for step in Step:
        if step > last:
            break
        case = steps[step](case)
    return case


def proposal(case: CaseFile, **changes: object) -> RulingProposal:
    base = RulingProposal(Decision.RELEASE, RATIONALE, (case.dispute.evidence[0].manifest_cid,))
    return dataclasses.replace(base, **changes)  # type: ignore[arg-type]


def confirmed_tx(case: CaseFile, status: TxStatus = TxStatus.SUCCESS) -> TransactionRecord:
    return TransactionRecord("ab" * 32, case.invoice.id, "00", (TxEvent(status, T0),), 200)


def test_a_case_walks_all_six_steps_in_order() -> None:
    case = through(new_case(), Step.RULING)
    assert case.current is Step.EXECUTION and case.ruling is not None
    done = fw.complete_execution(case, transaction=confirmed_tx(case), now=T0)
    assert done.current is None and [r.step for r in done.steps] == list(Step)


@pytest.mark.parametrize("step", list(Step)[1:], ids=lambda s: f"{s.name.lower()}-before-previous")
def test_a_step_cannot_complete_before_the_previous_ones(step: Step) -> None:
    case = opened(new_case())
    attempts = {
        Step.EVIDENCE: lambda: fw.complete_evidence(case, now=T0),
        Step.CHAIN: lambda: fw.complete_chain(case, checks=make_checks(case.invoice),
                                              acknowledged=make_checks(case.invoice), now=T0),
        Step.DOCUMENTS: lambda: fw.complete_documents(
            case, consulted=[case.dispute.reason_cid, case.invoice.terms.cid], now=T0),
        Step.RULING: lambda: fw.finalize_ruling(case, proposal(case), flags=(), min_chars=300,
                                                now=T0),
        Step.EXECUTION: lambda: fw.complete_execution(case, transaction=confirmed_tx(case),
                                                      now=T0),
    }
    with pytest.raises(PolicyError, match="complete step"):
        attempts[step]()


def test_a_completed_step_cannot_be_completed_twice() -> None:
    with pytest.raises(PolicyError, match="already completed"):
        fw.complete_evidence(through(new_case(), Step.EVIDENCE), now=T0)


@pytest.mark.parametrize(("terms_state", "no_conflict", "shown", "known", "message"), [
    (TermsState.PENDING, True, [], [], "terms document is pending"),
    (TermsState.MISMATCH, True, [], [], "terms document is mismatch"),
    (TermsState.VERIFIED, False, [], [], "no declaration"),
    (TermsState.VERIFIED, True, [], [7], "past dealing"),
    (TermsState.VERIFIED, True, [7], [7, 9], "past dealing"),
], ids=["terms-pending", "terms-mismatch", "no-declaration", "dealings-hidden",
        "dealings-partly-shown"])
def test_step1_refuses(terms_state: TermsState, no_conflict: bool, shown: list[int],
                       known: list[int], message: str) -> None:
    case = new_case(terms=TermsSummary(terms_state, cid_of("t")))
    with pytest.raises(PolicyError, match=message):
        fw.complete_terms(case, no_conflict=no_conflict, dealings_shown=shown,
                          past_dealings=known, now=T0)


def test_step1_accepts_absent_terms_and_shown_dealings() -> None:
    case = new_case(terms=TermsSummary(TermsState.ABSENT))
    done = fw.complete_terms(case, no_conflict=True, dealings_shown=[9, 7],
                             past_dealings=[7, 9], now=T0)
    assert "[7, 9]" in done.steps[0].note


@pytest.mark.parametrize(("state", "reason", "opened_at", "ok"), [
    (EvidenceState.PENDING, "", None, False),
    (EvidenceState.VERIFIED, "", None, False),
    (EvidenceState.VERIFIED, "", T0, True),
    (EvidenceState.UNAVAILABLE, "", None, False),
    (EvidenceState.UNAVAILABLE, "   ", None, False),
    (EvidenceState.UNAVAILABLE, "no provider has the blocks", None, True),
    (EvidenceState.MISMATCH, "content does not match its CID", None, True),
], ids=["pending", "verified-not-opened", "opened", "unavailable-no-reason",
        "unavailable-blank-reason", "unavailable-with-reason", "mismatch-with-reason"])
def test_step2_needs_every_item_opened_or_unavailable_with_reason(
        state: EvidenceState, reason: str, opened_at: int | None, ok: bool) -> None:
    case = through(new_case(), Step.TERMS)
    items = list(case.dispute.evidence)
    items[1] = dataclasses.replace(items[1], state=state, reason=reason, opened_at=opened_at)
    case = dataclasses.replace(case, dispute=dataclasses.replace(case.dispute,
                                                                 evidence=tuple(items)))
    if ok:
        assert Step.EVIDENCE in fw.complete_evidence(case, now=T0).completed
    else:
        with pytest.raises(PolicyError, match=r"evidence #1 \(payee\)"):
            fw.complete_evidence(case, now=T0)


def test_step2_refuses_evidence_never_verified_and_says_how_to_fetch_it() -> None:
    case = through(new_case(), Step.TERMS)
    case = dataclasses.replace(case, dispute=make_dispute())  # as a sync stores it: pending
    assert {e.state for e in case.dispute.evidence} == {EvidenceState.PENDING}
    with pytest.raises(PolicyError, match=r"evidence #0 \(payer\) is not fetched and verified "
                                          r"yet: open the case again to fetch it, or mark it "
                                          r"unavailable with a reason; evidence #1"):
        fw.complete_evidence(case, now=T0)


@pytest.mark.parametrize(("change", "message"), [
    ({"status_disputed": False}, "not DISPUTED"),
    ({"deposit_matches": False}, "deposit does not equal"),
    ({"token_whitelisted": False}, "not whitelisted"),
    ({"contract_paused": True}, "paused"),
    ({"arbiter_is_signer": False}, "not the invoice's arbiter"),
], ids=["not-disputed", "deposit-short", "token-not-whitelisted", "paused", "other-arbiter"])
def test_step3_refuses_failing_chain_checks(change: dict[str, object], message: str) -> None:
    case = through(new_case(), Step.EVIDENCE)
    checks = dataclasses.replace(make_checks(case.invoice), **change)  # type: ignore[arg-type]
    with pytest.raises(PolicyError, match=message):
        fw.complete_chain(case, checks=checks, acknowledged=checks, now=T0)


def test_step3_refuses_stale_acknowledgement() -> None:
    case = through(new_case(), Step.EVIDENCE)
    shown = make_checks(case.invoice)
    now = dataclasses.replace(shown, chain_tip=shown.chain_tip + 1)
    with pytest.raises(PolicyError, match="differ from the current"):
        fw.complete_chain(case, checks=now, acknowledged=shown, now=T0)


@pytest.mark.parametrize("missing", ["reason", "terms"], ids=["reason-not-read", "terms-not-read"])
def test_step4_needs_reason_and_terms_documents(missing: str) -> None:
    case = through(new_case(), Step.CHAIN)
    docs = {"reason": case.dispute.reason_cid, "terms": case.invoice.terms.cid}
    consulted = [cid for name, cid in docs.items() if name != missing]
    with pytest.raises(PolicyError, match=f"document {docs[missing]} was not consulted"):
        fw.complete_documents(case, consulted=consulted, now=T0)


@pytest.mark.parametrize(("changes", "message"), [
    ({"rationale": "Too short."}, "at least 300"),
    ({"rationale": " " * 400 + "x" * 299}, "has 299 characters"),
    ({"cited": ()}, "cites no evidence"),
    ({"cited": (cid_of("elsewhere"),)}, "cites no evidence"),
], ids=["rationale-short", "rationale-padded-with-spaces", "no-citation", "cites-foreign-cid"])
def test_step5_rationale_rules(changes: dict[str, object], message: str) -> None:
    case = through(new_case(), Step.DOCUMENTS)
    with pytest.raises(PolicyError, match=message):
        fw.finalize_ruling(case, proposal(case, **changes), flags=(), min_chars=300, now=T0)


@pytest.mark.parametrize(("changes", "message"), [
    ({"decision": Decision.SPLIT}, "a split needs the payee's amount"),
    ({"decision": Decision.SPLIT, "payee_amount": 0}, "more than 0 and less than the whole"),
    ({"decision": Decision.SPLIT, "payee_amount": -1}, "more than 0 and less than the whole"),
    ({"decision": "whole"}, "more than 0 and less than the whole"),
    ({"payee_amount": 5}, "a release takes no payee amount"),
], ids=["split-without-amount", "split-of-nothing", "split-negative", "split-of-everything",
        "release-with-an-amount"])
def test_step5_split_rules(changes: dict[str, object], message: str) -> None:
    case = through(new_case(), Step.DOCUMENTS)
    if changes.get("decision") == "whole":
        changes = {"decision": Decision.SPLIT, "payee_amount": case.invoice.amount}
    with pytest.raises(PolicyError, match=message):
        fw.finalize_ruling(case, proposal(case, **changes), flags=(), min_chars=300, now=T0)


def test_step5_split_60_40_keeps_the_award() -> None:
    case = through(new_case(), Step.DOCUMENTS)
    share = case.invoice.amount * 6 // 10
    done = fw.finalize_ruling(case, proposal(case, decision=Decision.SPLIT, payee_amount=share),
                              flags=(), min_chars=300, now=T0)
    assert done.ruling is not None
    award = done.ruling.award(case.invoice.amount)
    assert (award.payee, award.payer) == (share, case.invoice.amount - share)


def test_step5_min_chars_is_the_setting() -> None:
    case = through(new_case(), Step.DOCUMENTS)
    done = fw.finalize_ruling(case, proposal(case, rationale="x" * 20), flags=(), min_chars=20,
                              now=T0)
    assert done.ruling is not None and done.ruling.rationale == "x" * 20


def test_step5_accepts_a_cited_file_of_an_evidence_item() -> None:
    from arbiter_app.case.models import EvidenceFile
    case = through(new_case(), Step.DOCUMENTS)
    f = EvidenceFile("note.pdf", cid_of("note"), "application/pdf", 1000)
    item = dataclasses.replace(case.dispute.evidence[0], files=(f,))
    case = dataclasses.replace(case, dispute=dataclasses.replace(
        case.dispute, evidence=(item, *case.dispute.evidence[1:])))
    fw.finalize_ruling(case, proposal(case, cited=(f.cid,)), flags=(), min_chars=300, now=T0)


@pytest.mark.parametrize("flag", list(ReviewFlag), ids=lambda f: f.value)
def test_step5_needs_an_explicit_confirmation_for_each_review_flag(flag: ReviewFlag) -> None:
    case = through(new_case(), Step.DOCUMENTS)
    others = tuple(f for f in ReviewFlag if f is not flag)
    with pytest.raises(PolicyError, match=f"the manual review for {flag.label} is not confirmed"):
        fw.finalize_ruling(case, proposal(case, confirmations=others), flags=list(ReviewFlag),
                           min_chars=300, now=T0)
    done = fw.finalize_ruling(case, proposal(case, confirmations=tuple(ReviewFlag)),
                              flags=list(ReviewFlag), min_chars=300, now=T0)
    assert done.ruling is not None and set(done.ruling.confirmations) == set(ReviewFlag)


@pytest.mark.parametrize(("amount", "first", "suspicious", "ai", "expected"), [
    (10 * 10**8, False, (), None, ()),
    (10 * 10**8 + 1, False, (), None, (ReviewFlag.LARGE_AMOUNT,)),
    (1, True, (), None, (ReviewFlag.FIRST_TIME_PAYER,)),
    (1, False, ("payee",), None, (ReviewFlag.SUSPICIOUS_ADDRESS,)),
    (1, False, ("payer",), None, (ReviewFlag.SUSPICIOUS_ADDRESS,)),
    (1, False, (), 0.8, ()),
    (1, False, (), 0.79, (ReviewFlag.LOW_AI_CONFIDENCE,)),
], ids=["exactly-10-sbtc", "over-10-sbtc", "first-time-payer", "suspicious-payee",
        "suspicious-payer", "ai-at-threshold", "ai-below-threshold"])
def test_review_flags(amount: int, first: bool, suspicious: tuple[str, ...],
                      ai: float | None, expected: tuple[ReviewFlag, ...]) -> None:
    terms = TermsSummary(TermsState.VERIFIED, cid_of("t"),
                         ai_parse=AiParse("parser-1", ai) if ai is not None else None)
    invoice = make_invoice(amount=amount, terms=terms)
    addresses = [invoice.payer if s == "payer" else invoice.payee for s in suspicious]
    assert review_flags(invoice, first_time_payer=first, suspicious=addresses) == expected


def test_step6_needs_this_cases_confirmed_transaction() -> None:
    case = through(new_case(), Step.RULING)
    with pytest.raises(PolicyError, match="pending, not confirmed"):
        fw.complete_execution(case, transaction=confirmed_tx(case, TxStatus.PENDING), now=T0)
    other = dataclasses.replace(confirmed_tx(case), invoice_id=99)
    with pytest.raises(PolicyError, match="another case"):
        fw.complete_execution(case, transaction=other, now=T0)


@pytest.mark.parametrize("step", list(Step)[:5], ids=lambda s: f"reopen-{s.name.lower()}")
def test_reopening_a_step_invalidates_every_later_step(step: Step) -> None:
    case = through(new_case(), Step.RULING)
    back = fw.reopen(case, step)
    assert back.completed == frozenset(s for s in Step if s < step)
    assert back.current is step
    assert back.ruling is None  # every reopening at or before step 5 withdraws the ruling


def test_reopening_is_refused_once_the_transaction_is_signed() -> None:
    case = dataclasses.replace(through(new_case(), Step.RULING),
                               transaction=confirmed_tx(new_case(), TxStatus.SIGNED))
    with pytest.raises(PolicyError, match="already signed"):
        fw.reopen(case, Step.EVIDENCE)


def test_reopening_an_open_step_is_refused() -> None:
    with pytest.raises(PolicyError, match="not completed"):
        fw.reopen(through(new_case(), Step.TERMS), Step.CHAIN)


def test_evidence_before_step2_is_not_late() -> None:
    case = fw.add_evidence(through(new_case(), Step.TERMS), make_evidence(1, 5, Party.PAYEE))
    assert not case.dispute.evidence[-1].late and Step.TERMS in case.completed


@pytest.mark.parametrize("last", [Step.EVIDENCE, Step.DOCUMENTS, Step.RULING],
                         ids=lambda s: f"after-{s.name.lower()}")
def test_late_evidence_is_flagged_and_reopens_step2(last: Step) -> None:
    case = fw.add_evidence(through(new_case(), last), make_evidence(1, 5, Party.PAYEE))
    assert case.dispute.evidence[-1].late
    assert case.completed == {Step.TERMS} and case.ruling is None


@pytest.mark.parametrize(
    ("submitted", "late"),
    [(T0 - 60, False), (T0, False), (T0 + 60, True), (0, True)],
    ids=["mined-before-step2-done", "mined-as-step2-done", "mined-after-step2-done",
         "mined-at-unknown-time"],
)
def test_evidence_is_late_by_its_block_time_and_always_reopens_step2(
    submitted: int, late: bool
) -> None:
    item = dataclasses.replace(make_evidence(1, 5, Party.PAYEE), submitted_time=submitted)
    case = fw.add_evidence(through(new_case(), Step.EVIDENCE), item)
    assert case.dispute.evidence[-1].late is late
    assert case.completed == {Step.TERMS}


def test_late_evidence_after_signing_is_flagged_but_reopens_nothing() -> None:
    case = dataclasses.replace(through(new_case(), Step.RULING),
                               transaction=confirmed_tx(new_case(), TxStatus.BROADCAST))
    after = fw.add_evidence(case, make_evidence(1, 5))
    assert after.dispute.evidence[-1].late and after.completed == case.completed


def test_known_evidence_cannot_be_added_twice() -> None:
    with pytest.raises(PolicyError, match="already known"):
        fw.add_evidence(new_case(), make_evidence(1, 0))


def test_sla_clock_counts_from_the_dispute_block_time() -> None:
    dispute = make_dispute()
    clock = sla_clock(dispute, 72, T0 + 3600)
    assert clock.due_at == T0 + 72 * 3600 and clock.remaining == 71 * 3600
    assert clock.label() == "2d 23h left" and not clock.overdue
    late = sla_clock(dispute, 72, T0 + 72 * 3600 + 600)
    assert late.overdue and late.label() == "0h 10m overdue"


@pytest.mark.parametrize("status", [InvoiceStatus.REFUNDED, InvoiceStatus.RELEASED])
def test_a_case_closed_on_chain_completes_and_reopens_no_step(status: InvoiceStatus) -> None:
    case = new_case()
    case = dataclasses.replace(case, invoice=dataclasses.replace(case.invoice, status=status))
    with pytest.raises(PolicyError, match=f"{status.name} on chain: the case is closed"):
        fw.complete_terms(case, no_conflict=True, dealings_shown=(), past_dealings=(), now=T0)
    done = dataclasses.replace(case, steps=(StepRecord(1, Step.TERMS, T0, ""),))
    with pytest.raises(PolicyError, match="the case is closed"):
        fw.reopen(done, Step.TERMS)
