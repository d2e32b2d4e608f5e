"""A client of the IPFS Pinning Service API (ipfs/pinning-services-api-spec), the API that
hosted pinning services and IPFS Cluster's pinning-service endpoint speak.

Every call sends ``Authorization: Bearer <token>`` and reads at most :data:`MAX_ANSWER`
bytes. On the deadline transport each request has a total deadline, each call (its retries
and waits included) another, and the cancel token is honoured mid-read: a service that
trickles its answer costs a call its deadline, never more. Reads (``GET``) are retried with
the app's backoff on 429, 5xx and transport failures; ``POST /pins`` is sent once (a second
request would be a second pin request), and its caller keeps the document queued.
Answers are decoded strictly into the spec's shapes; anything else is a ``ResponseError``.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Literal, TypeVar

import httpx
import msgspec

from arbiter_app import deadline
from arbiter_app.errors import ApiError, Cancelled, NetworkError, ResponseError
from arbiter_app.progress import CancelToken
from arbiter_app.retry import Backoff, retry_after

MAX_ANSWER = 1024 * 1024
RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
Status = Literal["queued", "pinning", "pinned", "failed"]
PIN_BACKOFF = Backoff(attempts=3, base=0.5, cap=10.0)
_T = TypeVar("_T")


class Pin(msgspec.Struct, frozen=True, omit_defaults=True):
    """The spec's Pin object (``cid`` pinned recursively)."""

    cid: str
    name: str | None = None
    origins: tuple[str, ...] = ()
    meta: dict[str, str] = msgspec.field(default_factory=dict)


class PinStatus(msgspec.Struct, frozen=True):
    """The spec's PinStatus object."""

    requestid: str
    status: Status
    created: str
    pin: Pin
    delegates: tuple[str, ...]
    info: dict[str, str] = msgspec.field(default_factory=dict)


class PinResults(msgspec.Struct, frozen=True):
    """The spec's PinResults object."""

    count: int
    results: tuple[PinStatus, ...]


class _Failure(msgspec.Struct):
    reason: str
    details: str = ""


class _FailureBody(msgspec.Struct):
    error: _Failure


class PinningService:
    """One pinning service account.

    :param client: an httpx client whose ``base_url`` is the service's API root
    :param token: the access token sent as a bearer token
    :param request_deadline: seconds one request may take in all
    :param operation_deadline: seconds one call may take in all, its retries and waits included
    :param cancel: honoured between tries and while the socket waits
    :param backoff: retries of reads
    :param sleep: how to wait between retries (tests pass a no-op)
    """

    def __init__(self, client: httpx.Client, token: str, *, request_deadline: float = 30.0,
                 operation_deadline: float = 90.0, cancel: CancelToken | None = None,
                 backoff: Backoff = PIN_BACKOFF,
                 sleep: Callable[[float], None] = time.sleep) -> None:
        self.client = client
        self.name = str(client.base_url).rstrip("/")
        self._token = token
        self.request_deadline = request_deadline
        self.operation_deadline = operation_deadline
        self.cancel = cancel
        self.backoff = backoff
        self._sleep = sleep

    def add(self, cid: str, name: str, origins: tuple[str, ...] = ()) -> PinStatus:
        """``POST /pins``: ask the service to pin ``cid``."""
        body = msgspec.json.encode(Pin(cid, name, origins))
        return self._decode(self._call("POST", "/pins", body, 202), PinStatus)

    def status(self, requestid: str) -> PinStatus:
        """``GET /pins/{requestid}``: the request's current status."""
        return self._decode(self._call("GET", f"/pins/{requestid}", None, 200), PinStatus)

    def pins(self, cid: str) -> PinResults:
        """``GET /pins?cid=…`` in every status (without a status filter the spec lists only
        pinned ones)."""
        path = f"/pins?cid={cid}&status=queued,pinning,pinned,failed"
        return self._decode(self._call("GET", path, None, 200), PinResults)

    def remove(self, requestid: str) -> None:
        """``DELETE /pins/{requestid}``."""
        self._call("DELETE", f"/pins/{requestid}", None, 202)

    def _decode(self, raw: bytes, kind: type[_T]) -> _T:
        try:
            return msgspec.json.decode(raw, type=kind)
        except msgspec.DecodeError as e:
            raise ResponseError(f"the pinning service answered outside the API's shape: {e}",
                                self.name) from e

    def _call(self, method: str, path: str, body: bytes | None, expected: int) -> bytes:
        with deadline.within(self.operation_deadline, self.cancel) as budget:
            status, raw = self._tries(method, path, body, budget)
        if status != expected:
            raise self._refused(method, path, status, raw)
        return raw

    def _tries(self, method: str, path: str, body: bytes | None,
               budget: deadline.Budget) -> tuple[int, bytes]:
        attempts = 1 if method == "POST" else self.backoff.attempts
        for attempt in range(attempts):
            last = attempt + 1 >= attempts
            try:
                status, wait, raw = self._exchange(method, path, body)
            except NetworkError:
                if last:
                    raise
                self._pause(self.backoff.delay(attempt), budget, method, path)
                continue
            if status in RETRY_STATUSES and not last:
                self._pause(self.backoff.delay(attempt, wait), budget, method, path)
                continue
            return status, raw
        raise AssertionError("unreachable")  # pragma: no cover

    def _pause(self, seconds: float, budget: deadline.Budget, method: str, path: str) -> None:
        """Wait before the next try, unless the call's deadline would pass first."""
        if budget.cancelled:
            raise Cancelled()
        if seconds >= budget.left():
            raise NetworkError(f"the pinning service kept failing {method} {path} until the "
                               "call's deadline; try later", self.name)
        self._sleep(seconds)

    def _exchange(self, method: str, path: str, body: bytes | None
                  ) -> tuple[int, float | None, bytes]:
        headers = {"Authorization": f"Bearer {self._token}"}
        if body is not None:
            headers["Content-Type"] = "application/json"
        with deadline.within(self.request_deadline) as budget:
            try:
                with self.client.stream(method, path, content=body, headers=headers) as r:
                    chunks, size = [], 0
                    for chunk in r.iter_bytes():
                        size += len(chunk)
                        if size > MAX_ANSWER:
                            raise ResponseError(f"{method} {path} answered over "
                                                f"{MAX_ANSWER} bytes", self.name)
                        chunks.append(chunk)
            except httpx.TransportError as e:
                if budget.cancelled:
                    raise Cancelled() from e
                late = budget.left() <= 0 or isinstance(e, httpx.TimeoutException)
                raise NetworkError(f"the pinning service did not answer {method} {path}"
                                   + (" in time" if late else f" ({type(e).__name__})"),
                                   self.name) from e
        return r.status_code, retry_after(r.headers.get("retry-after")), b"".join(chunks)

    def _refused(self, method: str, path: str, status: int, raw: bytes) -> ApiError:
        try:
            failure = msgspec.json.decode(raw, type=_FailureBody).error
            why = f"{failure.reason}" + (f": {failure.details}" if failure.details else "")
        except msgspec.DecodeError:
            why = "no Failure object"
        if status == 401:
            return ApiError(f"the pinning service refused the access token ({why}); check "
                            "pinning_token", self.name, status)
        return ApiError(f"the pinning service answered {status} to {method} {path} ({why})",
                        self.name, status)
