"""The one backoff: how long to wait before trying a network call again.

Waits grow as capped exponential backoff with full jitter (a random wait between 0 and
``min(cap, base * 2**attempt)``), so clients that failed together do not retry together. When
the server said how long to wait (``Retry-After``, as seconds or as an HTTP date), that wait
is used instead, capped too, so a server cannot park the app for an hour. The Stacks API
client, the IPFS sources and the ruling's broadcast loop all wait through :class:`Backoff`.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from email.utils import parsedate_to_datetime


@dataclass(frozen=True)
class Backoff:
    """Bounded retries and the wait before each.

    :param attempts: tries in all, the first included
    :param base: the first wait's ceiling, seconds
    :param cap: the largest wait, seconds (also the largest ``Retry-After`` honoured)
    """

    attempts: int = 5
    base: float = 0.5
    cap: float = 30.0

    def delay(self, attempt: int, retry_after: float | None = None,
              rng: Callable[[], float] = random.random) -> float:
        """Seconds to wait before try ``attempt + 2`` (``attempt`` counts from 0): the
        server's ``Retry-After`` when it gave one, else full jitter; never above the cap."""
        if retry_after is not None:
            return min(self.cap, max(0.0, retry_after))
        return rng() * min(self.cap, self.base * 2.0**attempt)


def retry_after(value: str | None, now: float | None = None) -> float | None:
    """A ``Retry-After`` header in seconds from ``now``: delay-seconds (``120``) or an HTTP
    date (``Wed, 21 Oct 2015 07:28:00 GMT``; a past date is 0). ``None`` when absent or not
    one of the two forms.
    """
    text = (value or "").strip()
    if not text:
        return None
    if text.isdigit():
        return float(text)
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:  # only GMT dates are HTTP dates; a zone-less one is not
        return None
    return max(0.0, when.timestamp() - (time.time() if now is None else now))
