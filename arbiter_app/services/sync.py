"""Sync: pull the configured arbiter's disputes and their evidence from the chain and IPFS
into the case store.

The contract's print events are paged back to the newest event of the previous sync, so
each run reads only what is new (the marker is saved only after every case was stored, so
a cancelled or failed run resumes where the last complete one ended). Disputes are those
whose events name this arbiter. For each, the current state is read with ``call-read``;
each new evidence item is tied to the transaction that submitted it (the sender must be the
payer or the payee, else the item is flagged and stored as not matching); everything is
stored and logged by ``store.cases``. The terms, manifests and files are left pending: the
case's first opening fetches and verifies them (:mod:`arbiter_app.services.opening`).
"""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Callable, Generator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from arbiter_app import deadline
from arbiter_app.case.framework import CaseFile
from arbiter_app.case.models import (
    Dispute,
    EvidenceItem,
    EvidenceState,
    Invoice,
    Party,
)
from arbiter_app.errors import Cancelled, PolicyError, ResponseError
from arbiter_app.progress import CancelToken, Progress
from arbiter_app.services import evidence as docs
from arbiter_app.services.chain import ChainReader, disagreements, event_view
from arbiter_app.services.opening import unfetched
from arbiter_app.services.party_index import index_events
from arbiter_app.services.session import Session
from arbiter_app.services.sync_reads import InvoiceReads
from arbiter_app.services.sync_times import BlockTimes
from arbiter_app.services.target import check_target
from arbiter_app.stacks.api import TxStatus
from arbiter_app.stacks.escrow import DisputeRecord, EscrowEvent, EvidenceRecord, GovernanceEvent
from arbiter_app.store import cases, rows
from arbiter_app.store.execution import change_setting
from arbiter_app.store.governance import GovernanceRecord, mark_sync_start, record_governance
from arbiter_app.store.rows import setting

MARKER_KEY = "sync.last-event"
_TX_ROUTE = "/extended/v3/transactions"
BATCH = 200  # cases stored per SQLite transaction


@dataclass(frozen=True)
class SyncSummary:
    """What one sync did (``arbiter-app sync`` prints it)."""

    events: int = 0
    disputes: int = 0
    new_disputes: int = 0
    evidence: int = 0
    pending: int = 0
    verified: int = 0
    unavailable: int = 0
    mismatched: int = 0
    flagged: tuple[str, ...] = ()
    requests: int = 0

    def describe(self) -> str:
        """One paragraph for the user."""
        lines = [
            f"{self.events} new contract events; {self.disputes} disputes of this arbiter "
            f"updated ({self.new_disputes} new)",
            f"{self.evidence} new evidence items: {self.pending} pending (fetched when the "
            f"case is opened), {self.mismatched} not tied to a party's transaction",
        ]
        lines.extend(f"flagged: {f}" for f in self.flagged)
        return "\n".join(lines)


