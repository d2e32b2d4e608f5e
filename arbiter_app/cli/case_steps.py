"""What ``arbiter-app case step`` does for each of steps 1–4 before completing it.

Each function prints what the arbiter is judging (to stdout: the terms, the evidence opened,
the chain checks, the documents), then completes the step through
:mod:`arbiter_app.services.steps`, which lets the framework judge and logs the change.
Party and server text is printed with invisible and bidi characters escaped.
"""

from __future__ import annotations

import time

from arbiter_app.case.framework import CaseFile
from arbiter_app.case.models import TermsState
from arbiter_app.case.words import chain_check_lines
from arbiter_app.cli import report
from arbiter_app.cli.case_document import terms_document
from arbiter_app.errors import UsageError
from arbiter_app.progress import run_to_end
from arbiter_app.services import evidence as evidence_service
from arbiter_app.services import queries, steps
from arbiter_app.services.chain import ChainReader
from arbiter_app.services.party_index import escrow_held
from arbiter_app.services.session import Session
from arbiter_app.text import display_name

MAX_SHOWN_DOCUMENT = 4000  # characters of a document printed at step 4


def parse_unavailable(values: list[str]) -> dict[int, str]:
    """``--unavailable ITEM=REASON`` values by evidence index.

    :raises UsageError: a value without ``=``, a non-numeric item, or an empty reason
    """
    out: dict[int, str] = {}
    for value in values:
        item, sep, reason = value.partition("=")
        if not sep or not item.strip().isdigit() or not reason.strip():
            raise UsageError(f"--unavailable takes ITEM=REASON (an evidence number and why it "
                             f"cannot be examined), not {value!r}")
        out[int(item)] = reason.strip()
    return out


def _show(text: str, limit: int = 2000) -> str:
    return "\n".join(display_name(line, limit) for line in text.splitlines())


def terms(session: Session, case: CaseFile, no_conflict: bool) -> None:
    """Step 1: print the invoice's terms and past dealings; complete on the declaration."""
    doc = terms_document(case.invoice.terms)
    print(f"terms: {doc['state']} {doc['cid'] or '(no terms document)'}")
    for key in ("title", "description", "payer_name", "payee_name"):
        if doc[key]:
            print(f"  {key}: {_show(doc[key])}")
    for milestone in doc["milestones"]:
        print(f"  milestone: {_show(milestone)}")
    found = queries.dealings(session, case)
    print(f"your past dealings with these parties: {found.summary()}")
    for invoice in found.invoices:
        print(f"  {found.line(invoice)}")
    if not no_conflict:
        raise UsageError("step 1 needs --declare-no-conflict: declare, beside the past "
                         "dealings listed, that you have no conflict of interest")
    steps.complete_terms(session, case.invoice.id, no_conflict=True, dealings_shown=found.ids,
                         now=int(time.time()))


def evidence(session: Session, case: CaseFile, unavailable: dict[int, str]) -> None:
    """Step 2: open (fetch, verify, log) every unexamined item, mark the named ones
    unavailable, and complete the step."""
    known = {e.index for e in case.dispute.evidence}
    strangers = sorted(set(unavailable) - known)
    if strangers:
        raise UsageError(f"invoice {case.invoice.id} has no evidence "
                         f"{', '.join(f'#{i}' for i in strangers)}")
    now = int(time.time())
    for item in case.dispute.evidence:
        if item.index in unavailable:
            steps.mark_evidence_unavailable(session, case.invoice.id, item.index,
                                            reason=unavailable[item.index], now=now)
            print(f"#{item.index} marked unavailable: {_show(unavailable[item.index])}")
            continue
        if item.resolved:
            continue
        report(f"fetching and verifying evidence #{item.index} ({item.manifest_cid})…")
        opened = run_to_end(evidence_service.open_item(session, case.invoice.id, item.index))
        print(f"#{opened.index} {opened.party.value} {opened.state.value}: "
              f"{_show(opened.title or opened.reason, 200)}")
        for f in opened.files:
            print(f"    {_show(f.name, 120)} {f.media_type} {f.size} bytes {f.cid}")
    steps.complete_evidence(session, case.invoice.id, now=int(time.time()))


def chain(session: Session, case: CaseFile) -> None:
    """Step 3: read the chain checks, print them, read them again and acknowledge."""
    reader = ChainReader(session.api, session.contract_id, case.invoice.arbiter)
    address = session.signer.address()
    held = escrow_held(session, case.invoice.token)
    known = len(case.dispute.evidence)
    shown = reader.checks(case.invoice.id, address, held=held, known_evidence=known)
    for ok, text in chain_check_lines(shown):
        print(f"{'ok  ' if ok else 'FAIL'} {text}")
    print(f"     signer {address}")
    print(f"     deadline block {shown.deadline}, chain tip {shown.chain_tip}, raised by "
          f"{shown.raised_by}")
    report("reading the chain checks again to acknowledge them…")
    fresh = reader.checks(case.invoice.id, address, held=held, known_evidence=known)
    steps.complete_chain(session, case.invoice.id, checks=fresh, acknowledged=shown,
                         now=int(time.time()))


def documents(session: Session, case: CaseFile) -> None:
    """Step 4: fetch, verify and print the dispute's reason and the terms document."""
    wanted = [("dispute reason", case.dispute.reason_cid)]
    terms_summary = case.invoice.terms
    if terms_summary.cid and terms_summary.state is TermsState.VERIFIED:
        wanted.append(("invoice terms", terms_summary.cid))
    for name, cid in wanted:
        got = run_to_end(evidence_service.verified_bytes(
            session.fetcher, cid, None, evidence_service.MAX_DOCUMENT_BYTES))
        text = got.read().decode("utf-8", errors="replace")
        print(f"--- {name} {cid} ({got.size} bytes, verified)")
        print(_show(text[:MAX_SHOWN_DOCUMENT]))
    steps.complete_documents(session, case.invoice.id, consulted=[cid for _, cid in wanted],
                             now=int(time.time()))
