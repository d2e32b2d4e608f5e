"""Where blocks come from: a local Kubo node's RPC (:mod:`.kubo`) and trustless gateways.

Nothing a source returns is trusted; :mod:`.fetch` checks every block against its CID. A
source only moves bytes and translates its library's errors into ours, once, here: a
timeout, a refused connection, 429 or 5xx is a :class:`TransientError` (worth retrying with
backoff); 404/410 means "this source does not have it" (``None``); anything
else is a :class:`FetchError`.

Both go through httpx on the deadline transport (:mod:`arbiter_app.deadline`).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Generator, Iterable
from typing import BinaryIO, Protocol, TypeVar
from urllib.parse import urlsplit

import httpx

from arbiter_app import deadline
from arbiter_app.errors import Cancelled, LimitExceeded, NetworkError, ResponseError
from arbiter_app.ipfs.cid import CID
from arbiter_app.ipfs.errors import BlockTooLarge, FetchError
from arbiter_app.progress import CancelToken
from arbiter_app.retry import Backoff, retry_after

T = TypeVar("T")
CAR_TYPE = "application/vnd.ipld.car"
RAW_TYPE = "application/vnd.ipld.raw"


def spool_car(
    chunks: Iterable[bytes],
    spool: BinaryIO,
    limit: int,
    cancel: CancelToken | None,
) -> Generator[int, None, None]:
    """Copy a CAR answer into ``spool``, capped at ``limit`` bytes, yielding bytes so far.

    Every source streams a CAR the same way, so the cap and the cancel point live here once.

    :param chunks: the answer's bytes as they arrive
    :raises LimitExceeded: when the answer grows past ``limit``
    :raises Cancelled: when ``cancel`` is set between chunks
    """
    got = 0
    for chunk in chunks:
        if cancel is not None:
            cancel.check()
        got += len(chunk)
        if got > limit:
            raise LimitExceeded("CAR response size", got, limit)
        spool.write(chunk)
        yield got


class TransientError(FetchError):
    """A failure worth retrying (timeout, connection, 429, 5xx).

    :param retry_after: seconds the server asked to wait, when it said
    """

    def __init__(self, message: str, url: str | None = None, retry_after: float | None = None):
        self.retry_after = retry_after
        super().__init__(message, url)


class Unreachable(TransientError):
    """No connection to the source could be made (refused, no route, no name, or the connect
    timeout): it said nothing about what it holds."""


class CarUnsupported(FetchError):
    """The source cannot serve a CAR for this request (ask per block instead)."""


# Gateways and the node: 4 tries, waits from 0.25 s growing to at most 8 s.
IPFS_BACKOFF = Backoff(attempts=4, base=0.25, cap=8.0)


def pause(backoff: Backoff, attempt: int, error: TransientError,
          cancel: CancelToken | None) -> None:
    """Sleep before try ``attempt + 2``, in short slices so cancellation is prompt."""
    end = time.monotonic() + backoff.delay(attempt, error.retry_after)
    while (left := end - time.monotonic()) > 0:
        if cancel is not None:
            cancel.check()
        time.sleep(min(0.05, left))


def retrying(backoff: Backoff, fn: Callable[[], T], cancel: CancelToken | None = None) -> T:
    """Call ``fn``, retrying on :class:`TransientError` up to ``backoff.attempts`` tries."""
    for attempt in range(backoff.attempts):
        if cancel is not None:
            cancel.check()
        try:
            return fn()
        except TransientError as e:
            if attempt + 1 >= backoff.attempts:
                raise
            pause(backoff, attempt, e, cancel)
    raise AssertionError("unreachable")


class Source(Protocol):
    """One place to ask for blocks."""

    name: str

    def fetch_car(
        self, cid: CID, spool: BinaryIO, limit: int, cancel: CancelToken | None
    ) -> Generator[int, None, None]:
        """Stream the file's CAR into ``spool``, yielding the byte count as it grows."""
        ...

    def get_block(self, cid: CID, limit: int) -> bytes | None:
        """One block's bytes (unverified), or ``None`` when the source lacks it."""
        ...


