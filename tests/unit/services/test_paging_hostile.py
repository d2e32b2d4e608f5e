"""Sync's event paging against a loopback API whose cursor chain never ends.

The server answers the contract-logs route in one of three lying ways: the same page with the
same cursor forever, the same logs under fresh cursors, or fresh logs past the total it
declared. Each must end with a ResponseError naming the lie after at most the pages the
declared total allows. (After 500 pages the server gives up with a 500, so a client that
never notices fails this test instead of hanging it.)
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from arbiter_app.errors import ResponseError
from arbiter_app.progress import run_to_end
from arbiter_app.retry import Backoff
from arbiter_app.services.chain import ChainReader
from arbiter_app.services.session import http_endpoint
from arbiter_app.stacks import clarity
from arbiter_app.stacks.api import StacksApi

CONTRACT = "ST1PQHQKV0RJXZFY1DGX8MNSNYVE3VGZJSRTPGZGM.escrow-secure"
GIVE_UP = 500


def log(n: int) -> dict[str, object]:
    return {"tx_id": f"0x{n:064x}", "event_index": 0,
            "contract_log": {"contract_id": CONTRACT, "topic": "log",
                             "value": {"hex": clarity.to_hex(clarity.UInt(n))}}}


def page(mode: str, n: int) -> dict[str, object]:
    """The n-th answer (0-based) of a server lying in ``mode``; it declares 250 logs."""
    if mode == "same-page-same-cursor":
        results, older = [log(i) for i in range(100)], "9:0:0:1"
    elif mode == "same-logs-fresh-cursors":
        results, older = [log(i) for i in range(100)], f"9:0:{n}:1"
    else:
        results, older = [log(100 * n + i) for i in range(100)], f"9:0:{n}:1"
    return {"limit": 100, "total": 250, "cursor": "10:0:0:0", "prev_cursor": older,
            "next_cursor": None, "results": results}


class Looping(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        server = self.server
        n = server.asked  # type: ignore[attr-defined]
        server.asked += 1  # type: ignore[attr-defined]
        status, doc = (500, {}) if n >= GIVE_UP else (200, page(server.mode, n))  # type: ignore[attr-defined]
        body = json.dumps(doc).encode()
        self.send_response(status)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture(params=["same-page-same-cursor", "same-logs-fresh-cursors",
                        "fresh-logs-past-the-total"])
def looping(request: pytest.FixtureRequest) -> Iterator[ThreadingHTTPServer]:
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Looping)
    httpd.mode, httpd.asked = request.param, 0  # type: ignore[attr-defined]
    thread = threading.Thread(target=httpd.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    yield httpd
    httpd.shutdown()
    httpd.server_close()


def test_cursor_chain_that_never_ends_is_refused_within_the_declared_total(
    looping: ThreadingHTTPServer,
) -> None:
    url = f"http://127.0.0.1:{looping.server_address[1]}"
    api = StacksApi(http_endpoint(url), retry=Backoff(attempts=1))
    reader = ChainReader(api, CONTRACT, "ST1SJ3DTE5DN7X54YDH5D64R3BCB6A2AG2ZQ8YPD5")
    with pytest.raises(ResponseError, match="repeated the page cursor|same log|past the 250"):
        run_to_end(reader.new_events(None))
    assert looping.asked <= 3 + 1 + 1  # type: ignore[attr-defined]  # total/100, slack, refused
