"""Total deadlines and mid-request cancellation for every HTTP call the app makes.

httpx's timeouts bound each socket operation, not a whole call: a server that sends one byte
every two seconds never trips a 30-second read timeout, and holds a sync or a ruling forever.
Here a call runs inside :func:`within`, which sets a :class:`Budget` (an end time and a cancel
token) for the current thread; the transport of :func:`transport` checks that budget before
every connect, read and write on the socket, never waits on the socket longer than the time
left, and wakes at least every :data:`SLICE` seconds to look at the cancel token. Budgets nest:
an operation's budget bounds each of its requests, and the earlier end wins.
"""

from __future__ import annotations

import functools
import math
import ssl
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, ParamSpec, TypeVar

import httpcore
import httpx

from arbiter_app.progress import CancelToken

P = ParamSpec("P")
T = TypeVar("T")
SLICE = 0.25  # seconds between looks at the cancel token while the socket is silent

_local = threading.local()


@dataclass(frozen=True)
class Budget:
    """What one call may still spend: a monotonic end time and a cancel token."""

    end: float
    cancel: CancelToken | None = None

    def left(self) -> float:
        """Seconds until the end (negative once past it)."""
        return self.end - time.monotonic()

    @property
    def cancelled(self) -> bool:
        """Whether the call's cancel token was set."""
        return self.cancel is not None and self.cancel.cancelled


def current() -> Budget | None:
    """The budget of the call running on this thread, if any."""
    budget: Budget | None = getattr(_local, "budget", None)
    return budget


def start(seconds: float, cancel: CancelToken | None = None) -> Budget:
    """A budget of ``seconds`` from now, ending no later than the current one.

    :param cancel: the call's cancel token (the current budget's is kept if None)
    """
    outer = current()
    end = time.monotonic() + seconds
    if outer is not None:
        end = min(end, outer.end)
        cancel = cancel or outer.cancel
    return Budget(end, cancel)


@contextmanager
def within(seconds: float, cancel: CancelToken | None = None) -> Iterator[Budget]:
    """Run the block under a total deadline of ``seconds`` (and the outer one, if earlier)."""
    budget = start(seconds, cancel)
    with resumed(budget):
        yield budget


def cancellable(fn: Callable[P, T], cancel: CancelToken | None) -> Callable[P, T]:
    """``fn`` with ``cancel`` honoured mid-request on whichever thread runs it (a pool's
    worker does not see the budget of the thread that submitted it)."""
    def run(*args: P.args, **kwargs: P.kwargs) -> T:
        with within(math.inf, cancel):
            return fn(*args, **kwargs)
    return run


@contextmanager
def resumed(budget: Budget) -> Iterator[None]:
    """Make ``budget`` the current one again (a generator re-entering its call)."""
    outer = current()
    _local.budget = budget
    try:
        yield
    finally:
        _local.budget = outer


def bounded(chunks: Iterable[bytes], budget: Budget) -> Iterator[bytes]:
    """Iterate ``chunks`` with ``budget`` current only while each chunk is being read, so a
    generator that yields between chunks never lends its budget to its caller's calls."""
    it = iter(chunks)
    while True:
        with resumed(budget):
            chunk = next(it, None)
        if chunk is None:
            return
        yield chunk


class DeadlineExceeded(httpcore.TimeoutException):
    """The call's total deadline passed while it waited on the socket."""


class CallCancelled(httpcore.NetworkError):
    """The call's cancel token was set while it waited on the socket."""


def _slice(timeout: float | None, own_end: float | None) -> float | None:
    """The next wait on the socket under the current budget (``None``: no limit).

    :param own_end: when the socket operation's own timeout runs out (monotonic)
    :raises CallCancelled / DeadlineExceeded: when the call was cancelled or is past its end
    """
    budget = current()
    if budget is None:
        return timeout
    if budget.cancelled:
        raise CallCancelled("cancelled")
    left = budget.left()
    if left <= 0:
        raise DeadlineExceeded("the call did not finish before its deadline")
    own_left = math.inf if own_end is None else max(0.001, own_end - time.monotonic())
    return min(left, SLICE, own_left)


def _capped(timeout: float | None) -> float | None:
    """A one-shot wait (connect, write) cut to the time the current budget has left."""
    budget = current()
    if budget is None:
        return timeout
    _slice(None, None)
    return budget.left() if timeout is None else min(timeout, budget.left())