class GatewaySource:
    """A trustless HTTP gateway (docs/ipfs.md §4) through a given httpx client.

    :param client: an ``httpx.Client`` whose ``base_url`` is the gateway, with timeouts set
        (its read timeout catches a gateway that stops sending) and the transport of
        :func:`arbiter_app.deadline.transport`, on which the deadlines below hold mid-request
    :param car_deadline: seconds one CAR response may take in all (a trickling gateway
        never trips a read timeout)
    :param block_deadline: seconds one raw block response may take in all
    """

    def __init__(
        self, client: httpx.Client, car_deadline: float = 600.0, block_deadline: float = 60.0
    ) -> None:
        self.client = client
        self.name = str(client.base_url).rstrip("/") or "gateway"
        self.car_deadline = car_deadline
        self.block_deadline = block_deadline

    def _check(self, response: httpx.Response, want: str) -> bool:
        """:returns: False for 404/410; raises for other failures."""
        url = str(response.url)
        if response.status_code in (404, 410):
            return False
        if response.status_code == 429 or response.status_code >= 500:
            raise TransientError(
                f"gateway answered {response.status_code}", url,
                retry_after(response.headers.get("retry-after"))
            )
        if want == CAR_TYPE and response.status_code in (400, 406, 501):
            raise CarUnsupported(f"gateway cannot serve a CAR ({response.status_code})", url)
        if response.status_code != 200:
            raise FetchError(f"gateway answered {response.status_code}", url)
        kind = response.headers.get("content-type", "").split(";")[0].strip()
        if kind != want:
            raise ResponseError(f"gateway answered {kind or 'no type'}, not {want}", url)
        return True

    def fetch_car(
        self, cid: CID, spool: BinaryIO, limit: int, cancel: CancelToken | None
    ) -> Generator[int, None, None]:
        """``GET /ipfs/{cid}?format=car&dag-scope=entity`` (both Accept and format, IPIP-523)."""
        headers = {"Accept": f"{CAR_TYPE}; version=1; order=dfs; dups=n"}
        params = {"format": "car", "dag-scope": "entity"}
        budget = deadline.start(self.car_deadline, cancel)
        try:
            with deadline.resumed(budget):
                request = self.client.build_request(
                    "GET", f"/ipfs/{cid}", params=params, headers=headers
                )
                r = self.client.send(request, stream=True)
            try:
                if not self._check(r, CAR_TYPE):
                    raise FetchError(f"gateway does not have {cid}", str(r.url))
                yield from spool_car(deadline.bounded(r.iter_bytes(), budget), spool, limit,
                                     cancel)
            finally:
                r.close()
        except httpx.HTTPError as e:
            raise _translate(e, budget) from e

    def get_block(self, cid: CID, limit: int) -> bytes | None:
        """``GET /ipfs/{cid}?format=raw``; at most ``limit`` bytes are read."""
        with deadline.within(self.block_deadline) as budget:
            try:
                with self.client.stream(
                    "GET", f"/ipfs/{cid}", params={"format": "raw"},
                    headers={"Accept": RAW_TYPE},
                ) as r:
                    if not self._check(r, RAW_TYPE):
                        return None
                    body = bytearray()
                    for chunk in r.iter_bytes():
                        body += chunk
                        if len(body) > limit:
                            raise BlockTooLarge(len(body), limit)
                    return bytes(body)
            except httpx.HTTPError as e:
                raise _translate(e, budget) from e


def _translate(error: httpx.HTTPError, budget: deadline.Budget) -> Exception:
    url = str(error.request.url) if isinstance(error, httpx.RequestError) else None
    if budget.cancelled:
        return Cancelled()
    if budget.left() <= 0:
        return TransientError("gateway too slow: the answer did not finish in time", url)
    if isinstance(error, httpx.ConnectError | httpx.ConnectTimeout):
        return Unreachable(f"gateway connection failed ({type(error).__name__})", url)
    if isinstance(error, httpx.TimeoutException):
        return TransientError(f"gateway timed out ({type(error).__name__})", url)
    if isinstance(error, httpx.TransportError):
        return TransientError(f"gateway connection failed ({type(error).__name__})", url)
    return FetchError(f"gateway request failed ({type(error).__name__})", url)


def kubo_url(addr: str) -> str:
    """``http://127.0.0.1:5001[/api/v0]`` or a multiaddr (``/ip4/…/tcp/5001/http``) → the
    RPC root URL, ending in ``/api/v0/``.

    :raises NetworkError: an address that names no HTTP host and port
    """
    if addr.startswith("/"):
        parts = addr.strip("/").split("/")
        hosts = {"ip4": "{}", "ip6": "[{}]", "dns": "{}", "dns4": "{}", "dns6": "{}"}
        if len(parts) not in (4, 5) or parts[0] not in hosts or parts[2] != "tcp" or \
                not parts[3].isdigit() or parts[4:] not in ([], ["http"], ["https"]):
            raise NetworkError(f"cannot use {addr!r} as a Kubo RPC address")
        scheme = parts[4] if len(parts) == 5 else "http"
        return f"{scheme}://{hosts[parts[0]].format(parts[1])}:{parts[3]}/api/v0/"
    split = urlsplit(addr)
    if split.scheme not in ("http", "https") or not split.hostname:
        raise NetworkError(f"cannot use {addr!r} as a Kubo RPC address")
    base = split.path.strip("/") or "api/v0"
    return f"{split.scheme}://{split.netloc}/{base}/"
