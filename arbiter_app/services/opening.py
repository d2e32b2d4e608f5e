"""What opening a case fetches: its terms document and its evidence, which the sync leaves
to the case's first opening rather than fetching them itself.

The sync stores each new case with its terms *not fetched yet* (state ``pending`` with the
CID the invoice's metadata hash names) and each evidence item tied to a party's transaction
as ``pending``, so the queue appears after the chain's requests alone. Opening the case (the
case pane, ``arbiter-app case show``, ``case step``) fetches and verifies the terms and each
pending item once and stores what came of it: verified, or not matching (logged), or for an
item no source has, unavailable (logged). Offline — no IPFS source can be reached — they stay
pending with the reason, and the next opening tries again.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Generator
from dataclasses import dataclass

from arbiter_app.case.framework import CaseFile
from arbiter_app.case.models import EvidenceItem, EvidenceState, TermsState, TermsSummary
from arbiter_app.errors import UsageError
from arbiter_app.ipfs.cid import CID
from arbiter_app.progress import CancelToken, Progress
from arbiter_app.services import evidence as docs
from arbiter_app.services.session import Session
from arbiter_app.store import cases, rows


def unfetched(metadata_hash: str | None) -> TermsSummary:
    """The terms of a newly synced invoice: absent without a metadata hash, else pending."""
    if metadata_hash is None:
        return TermsSummary(state=TermsState.ABSENT)
    cid = CID.raw_sha256(bytes.fromhex(metadata_hash))
    return TermsSummary(state=TermsState.PENDING, cid=str(cid))


def pending_evidence(case: CaseFile) -> list[EvidenceItem]:
    """The case's evidence items not fetched yet, by index."""
    return sorted((e for e in case.dispute.evidence if e.state is EvidenceState.PENDING),
                  key=lambda e: e.index)


def needs_fetch(case: CaseFile) -> bool:
    """Whether opening the case should fetch something: its terms or an evidence item not
    had yet (never fetched, or offline before)."""
    return case.invoice.terms.state is TermsState.PENDING or bool(pending_evidence(case))


def what_is_fetched(case: CaseFile) -> str:
    """What opening ``case`` fetches, in words (``"the terms document and 2 evidence
    items"``); empty when nothing is."""
    parts = ["the terms document"] if case.invoice.terms.state is TermsState.PENDING else []
    count = len(pending_evidence(case))
    if count:
        parts.append(f"{count} evidence item{'s' if count > 1 else ''}")
    return " and ".join(parts)


@dataclass(frozen=True)
class Opening:
    """What an opening's fetch could not do (all empty: everything is verified now).

    :param terms: why the terms are not verified: they did not match their hash (stored so)
        or could not be had (they stay pending)
    :param evidence: the items fetched that did not verify, as stored afterwards (mismatched
        or unavailable, each logged; or still pending, with why)
    """

    terms: str = ""
    evidence: tuple[EvidenceItem, ...] = ()

    @property
    def waiting(self) -> tuple[EvidenceItem, ...]:
        """The items still pending: no IPFS source could be reached."""
        return tuple(e for e in self.evidence if e.state is EvidenceState.PENDING)

    def problems(self) -> list[str]:
        """One sentence per thing that could not be verified, for the arbiter."""
        lines = []
        if self.terms:
            lines.append(f"The terms document could not be verified ({self.terms}).")
        lines += [f"Evidence #{e.index} ({e.party.value}) is {e.state.value}: {e.reason}"
                  for e in self.evidence if e.state is not EvidenceState.PENDING]
        if self.waiting:
            numbers = ", ".join(f"#{e.index}" for e in self.waiting)
            lines.append(f"Evidence {numbers} could not be fetched ({self.waiting[0].reason}).")
        return lines


def fetch_on_opening(
    session: Session, invoice_id: int, cancel: CancelToken | None = None
) -> Generator[Progress, None, Opening]:
    """Fetch, verify and store the case's terms and evidence items that are still pending.

    The first item that finds no IPFS source reachable ends the evidence fetch: the rest stay
    pending with the same reason.

    :returns: what could not be verified (nothing when everything was)
    :raises Cancelled: when cancelled (what was stored before stays stored)
    """
    case = rows.load_case(session.store, invoice_id)
    try:
        why = yield from _fetch_terms(session, case, cancel)
        failed = yield from _fetch_evidence(session, case, cancel)
    except UsageError as e:  # no IPFS node or gateway is configured: nothing was fetched
        terms_pending = case.invoice.terms.state is TermsState.PENDING
        return Opening(str(e) if terms_pending else "",
                       tuple(_waiting(i, str(e)) for i in pending_evidence(case)))
    return Opening(why, failed)


def _fetch_terms(
    session: Session, case: CaseFile, cancel: CancelToken | None
) -> Generator[Progress, None, str]:
    if case.invoice.terms.state is not TermsState.PENDING:
        return ""
    invoice_id = case.invoice.id
    yield Progress(f"fetching the terms of invoice {invoice_id}…", 0, None)
    summary, why = yield from docs.fetch_terms(session.fetcher, case.invoice.metadata_hash, cancel)
    if summary.state is not TermsState.PENDING:
        cases.store_terms(session.store, invoice_id, summary, now=session.now())
    return why


def _fetch_evidence(
    session: Session, case: CaseFile, cancel: CancelToken | None
) -> Generator[Progress, None, tuple[EvidenceItem, ...]]:
    """Each pending item verified through the step-2 check (which records a mismatch or an
    unavailable item with its log entry) and stored verified when it is."""
    items = pending_evidence(case)
    failed: list[EvidenceItem] = []
    for n, item in enumerate(items, 1):
        if cancel is not None:
            cancel.check()
        step = Progress(f"fetching evidence {n} of {len(items)} of invoice {case.invoice.id}…",
                        n - 1, len(items))
        yield step
        checked = yield from _as_one_step(
            docs.check_item(session, case.invoice.id, item.index, cancel), step)
        if checked.state is EvidenceState.VERIFIED:
            cases.store_verified_evidence(session.store, case.invoice.id, item.index,
                                          title=checked.title, files=checked.files)
        elif checked.state is EvidenceState.PENDING:
            return (*failed, *(_waiting(e, checked.reason) for e in items[n - 1:]))
        else:
            failed.append(checked)
    return tuple(failed)


def _waiting(item: EvidenceItem, reason: str) -> EvidenceItem:
    return dataclasses.replace(item, reason=reason)


def _as_one_step(
    inner: Generator[Progress, None, EvidenceItem], step: Progress
) -> Generator[Progress, None, EvidenceItem]:
    """``inner``, each of its reports (manifest, files, bytes) shown as ``step``."""
    while True:
        try:
            next(inner)
        except StopIteration as end:
            result: EvidenceItem = end.value
            return result
        yield step
