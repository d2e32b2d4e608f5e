"""Hostile answers from a small real HTTP server on loopback: every malformed or lying
answer is a ResponseError naming the URL, every error status an ApiError, and server text
never reaches the message raw."""

from __future__ import annotations

import gzip
import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx
import pytest

from arbiter_app.errors import ApiError, NetworkError, ResponseError
from arbiter_app.retry import Backoff
from arbiter_app.services.session import http_endpoint
from arbiter_app.stacks.api import StacksApi
from arbiter_app.text import untrusted_text

TXID = "cd" * 32
PHISH = "Please upgrade at https://evil.example/\x1b[31m<a href=x>now</a>\u202e"


class Crafted(BaseHTTPRequestHandler):
    """Answers every request with the (status, headers, body, lie) set on the server."""

    def do_GET(self) -> None:
        self.answer()

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("content-length", "0")))
        self.answer()

    def answer(self) -> None:
        status, headers, body, declared = self.server.crafted  # type: ignore[attr-defined]
        self.server.hits += 1  # type: ignore[attr-defined]
        self.server.asked_with = dict(self.headers)  # type: ignore[attr-defined]
        self.send_response(status)
        for k, v in headers.items():
            self.send_header(k, v)
        if declared is not None:
            self.send_header("content-length", str(declared))
        self.end_headers()
        self.wfile.write(body)
        self.close_connection = True

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture()
def server() -> Iterator[ThreadingHTTPServer]:
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Crafted)
    httpd.hits = 0  # type: ignore[attr-defined]
    thread = threading.Thread(target=httpd.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    yield httpd
    httpd.shutdown()
    httpd.server_close()


def serve(httpd: ThreadingHTTPServer, body: bytes | str, status: int = 200,
          declared: int | None = -1, headers: dict[str, str] | None = None) -> StacksApi:
    raw = body.encode() if isinstance(body, str) else body
    httpd.crafted = (status, headers or {"content-type": "application/json"}, raw,  # type: ignore[attr-defined]
                     len(raw) if declared == -1 else declared)
    endpoint = http_endpoint(f"http://127.0.0.1:{httpd.server_address[1]}",
                             timeout=httpx.Timeout(5.0, connect=2.0))
    return StacksApi(endpoint, max_response_bytes=64 * 1024, sleep=lambda s: None,
                     retry=Backoff(attempts=2))


@pytest.mark.parametrize(
    "body",
    [
        "not json at all",
        "[1, 2, 3]",
        '{"balance": 5, "nonce": 1}',
        '{"balance": "0x10", "nonce": "1"}',
        '{"balance": "0x10", "nonce": true}',
        '{"balance": "0x10", "nonce": -1}',
        '{"balance": "0xzz", "nonce": 1}',
        '{"balance": "0x' + "f" * 40 + '", "nonce": 1}',
        '{"nonce": 1}',
    ],
    ids=["not-json", "array-not-object", "balance-number", "nonce-string", "nonce-bool",
         "nonce-negative", "balance-not-hex", "balance-over-u128", "balance-missing"],
)
def test_malformed_account_is_a_response_error(server: ThreadingHTTPServer, body: str) -> None:
    api = serve(server, body)
    with pytest.raises(ResponseError) as e:
        api.get_account("ST1")
    assert e.value.url is not None and "/v2/accounts/ST1" in e.value.url


def test_good_account_parses(server: ThreadingHTTPServer) -> None:
    api = serve(server, '{"balance": "0x00000000000000000000000000000100", "locked": "0x0",'
                        ' "unlock_height": 0, "nonce": 7}')
    account = api.get_account("ST1")
    assert (account.balance, account.nonce) == (256, 7)


def test_huge_answer_with_length_is_refused_before_reading(server: ThreadingHTTPServer) -> None:
    api = serve(server, b"[" + b"1," * 50_000 + b"1]")
    with pytest.raises(ResponseError, match="cap"):
        api.get_info()


def test_huge_answer_without_length_is_cut_at_the_cap(server: ThreadingHTTPServer) -> None:
    api = serve(server, b"[" + b"1," * 50_000 + b"1]", declared=None)
    with pytest.raises(ResponseError, match="cap"):
        api.get_info()


INFO = b'{"network_id": 2147483648, "stacks_tip_height": 5, "burn_block_height": 9, ' \
       b'"server_version": "x"}'


def test_a_compressed_answer_is_read_decompressed(server: ThreadingHTTPServer) -> None:
    api = serve(server, gzip.compress(INFO), headers={"content-type": "application/json",
                                                     "content-encoding": "gzip"})
    assert api.get_info().stacks_tip_height == 5
    asked = {k.lower(): v for k, v in server.asked_with.items()}  # type: ignore[attr-defined]
    assert "gzip" in asked["accept-encoding"] and asked["user-agent"] == "arbiter-app"


def test_a_compression_bomb_is_cut_at_the_cap_of_its_decompressed_size(
    server: ThreadingHTTPServer,
) -> None:
    bomb = gzip.compress(b"[" + b"0," * 4_000_000 + b"0]")  # 8 MB in ~8 KB, cap 64 KiB
    api = serve(server, bomb, headers={"content-type": "application/json",
                                       "content-encoding": "gzip"})
    with pytest.raises(ResponseError, match="exceeds the 65536-byte cap"):
        api.get_info()


def test_a_redirect_is_not_followed(server: ThreadingHTTPServer) -> None:
    api = serve(server, "", 302, headers={"location": "https://evil.example/v2/info"})
    with pytest.raises(ApiError, match="status 302") as e:
        api.get_info()
    assert e.value.status == 302 and server.hits == 1  # type: ignore[attr-defined]


def test_truncated_body_is_a_network_error(server: ThreadingHTTPServer) -> None:
    api = serve(server, '{"network_id": 1', declared=400)
    with pytest.raises(NetworkError) as e:
        api.get_info()
    assert server.hits == 2  # type: ignore[attr-defined]  # retried: a GET is idempotent
    assert "/v2/info" in str(e.value)


def test_410_gone_says_the_route_is_switched_off(server: ThreadingHTTPServer) -> None:
    api = serve(server, '{"error":"Gone","message":"This endpoint has been disabled."}', 410)
    with pytest.raises(ApiError, match="410 Gone") as e:
        api.get_nonces("ST1")
    assert e.value.status == 410


def test_broadcast_of_another_txid_is_a_lie(server: ThreadingHTTPServer) -> None:
    api = serve(server, '"' + "ef" * 32 + '"')
    with pytest.raises(ResponseError, match="not the txid of our transaction"):
        api.broadcast(b"tx", TXID)


@pytest.mark.parametrize(
    "body", ['"xyz"', "42", '{"txid": "' + TXID + '"}'],
    ids=["short-string", "number", "object-not-string"],
)
def test_broadcast_answer_not_a_txid(server: ThreadingHTTPServer, body: str) -> None:
    api = serve(server, body)
    with pytest.raises(ResponseError, match="not a txid"):
        api.broadcast(b"tx", TXID)


@pytest.mark.parametrize(
    ("status", "body", "label_allowed"),
    [
        (400, json.dumps({"error": "transaction rejected", "reason": PHISH}), False),
        (400, PHISH, True),
        (500, PHISH, True),
    ],
    ids=["phishing-reason-code", "phishing-plain-text", "phishing-500"],
)
def test_broadcast_rejection_never_shows_raw_server_text(
    server: ThreadingHTTPServer, status: int, body: str, label_allowed: bool
) -> None:
    api = serve(server, body, status)
    with pytest.raises(ApiError) as e:
        api.broadcast(b"tx", TXID)
    message = str(e.value)
    assert all(" " <= c <= "~" for c in message)
    # A reason code is mapped to our own words; free text appears only labelled.
    own_words, _, labelled = message.partition('server said: "')
    assert "evil.example" not in own_words
    assert ("evil.example" in labelled) == label_allowed


def test_error_body_shown_labelled_ascii_and_truncated(server: ThreadingHTTPServer) -> None:
    api = serve(server, PHISH * 20, 400)
    with pytest.raises(ApiError) as e:
        api.get_info()
    message = str(e.value)
    assert 'server said: "' in message and message.count("evil.example") <= 3
    assert all(" " <= c <= "~" for c in message)


def test_untrusted_text_is_printable_and_bounded() -> None:
    shown = untrusted_text("\x00ab\u202ec" + "x" * 500, limit=10)
    assert shown == 'server said: "?ab?cxxxxx..."'


# The logs page's own fields, before the duplicate key a case overrides (JSON: last wins).
PAGE = ('{"limit": 20, "offset": 0, "total": 1, "next_cursor": null, "prev_cursor": null, '
        '"cursor": null, ')


@pytest.mark.parametrize(
    "body",
    [
        PAGE + '"results": "nope"}',
        PAGE + '"results": [], "prev_cursor": 5}',
        PAGE + '"results": [], "cursor": "12:0:3"}',
        PAGE + '"results": [{"tx_id": "0x12", "event_index": 0, "contract_log": '
        '{"contract_id": "ST1.escrow", "topic": "print", "value": {"hex": "0x0703"}}}]}',
        PAGE + '"results": [{"tx_id": "0x' + TXID + '", "event_index": 0, "contract_log": '
        '{"contract_id": "ST2.other", "topic": "print", "value": {"hex": "0x0703"}}}]}',
        PAGE + '"results": [{"tx_id": "0x' + TXID + '", "event_index": -3, "contract_log": '
        '{"contract_id": "ST1.escrow", "topic": "print", "value": {"hex": "0x0703"}}}]}',
    ],
    ids=["results-not-list", "cursor-number", "cursor-not-four-parts", "bad-txid",
         "other-contract", "negative-index"],
)
def test_malformed_log_page(server: ThreadingHTTPServer, body: str) -> None:
    api = serve(server, body)
    with pytest.raises(ResponseError):
        api.contract_logs("ST1.escrow")


@pytest.mark.parametrize(
    "body",
    [
        '{"tx_id": "0x' + "00" * 32 + '", "status": "success"}',
        '{"tx_id": "0x' + TXID + '", "status": "great"}',
        '{"tx_id": "0x' + TXID + '", "status": "success", "block": {"height": "9"}}',
    ],
    ids=["another-transaction", "unknown-status", "height-string"],
)
def test_lying_transaction_status(server: ThreadingHTTPServer, body: str) -> None:
    api = serve(server, body)
    with pytest.raises(ResponseError):
        api.get_transaction(TXID)
