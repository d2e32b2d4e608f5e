"""The ``get-invoice`` cross-check of each case a sync reads, started while the logs are paged.

A first sync reads one ``get-invoice`` per dispute; waiting for every log page and the block
times before asking them left those requests, the bulk of a sync, to run after everything
else. :class:`InvoiceReads` starts each one on the sync's worker pool as soon as the logs show
the case is one the sync will read: paging runs newest first, so when an invoice's creation
event (naming the arbiter) is reached, its dispute event has already been seen.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from concurrent.futures import Future, ThreadPoolExecutor

from arbiter_app import deadline
from arbiter_app.case.models import Invoice
from arbiter_app.progress import CancelToken
from arbiter_app.services.chain import ChainReader
from arbiter_app.stacks.escrow import EscrowEvent


class InvoiceReads:
    """``get-invoice`` futures of the cases a sync will read, by invoice id.

    :param pool: the sync's worker pool (these are queued before any case read, so a case
        read waiting on one never waits on work queued behind it)
    :param reader: the chain reader
    :param arbiter: the arbiter whose disputes are read
    :param stored: the invoice ids the store already holds (read whatever their events)
    """

    def __init__(self, pool: ThreadPoolExecutor, reader: ChainReader, arbiter: str,
                 stored: Collection[int], cancel: CancelToken | None) -> None:
        self.pool = pool
        self.reader = reader
        self.arbiter = arbiter
        self.stored = stored
        self.read = deadline.cancellable(reader.invoice, cancel)
        self.raised: set[int] = set()
        self.futures: dict[int, Future[Invoice | None]] = {}
        self.seen = 0

    def see(self, newest_first: Sequence[EscrowEvent]) -> None:
        """Start the reads the events read so far (newest first) call for."""
        for e in newest_first[self.seen:]:
            if e.name == "dispute-raised":
                self.raised.add(e.invoice_id)
            elif (e.name == "invoice-created" and e.fields.get("arbiter") == self.arbiter
                  and (e.invoice_id in self.raised or e.invoice_id in self.stored)
                  and e.invoice_id not in self.futures):
                self.futures[e.invoice_id] = self.pool.submit(self.read, e.invoice_id)
        self.seen = len(newest_first)

    def started(self, invoice_id: int) -> bool:
        """Whether ``invoice_id``'s read was started (asking for it sends no request)."""
        return invoice_id in self.futures

    def invoice(self, invoice_id: int) -> Invoice | None:
        """``get-invoice`` of ``invoice_id``: the started read's answer, or read now."""
        started = self.futures.get(invoice_id)
        return started.result() if started is not None else self.reader.invoice(invoice_id)
