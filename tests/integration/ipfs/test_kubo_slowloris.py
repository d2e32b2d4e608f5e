"""A Kubo node that trickles its answers (one byte every two seconds) costs each RPC call its
total deadline, never more, and the user's cancel stops a call mid-read: ``block/get``,
``pin/ls`` and ``dag/export`` alike (a per-read timeout never fires against such a node)."""

from __future__ import annotations

import io
import math
import threading

import pytest

from arbiter_app import deadline
from arbiter_app.errors import Cancelled
from arbiter_app.ipfs.cid import CID
from arbiter_app.ipfs.kubo import KuboSource
from arbiter_app.ipfs.sources import TransientError
from arbiter_app.progress import CancelToken, run_to_end
from tests.fixtures.slowloris import SlowLoris

CID_HELLO = CID.parse("bafkreibm6jg3ux5qumhcn2b3flc3tyu6dmlb4xa7u5bf44yegnrjhc4yeq")


def node(server: SlowLoris, seconds: float) -> KuboSource:
    return KuboSource(server.url, request_deadline=seconds, car_deadline=seconds)


def cancel_when_trickling(server: SlowLoris) -> CancelToken:
    token = CancelToken()

    def run() -> None:
        server.trickling.wait(30)
        token.cancel()
    threading.Thread(target=run, daemon=True).start()
    return token


@pytest.mark.parametrize("call", ["block/get", "pin/ls", "dag/export"])
def test_slow_loris_kubo_call_ends_at_its_total_deadline(slow_loris: SlowLoris,
                                                         call: str) -> None:
    kubo = node(slow_loris, 3.0)
    with pytest.raises(TransientError, match=f"Kubo too slow: {call} did not finish in time"):
        if call == "block/get":
            kubo.get_block(CID_HELLO, 1024)
        elif call == "pin/ls":
            kubo.pin_type(CID_HELLO)
        else:
            run_to_end(kubo.fetch_car(CID_HELLO, io.BytesIO(), 1 << 20, None))
    assert slow_loris.connections == 1


@pytest.mark.parametrize("call", ["block/get", "dag/export"])
def test_slow_loris_kubo_call_is_cancelled_mid_read(slow_loris: SlowLoris, call: str) -> None:
    kubo = node(slow_loris, 600.0)
    token = cancel_when_trickling(slow_loris)
    with pytest.raises(Cancelled):
        if call == "block/get":
            with deadline.within(math.inf, token):
                kubo.get_block(CID_HELLO, 1024)
        else:
            run_to_end(kubo.fetch_car(CID_HELLO, io.BytesIO(), 1 << 20, token))
