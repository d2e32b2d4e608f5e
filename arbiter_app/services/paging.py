"""A guard for cursor-paged API answers, so a lying server cannot make paging endless.

A page chain is only as finite as the server makes it: a server can answer the same page with
a cursor forever, hand out fresh cursors to copies of old logs, or keep paging past the total
it declared. :class:`PageGuard` refuses each of these as a :class:`ResponseError`, so a sync
reads at most the pages the first page's ``total`` allows (one more for logs that arrive
meanwhile) and holds at most that many logs.
"""

from __future__ import annotations

from collections.abc import Hashable

from arbiter_app.errors import ResponseError

SLACK_PAGES = 1  # logs written while the sync pages may push the last ones one page down


class PageGuard:
    """Counts the pages and items of one paging run and refuses a chain that cannot end.

    :param url: named in every refusal
    :param page_size: the largest page asked for
    """

    def __init__(self, url: str, page_size: int) -> None:
        self.url = url
        self.page_size = page_size
        self.pages = 0
        self.allowed: int | None = None
        self._cursors: set[str] = set()
        self._keys: set[Hashable] = set()

    def page(self, total: int, cursor: str | None, keys: list[Hashable]) -> None:
        """Account for one page: its declared total, its cursor to the next page, its items.

        :raises ResponseError: on a repeated cursor or item, or a page beyond the total
        """
        self.pages += 1
        if self.allowed is None:
            self.allowed = -(-total // self.page_size) + SLACK_PAGES
        if self.pages > self.allowed:
            raise ResponseError(f"the API kept paging past the {total} logs it declared "
                                f"({self.pages} pages of {self.page_size})", self.url)
        for key in keys:
            if key in self._keys:
                raise ResponseError(f"the API served the same log {key} twice while paging",
                                    self.url)
            self._keys.add(key)
        if cursor is not None:
            if cursor in self._cursors:
                raise ResponseError(f"the API repeated the page cursor {cursor[:40]} (its "
                                    "pages loop)", self.url)
            self._cursors.add(cursor)