def sync_disputes(
    session: Session, cancel: CancelToken | None = None, *, arbiter: str | None = None
) -> Generator[Progress, None, SyncSummary]:
    """Run one incremental sync.

    The requests about cases run on a few threads in parallel (each ``get-invoice`` as soon as
    the logs call for it, and the reads of cases that ask more); the cases are stored in
    invoice order by this generator (parallel fetches, one writer).

    :param session: the session (API, store, fetcher)
    :param cancel: checked between every request and case
    :param arbiter: the arbiter address (default: the signer's address)
    :raises PolicyError: a wrong or missing contract, or a node of another network
        (nothing is read or stored)
    :raises NetworkError: when the API fails past its retries (nothing half-written)
    :raises Cancelled: when cancelled (cases already stored stay stored)
    """

    me = arbiter or session.signer.address()
    start = session.api.requests
    yield Progress("checking the network and the contract", 0, None)
    check_target(session.api, session.network.name, session.contract_id)
    reader = ChainReader(session.api, session.contract_id, me)
    marker = _load_marker(session)
    times = BlockTimes(session.api, session.contract_id, cancel)
    pool = ThreadPoolExecutor(max_workers=session.settings.sync_workers,
                              thread_name_prefix="sync-read")
    try:
        stored = {c.invoice.id: c for c in rows.list_cases(session.store)}
        invoices = InvoiceReads(pool, reader, me, stored.keys(), cancel)
        events = yield from _events(reader, marker, times, invoices, cancel)
        ids = sorted({e.invoice_id for e in events if e.fields.get("arbiter") == me}
                     | {e.invoice_id for e in events if e.invoice_id in stored})
        summary = SyncSummary(events=len(events))
        yield Progress("reading block times", 0, None)
        wanted = frozenset(ids)  # a list's `in` scanned 2,000 ids for each of 6,000 events
        timed = [e.tx_id for e in events if e.name == "invoice-created"
                 or (e.invoice_id in wanted and e.name in TIMED_EVENTS)]
        txs = times.collect(timed + [g.tx_id for g in reader.governance], pool,
                            reader.floor_height)
        events = [_timed(e, txs) for e in events]
        by_invoice: dict[int, list[EscrowEvent]] = {}
        for e in events:
            by_invoice.setdefault(e.invoice_id, []).append(e)
        read_case = deadline.cancellable(_read_case, cancel)
        reads: list[Callable[[], _CaseRead | None]] = []
        for i in ids:
            mine, had = by_invoice.get(i, []), stored.get(i)
            record = _dispute_from_events(i, mine, had)
            read = functools.partial(read_case, reader, invoices, i, mine, record, had, me,
                                     txs, cancel)
            # A case that asks the API nothing more is read where it is stored: a pool task
            # for each of a first sync's 2,000 cost more CPU than the read.
            asks = _asks_more(invoices, i, mine, record, had)
            reads.append(pool.submit(read).result if asks else read)
        for start_at in range(0, len(ids), BATCH):
            batch = range(start_at, min(start_at + BATCH, len(ids)))
            summary = yield from _store_batch(session, ids, reads, batch, summary, cancel)
    finally:
        times.stop()
        pool.shutdown(wait=True, cancel_futures=True)
    mark_sync_start(session.store, now=session.now())
    record_governance(session.store, _governance_records(reader.governance, txs),
                      now=session.now())
    index_events(session.store, session.contract_id, events)
    if reader.newest_key is not None and reader.newest_key != marker:
        _save_marker(session, reader.newest_key)
    return dataclasses.replace(summary, requests=session.api.requests - start)


def _events(
    reader: ChainReader, marker: tuple[str, int] | None, times: BlockTimes,
    invoices: InvoiceReads, cancel: CancelToken | None,
) -> Generator[Progress, None, list[EscrowEvent]]:
    """The contract's new events, oldest first; the transaction list is paged alongside
    from the first page that holds a new event (none when nothing is new), and each case's
    ``get-invoice`` starts as soon as the events show the sync will read it."""
    paging = reader.new_events(marker, cancel)
    while True:
        try:
            progress = next(paging)
        except StopIteration as done:
            return done.value  # type: ignore[no-any-return]
        if reader.newest_key not in (None, marker) and not times.started:
            times.start()
        times.saw(progress.done)
        invoices.see(reader.read_so_far)
        yield progress


# The events whose block height and time the app keeps; logs carry neither, so each is read
# from its transaction (``block.height``, ``block.time``). Every invoice-created event is
# read too: the party index places each invoice of the contract by its creation block.
TIMED_EVENTS = frozenset({"dispute-raised", "evidence-submitted", "dispute-resolved"})


def _governance_records(
    events: Sequence[GovernanceEvent], txs: Mapping[str, TxStatus | None]
) -> list[GovernanceRecord]:
    """Governance events with their block and sender, from their transactions.

    :raises ResponseError: when the API cannot place a governance event's transaction
    """
    records = []
    for g in events:
        tx = txs.get(g.tx_id)
        if tx is None or tx.block_height is None or tx.block_time is None or tx.sender is None:
            raise ResponseError(f"the API cannot place the transaction {g.tx_id} of the "
                                f"contract's {g.name} event", _TX_ROUTE)
        records.append(GovernanceRecord(g.tx_id, g.event_index, g.name, dict(g.fields),
                                        tx.block_height, tx.block_time, tx.sender))
    return records


