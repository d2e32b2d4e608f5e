"""The pinning service client against a slow-loris server (one byte every two seconds).

Per-read timeouts never fire against such a server; each request must still end at its total
deadline, a read with its retries at the call's deadline, and the user's cancel must stop a
request mid-read (the document then stays queued, which the caller does).
"""

from __future__ import annotations

import threading

import pytest

from arbiter_app.errors import Cancelled, NetworkError
from arbiter_app.ipfs.pinning import PinningService
from arbiter_app.progress import CancelToken
from arbiter_app.retry import Backoff
from arbiter_app.services.session import http_client
from tests.fixtures.slowloris import SlowLoris


def service(server: SlowLoris, *, request: float, operation: float, attempts: int = 1,
            cancel: CancelToken | None = None) -> PinningService:
    return PinningService(http_client(server.url), "token", request_deadline=request,
                          operation_deadline=operation, cancel=cancel,
                          backoff=Backoff(attempts=attempts, base=0.01))


def cancel_when_trickling(server: SlowLoris, token: CancelToken) -> None:
    def run() -> None:
        server.trickling.wait(30)
        token.cancel()
    threading.Thread(target=run, daemon=True).start()


def test_slow_loris_pin_request_ends_at_its_total_deadline(slow_loris: SlowLoris) -> None:
    with pytest.raises(NetworkError, match="did not answer POST /pins in time"):
        service(slow_loris, request=3.0, operation=60.0).add("bafkqablimvwgy3y", "receipt")


def test_slow_loris_status_retries_end_at_the_call_deadline(slow_loris: SlowLoris) -> None:
    with pytest.raises(NetworkError, match="deadline"):
        service(slow_loris, request=3.0, operation=5.0, attempts=5).status("req-1")
    assert slow_loris.connections <= 2


@pytest.mark.parametrize("call", ["add", "status"])
def test_slow_loris_pin_call_is_cancelled_mid_read(slow_loris: SlowLoris, call: str) -> None:
    token = CancelToken()
    cancel_when_trickling(slow_loris, token)
    pins = service(slow_loris, request=600.0, operation=600.0, attempts=3, cancel=token)
    with pytest.raises(Cancelled):
        if call == "add":
            pins.add("bafkqablimvwgy3y", "receipt")
        else:
            pins.status("req-1")
    assert slow_loris.connections == 1
