"""Block heights and times for a sync, read in bulk from the contract's transaction list.

Contract logs carry no block data; each log's transaction does. Reading one v3 transaction per
event cost a request per event, so the sync pages the escrow's own transaction list instead
(``/extended/v3/principals/{contract}/transactions``, 50 a page, newest first, each with its
``block.height`` and ``block.time``; docs/stacks-api.md). :class:`BlockTimes` pages it on a
thread of its own while the sync pages the logs, never more than a page ahead of the events
read so far, and stops once every transaction the sync asked for is found, or once its pages
are older than the oldest new log (an incremental sync never pages the whole history). A
transaction the list does not hold (a call that reached the escrow through another contract
is listed under that contract) is read alone from ``/extended/v3/transactions/{id}``.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor

from arbiter_app import deadline
from arbiter_app.errors import Cancelled
from arbiter_app.progress import CancelToken
from arbiter_app.services.paging import PageGuard
from arbiter_app.stacks.api import StacksApi, TxStatus

PAGE = 50  # the API's largest page of transactions
_POLL = 0.2  # seconds between cancel checks while waiting


class BlockTimes:
    """The escrow's transactions by txid, paged on a thread while the sync reads its logs.

    :param api: the API client
    :param contract_id: the escrow, whose transaction list is paged
    :param cancel: stops the paging between pages
    """

    def __init__(self, api: StacksApi, contract_id: str, cancel: CancelToken | None) -> None:
        self.api = api
        self.contract_id = contract_id
        self.cancel = cancel
        self.found: dict[str, TxStatus] = {}
        self._events = 0
        self._needed: frozenset[str] | None = None
        self._floor: int | None = None
        self._lowest: int | None = None  # the lowest block height paged so far
        self._done = False
        self._error: BaseException | None = None
        self._changed = threading.Condition()
        self._thread = threading.Thread(target=self._run, name="sync-times", daemon=True)

    @property
    def started(self) -> bool:
        """Whether the paging has started."""
        return self._thread.ident is not None

    def start(self) -> None:
        """Start paging."""
        self._thread.start()

    def saw(self, events: int) -> None:
        """The sync has read ``events`` new logs so far: page that far ahead."""
        with self._changed:
            self._events = events
            self._changed.notify_all()

    def collect(
        self, txids: Iterable[str], pool: ThreadPoolExecutor, floor: int | None = None
    ) -> dict[str, TxStatus | None]:
        """Every transaction of ``txids``, waiting for the paging to find them; those the
        list does not hold are read one by one (``None`` where the API knows none).

        :param floor: a block height none of them is below (paging stops past it)

        :raises NetworkError, ResponseError: when the paging failed
        :raises Cancelled: when cancelled while waiting
        """
        wanted = frozenset(txids)
        with self._changed:
            self._needed, self._floor = wanted, floor
            self._changed.notify_all()
        if not self.started and len(wanted) > 1:
            self.start()  # the new logs fit one page: the paging had no page to start on
        while self._thread.is_alive():
            self._thread.join(_POLL)
            if self.cancel is not None:
                self.cancel.check()
        if self._error is not None:
            raise self._error
        have: dict[str, TxStatus | None] = {t: self.found[t] for t in wanted if t in self.found}
        missing = sorted(wanted - have.keys())
        get: Callable[[str], TxStatus | None] = deadline.cancellable(
            self.api.get_transaction, self.cancel)
        have.update(zip(missing, pool.map(get, missing), strict=True))
        return have

    def stop(self) -> None:
        """Stop paging (the thread ends after the request under way)."""
        with self._changed:
            self._done = True
            self._changed.notify_all()

    def _run(self) -> None:
        guard = PageGuard(f"/extended/v3/principals/{self.contract_id}/transactions", PAGE)
        cursor: str | None = None
        try:
            while self._wait_turn():
                with deadline.within(float("inf"), self.cancel):
                    page = self.api.principal_transactions(self.contract_id, cursor, PAGE)
                guard.page(page.total, page.older_cursor, [t.tx_id for t in page.results])
                with self._changed:
                    self.found.update((t.tx_id, t) for t in page.results)
                    heights = [t.block_height for t in page.results if t.block_height is not None]
                    self._lowest = min(heights, default=self._lowest)
                cursor = page.older_cursor
                if cursor is None or not page.results:
                    return
        except Cancelled:
            return
        except Exception as e:  # noqa: BLE001 - handed to the sync's thread by collect()
            self._error = e

    def _wait_turn(self) -> bool:
        """Whether to read another page: not while a page ahead of the logs read, and not
        once every needed transaction is found."""
        with self._changed:
            while True:
                if self._done or (self.cancel is not None and self.cancel.cancelled):
                    return False
                if self._needed is not None:
                    past = (self._floor is not None and self._lowest is not None
                            and self._lowest < self._floor)
                    return not past and not self._needed <= self.found.keys()
                if len(self.found) < self._events + PAGE:
                    return True
                self._changed.wait(_POLL)
