"""The Stacks API client against a slow-loris server (one byte every two seconds).

Per-read timeouts never fire against such a server; the client must still end each request
at its total deadline, end a call with its retries at the operation's deadline, and stop
mid-request when the user cancels.
"""

from __future__ import annotations

import threading

import pytest

from arbiter_app.errors import Cancelled, NetworkError
from arbiter_app.progress import CancelToken
from arbiter_app.retry import Backoff
from arbiter_app.services.session import http_endpoint
from arbiter_app.stacks.api import StacksApi
from tests.fixtures.slowloris import SlowLoris


def api(server: SlowLoris, *, request: float, operation: float, attempts: int = 1,
        cancel: CancelToken | None = None) -> StacksApi:
    return StacksApi(http_endpoint(server.url), retry=Backoff(attempts=attempts, base=0.01),
                     request_deadline=request, operation_deadline=operation, cancel=cancel)


def test_slow_loris_request_ends_at_its_total_deadline(slow_loris: SlowLoris) -> None:
    with pytest.raises(NetworkError, match="did not finish within its deadline"):
        api(slow_loris, request=3.0, operation=60.0).get_info()


def test_slow_loris_retries_end_at_the_operation_deadline(slow_loris: SlowLoris) -> None:
    with pytest.raises(NetworkError, match="deadline"):
        api(slow_loris, request=3.0, operation=5.0, attempts=5).get_info()
    assert slow_loris.connections <= 2


def test_slow_loris_request_is_cancelled_mid_request(slow_loris: SlowLoris) -> None:
    token = CancelToken()

    def cancel_when_trickling() -> None:
        slow_loris.trickling.wait(30)
        token.cancel()
    threading.Thread(target=cancel_when_trickling, daemon=True).start()
    with pytest.raises(Cancelled):
        api(slow_loris, request=600.0, operation=600.0, cancel=token).get_info()


def test_sync_event_paging_is_cancelled_mid_request_by_the_sync_token(
    slow_loris: SlowLoris,
) -> None:
    from arbiter_app.progress import run_to_end
    from arbiter_app.services.chain import ChainReader

    token = CancelToken()

    def cancel_when_trickling() -> None:
        slow_loris.trickling.wait(30)
        token.cancel()
    threading.Thread(target=cancel_when_trickling, daemon=True).start()
    reader = ChainReader(api(slow_loris, request=600.0, operation=600.0),
                         "ST1PQHQKV0RJXZFY1DGX8MNSNYVE3VGZJSRTPGZGM.escrow-secure",
                         "ST1SJ3DTE5DN7X54YDH5D64R3BCB6A2AG2ZQ8YPD5")
    with pytest.raises(Cancelled):
        run_to_end(reader.new_events(None, token))