def _timed(event: EscrowEvent, txs: Mapping[str, TxStatus | None]) -> EscrowEvent:
    """The event with its transaction's block height and time, when that is known."""
    tx = txs.get(event.tx_id)
    if tx is None or tx.block_height is None:
        return event
    # Built directly: dataclasses.replace looks up every field by name (6,000 events a sync).
    return EscrowEvent(event.name, event.invoice_id, event.fields, event.tx_id,
                       event.event_index, tx.block_height, tx.block_time)


@dataclass(frozen=True)
class _CaseRead:
    """Everything the network said about one case, ready to store."""

    invoice: Invoice
    dispute: Dispute
    flagged: tuple[str, ...]
    new: bool


def _read_case(
    reader: ChainReader, invoices: InvoiceReads, invoice_id: int,
    mine: Sequence[EscrowEvent], record: DisputeRecord | None,
    stored: CaseFile | None, me: str, txs: Mapping[str, TxStatus | None],
    cancel: CancelToken | None,
) -> _CaseRead | None:
    """Read one case from the chain (no store access: on a reader thread, or on the storing
    thread when it asks nothing more than its started ``get-invoice``).

    :param mine: this sync's events of this invoice, oldest first
    :param record: what its events and the store say of the dispute
        (:func:`_dispute_from_events`), ``None`` when they cannot say
    """
    raised = any(e.name == "dispute-raised" for e in mine)
    if record is None and not raised:
        return None  # never disputed (a dispute raised earlier would be stored)
    invoice = invoices.invoice(invoice_id)
    if invoice is None or invoice.arbiter != me:
        return None  # not (or no longer) an invoice of this arbiter
    if record is None:
        record = reader.dispute(invoice_id)  # its raising transaction is not placed yet
    if record is None:
        return None
    flagged = [f"invoice {invoice_id}: {p}" for p in _partial_disagreements(invoice, mine)]
    invoice = dataclasses.replace(invoice, terms=stored.invoice.terms if stored is not None
                                  else unfetched(invoice.metadata_hash))
    have = {e.index for e in stored.dispute.evidence} if stored else set()
    items: list[EvidenceItem] = []
    for index in range(record.evidence_count):
        if index in have:
            continue
        _check(cancel)
        item, flag = _tie(reader, invoice, index, mine, txs)
        if flag:
            flagged.append(flag)
        items.append(item)  # pending, or mismatched: IPFS is left to the case's opening
    dispute = Dispute(invoice_id, record.raised_by, record.reason_cid, record.raised_height,
                      _raised_time(invoice_id, mine, stored), tuple(items))
    return _CaseRead(invoice, dispute, tuple(flagged), new=stored is None)


def _asks_more(invoices: InvoiceReads, invoice_id: int, events: Sequence[EscrowEvent],
               record: DisputeRecord | None, stored: CaseFile | None) -> bool:
    """Whether reading the case asks the API more than its ``get-invoice`` under way: that
    read not started, ``get-dispute`` for a dispute the events cannot place, or
    ``get-evidence`` for new items (see :func:`_read_case`)."""
    if record is None:
        return any(e.name == "dispute-raised" for e in events)  # else never disputed
    known = {e.index for e in stored.dispute.evidence} if stored is not None else set()
    return (not invoices.started(invoice_id)
            or any(i not in known for i in range(record.evidence_count)))