class _Stream(httpcore.NetworkStream):
    """A network stream whose every wait obeys the current budget."""

    def __init__(self, inner: httpcore.NetworkStream) -> None:
        self._inner = inner

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        own_end = None if timeout is None else time.monotonic() + timeout
        while True:
            try:
                return self._inner.read(max_bytes, _slice(timeout, own_end))
            except httpcore.ReadTimeout:
                if own_end is not None and time.monotonic() >= own_end:
                    raise

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        self._inner.write(buffer, _capped(timeout))

    def close(self) -> None:
        self._inner.close()

    def start_tls(self, ssl_context: Any, server_hostname: str | None = None,
                  timeout: float | None = None) -> httpcore.NetworkStream:
        return _Stream(self._inner.start_tls(ssl_context, server_hostname, timeout))

    def get_extra_info(self, info: str) -> Any:
        return self._inner.get_extra_info(info)


class _Backend(httpcore.NetworkBackend):
    """httpcore's socket backend with every stream under the current budget."""

    def __init__(self) -> None:
        self._inner = httpcore.SyncBackend()

    def connect_tcp(self, host: str, port: int, timeout: float | None = None,
                    local_address: str | None = None, socket_options: Any = None
                    ) -> httpcore.NetworkStream:
        timeout = _capped(timeout)
        return _Stream(self._inner.connect_tcp(host, port, timeout, local_address,
                                               socket_options))

    def connect_unix_socket(self, path: str, timeout: float | None = None,
                            socket_options: Any = None) -> httpcore.NetworkStream:
        return _Stream(self._inner.connect_unix_socket(path, timeout, socket_options))

    def sleep(self, seconds: float) -> None:
        self._inner.sleep(seconds)


class _Transport(httpx.HTTPTransport):
    """httpx's transport over a connection pool whose sockets obey the current budget."""

    def __init__(self, limits: httpx.Limits) -> None:
        super().__init__(verify=_tls_context(), limits=limits, trust_env=False)
        # httpx builds its pool without a network backend parameter; this pool is the same
        # one with ours (same TLS context and limits), replacing it before any request.
        self._pool = httpcore.ConnectionPool(
            ssl_context=_tls_context(),
            max_connections=limits.max_connections,
            max_keepalive_connections=limits.max_keepalive_connections,
            keepalive_expiry=limits.keepalive_expiry,
            network_backend=_Backend(),
        )


@functools.cache
def _tls_context() -> ssl.SSLContext:
    """The one TLS context of every client (verifying, system trust store as httpx sets it
    up): loading the certificate store costs tens of milliseconds of CPU, and a session makes
    a client per service and per sync."""
    return httpx.create_ssl_context(trust_env=False)


class _PerThread(httpx.BaseTransport):
    """A transport of its own for each thread that sends through this one.

    Threads sharing one pool each scanned every connection of the pool on every request and
    release (httpcore's pool work grows with the square of its connections): with the sync's
    eight readers that was more CPU than the requests themselves. A thread sends one request
    at a time, so its own pool holds the one connection it keeps alive. The transport of a
    thread that has ended is closed when the next thread's is made, and every one on
    :meth:`close`.
    """

    def __init__(self, limits: httpx.Limits) -> None:
        self._limits = limits
        self._local = threading.local()
        self._lock = threading.Lock()
        self._made: list[tuple[threading.Thread, _Transport]] = []

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        mine: _Transport | None = getattr(self._local, "transport", None)
        if mine is None:
            mine = self._local.transport = self._new()
        return mine.handle_request(request)

    def _new(self) -> _Transport:
        made = _Transport(self._limits)
        with self._lock:
            ended = [t for thread, t in self._made if not thread.is_alive()]
            self._made = [(thread, t) for thread, t in self._made if thread.is_alive()]
            self._made.append((threading.current_thread(), made))
        for t in ended:
            t.close()
        return made

    def close(self) -> None:
        with self._lock:
            made, self._made = self._made, []
        for _, t in made:
            t.close()


def transport(limits: httpx.Limits) -> httpx.BaseTransport:
    """An httpx transport on which :func:`within` budgets hold mid-request.

    :param limits: the limits of each thread's connection pool (a thread sending through
        this transport has a pool of its own)
    """
    return _PerThread(limits)