def _store_batch(
    session: Session, ids: Sequence[int], reads: Sequence[Callable[[], _CaseRead | None]],
    batch: range, summary: SyncSummary, cancel: CancelToken | None,
) -> Generator[Progress, None, SyncSummary]:
    """Store a batch of cases, in order, in one transaction (one commit for them all).

    A run of new cases without evidence (a first sync's thousands) is stored in a few
    statements for them all; every other case on its own, in its place.
    A cancel commits the cases stored before it, then raises.
    """
    stopped: Cancelled | None = None
    run: list[_CaseRead] = []
    with session.store.atomic():
        for n in batch:
            yield Progress(f"invoice {ids[n]}", n, len(ids))
            try:
                _check(cancel)
                read = reads[n]()
            except Cancelled as e:
                stopped = e
                break
            if read is not None and read.new and not read.dispute.evidence:
                run.append(read)
            elif read is not None:
                summary = _store_run(session, run, summary)
                run = []
                summary = _add(summary, _store_case(session, read))
        summary = _store_run(session, run, summary)
    if stopped is not None:
        raise stopped
    return summary


def _store_run(session: Session, run: Sequence[_CaseRead], summary: SyncSummary) -> SyncSummary:
    """Store new cases that have no evidence (see :func:`cases.add_new_disputes`)."""
    if run:
        cases.add_new_disputes(session.store, [(r.invoice, r.dispute) for r in run],
                               now=session.now())
    for read in run:
        summary = _add(summary, _count((), list(read.flagged), new=True))
    return summary


def _dispute_from_events(
    invoice_id: int, events: Sequence[EscrowEvent], stored: CaseFile | None
) -> DisputeRecord | None:
    """What ``get-dispute`` would say, from the dispute-raised event (its block height from
    its transaction) or the stored case, and the evidence-submitted events; ``None`` when
    neither this sync's events nor the store know the dispute (then it is read).

    The events print every fact of the record; the invoice's ``call-read`` still
    cross-checks the status they imply.
    """
    raised = next((e for e in events if e.name == "dispute-raised"), None)
    indices = [e.fields.get("index") for e in events if e.name == "evidence-submitted"]
    known = [i.index for i in stored.dispute.evidence] if stored is not None else []
    count = max((i for i in [*indices, *known] if isinstance(i, int)), default=-1) + 1
    if raised is not None and raised.block_height is not None:
        by, reason = raised.fields.get("raised-by"), raised.fields.get("reason-cid")
        if isinstance(by, str) and isinstance(reason, str):
            return DisputeRecord(invoice_id, by, reason, raised.block_height, count)
    if stored is None:
        return None
    d = stored.dispute
    return DisputeRecord(invoice_id, d.raised_by, d.reason_cid, d.raised_height, count)


def _store_case(session: Session, read: _CaseRead) -> SyncSummary:
    """Store one case and log its new facts, the items no party's transaction submitted
    included (on the generator's thread: the one writer), inside the batch's transaction: a
    failure rolls the whole batch back, so the case needs no savepoint of its own."""

    now = session.now()
    invoice_id = read.invoice.id
    cases.sync_dispute(session.store, read.invoice, read.dispute, now=now)
    for item in read.dispute.evidence:  # each pending (fetched at opening) or mismatched
        if item.state is EvidenceState.MISMATCH:
            cases.mark_evidence_unavailable(session.store, invoice_id, item.index,
                                            reason=item.reason, mismatch=True, now=now)
    return _count(read.dispute.evidence, list(read.flagged), new=read.new)


def _tie(
    reader: ChainReader, invoice: Invoice, index: int, events: Sequence[EscrowEvent],
    txs: Mapping[str, TxStatus | None],
) -> tuple[EvidenceItem, str]:
    """Read evidence ``index`` and check it against the transaction that submitted it.

    :returns: the item (MISMATCH when it cannot be tied to a party's transaction) and a flag
    """
    record = reader.evidence(invoice.id, index)
    if record is None:
        raise PolicyError(f"invoice {invoice.id}: the contract counts evidence #{index} "
                          "but does not return it")
    event = next((e for e in events if e.name == "evidence-submitted"
                  and e.fields.get("index") == index), None)
    problem = _submission_problem(invoice, record, event, txs)
    party = docs.party_of(record.submitter, invoice.payer, invoice.payee) or Party.PAYER
    item = EvidenceItem(invoice.id, index, party, record.submitter, record.cid, record.height,
                        submitted_time=(event.block_time or 0) if event else 0,
                        submit_txid=event.tx_id if event else "")
    if problem:
        item = dataclasses.replace(item, state=EvidenceState.MISMATCH, reason=problem)
        return item, f"invoice {invoice.id} evidence #{index}: {problem}"
    return item, ""


def _submission_problem(
    invoice: Invoice, record: EvidenceRecord, event: EscrowEvent | None,
    txs: Mapping[str, TxStatus | None],
) -> str:
    if event is None:
        return "no evidence-submitted event names it, so its transaction is unknown"
    if event.fields.get("cid") != record.cid or event.fields.get("submitter") != record.submitter:
        return "the contract's record and its submission event disagree"
    tx = txs.get(event.tx_id)
    if tx is None or tx.sender is None:
        return f"its transaction {event.tx_id} is unknown to the API"
    if tx.sender != record.submitter:
        return f"its transaction was sent by {tx.sender}, not by the recorded submitter"
    if docs.party_of(tx.sender, invoice.payer, invoice.payee) is None:
        return f"it was submitted by {tx.sender}, who is neither the payer nor the payee"
    return ""


def _partial_disagreements(invoice: Invoice, events: Sequence[EscrowEvent]) -> list[str]:
    """Disagreements between call-read and the events of this sync (status only if told)."""
    view = event_view(invoice.id, events)
    problems = disagreements(invoice, view)
    return problems if view.status is not None else [p for p in problems if "status" not in p]


def _raised_time(
    invoice_id: int, events: Sequence[EscrowEvent], stored: CaseFile | None
) -> int:
    """The time of the block that raised the dispute (the SLA clock's start).

    :raises ResponseError: a new dispute whose raising transaction the API cannot place
    """
    if stored is not None:
        return stored.dispute.raised_time
    raised = next((e for e in events if e.name == "dispute-raised"), None)
    if raised is None or raised.block_time is None:
        what = "no dispute-raised event" if raised is None else f"transaction {raised.tx_id}"
        raise ResponseError(f"invoice {invoice_id}: the API cannot say when the dispute was "
                            f"raised ({what} has no mined block)", _TX_ROUTE)
    return raised.block_time


def _count(items: Sequence[EvidenceItem], flagged: list[str], *, new: bool) -> SyncSummary:
    states = [i.state for i in items]
    return SyncSummary(
        disputes=1, new_disputes=int(new), evidence=len(items),
        pending=states.count(EvidenceState.PENDING), verified=states.count(EvidenceState.VERIFIED),
        unavailable=states.count(EvidenceState.UNAVAILABLE),
        mismatched=states.count(EvidenceState.MISMATCH), flagged=tuple(flagged),
    )


def _add(a: SyncSummary, b: SyncSummary) -> SyncSummary:
    return SyncSummary(
        a.events + b.events, a.disputes + b.disputes, a.new_disputes + b.new_disputes,
        a.evidence + b.evidence, a.pending + b.pending, a.verified + b.verified,
        a.unavailable + b.unavailable, a.mismatched + b.mismatched, a.flagged + b.flagged,
        a.requests + b.requests,
    )


def _check(cancel: CancelToken | None) -> None:
    if cancel is not None:
        cancel.check()


def _marker_key(session: Session) -> str:
    return f"{MARKER_KEY}:{session.network.name}:{session.contract_id}"


def _load_marker(session: Session) -> tuple[str, int] | None:

    value = setting(session.store, _marker_key(session))
    if not value:
        return None
    txid, _, index = value.partition(":")
    return (txid, int(index)) if index.isdigit() else None


def _save_marker(session: Session, key: tuple[str, int]) -> None:
    """Remember the newest event read; written only after every case of the run is stored."""

    change_setting(session.store, _marker_key(session), f"{key[0]}:{key[1]}",
                   now=session.now())
