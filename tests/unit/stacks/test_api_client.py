"""Pure client logic of ``stacks/api.py`` on ``httpx.MockTransport``: retry, Retry-After,
URL building, headers. Hostile bodies are served by a real local server in
``test_api_hostile.py``."""

from __future__ import annotations

import json
from collections.abc import Callable

import httpx
import pytest

from arbiter_app.endpoint import Endpoint
from arbiter_app.errors import ApiError, Cancelled, NetworkError
from arbiter_app.progress import CancelToken
from arbiter_app.retry import Backoff
from arbiter_app.stacks.api import BroadcastRejected, StacksApi

TXID = "ab" * 32
INFO = {"network_id": 2147483648, "stacks_tip_height": 5, "burn_block_height": 9,
        "server_version": "devnet"}


class Recorder:
    """Collects requests and the waits the client asked for."""

    def __init__(self, answers: list[Callable[[httpx.Request], httpx.Response]]) -> None:
        self.answers = list(answers)
        self.requests: list[httpx.Request] = []
        self.sleeps: list[float] = []

    def handle(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        answer = self.answers.pop(0) if len(self.answers) > 1 else self.answers[0]
        return answer(request)

    def api(self, **kwargs: object) -> StacksApi:
        endpoint = Endpoint("http://api.test", httpx.MockTransport(self.handle))
        return StacksApi(endpoint, sleep=self.sleeps.append, rng=lambda: 0.5, **kwargs)  # type: ignore[arg-type]


Answer = Callable[[httpx.Request], httpx.Response]


def status(code: int, headers: dict[str, str] | None = None) -> Answer:
    return lambda r: httpx.Response(code, headers=headers, text="busy")


def ok(doc: object) -> Callable[[httpx.Request], httpx.Response]:
    return lambda r: httpx.Response(200, json=doc)


def refuse_connection(request: httpx.Request) -> httpx.Response:
    raise httpx.ConnectError("refused", request=request)


def test_get_retries_5xx_with_growing_jittered_backoff() -> None:
    rec = Recorder([status(503), status(500), status(502), ok(INFO)])
    info = rec.api().get_info()
    assert info.network_id == 2147483648 and info.stacks_tip_height == 5
    assert len(rec.requests) == 4
    # full jitter: rng() * min(cap, base * 2**attempt) with rng() = 0.5
    assert rec.sleeps == [0.25, 0.5, 1.0]


def test_backoff_is_capped() -> None:
    rec = Recorder([status(503)])
    with pytest.raises(ApiError) as e:
        rec.api(retry=Backoff(attempts=6, base=1.0, cap=3.0)).get_info()
    assert e.value.status == 503
    assert rec.sleeps == [0.5, 1.0, 1.5, 1.5, 1.5]
    assert len(rec.requests) == 6


@pytest.mark.parametrize(
    ("header", "expected"),
    [("7", 7.0), ("0", 0.0), ("1000", 30.0), ("soon", 0.25),
     ("Fri, 31 Dec 1999 23:59:59 GMT", 0.0)],
    ids=["seconds-honoured", "zero", "capped-at-policy-cap", "unparseable-falls-back-to-backoff",
         "http-date-in-the-past-means-now"],
)
def test_429_honours_retry_after(header: str, expected: float) -> None:
    rec = Recorder([status(429, {"retry-after": header}), ok(INFO)])
    rec.api().get_info()
    assert rec.sleeps == [expected]


def test_429_after_all_tries_names_rate_limit() -> None:
    rec = Recorder([status(429, {"retry-after": "1"})])
    with pytest.raises(ApiError, match="rate limited") as e:
        rec.api(retry=Backoff(attempts=2)).get_info()
    assert e.value.status == 429 and len(rec.requests) == 2


def test_connection_errors_are_retried_on_get_then_reported() -> None:
    rec = Recorder([refuse_connection])
    with pytest.raises(NetworkError, match="ConnectError") as e:
        rec.api(retry=Backoff(attempts=3)).get_info()
    assert e.value.url == "http://api.test/v2/info"
    assert len(rec.requests) == 3


def test_timeout_is_a_network_error_naming_the_url() -> None:
    def slow(request: httpx.Request) -> httpx.Response:
        raise httpx.ReadTimeout("slow", request=request)

    rec = Recorder([slow])
    with pytest.raises(NetworkError, match="timed out"):
        rec.api(retry=Backoff(attempts=1)).get_nonces("ST1")


@pytest.mark.parametrize(
    "answer", [status(503), status(429, {"retry-after": "1"}), refuse_connection],
    ids=["5xx", "429", "connect-error"],
)
def test_broadcast_is_never_retried(answer: Callable[[httpx.Request], httpx.Response]) -> None:
    rec = Recorder([answer, ok(TXID)])
    with pytest.raises(NetworkError):
        rec.api().broadcast(b"\x80tx", TXID)
    assert len(rec.requests) == 1 and rec.sleeps == []


def test_broadcast_sends_octet_stream_and_checks_txid() -> None:
    rec = Recorder([ok(TXID)])
    assert rec.api().broadcast(b"\x80\x00tx", TXID) == TXID
    request = rec.requests[0]
    assert request.method == "POST" and request.url.path == "/v2/transactions"
    assert request.headers["content-type"] == "application/octet-stream"
    assert request.content == b"\x80\x00tx"


def test_broadcast_rejection_carries_reason_code() -> None:
    body = {"error": "transaction rejected", "reason": "BadNonce", "txid": TXID}
    rec = Recorder([lambda r: httpx.Response(400, json=body)])
    with pytest.raises(BroadcastRejected, match="nonce") as e:
        rec.api().broadcast(b"tx", TXID)
    assert e.value.reason == "BadNonce" and e.value.status == 400


def test_api_key_header_only_when_configured() -> None:
    rec = Recorder([ok(INFO)])
    rec.api(api_key="k-123").get_info()
    rec.api().get_info()
    assert rec.requests[0].headers["x-api-key"] == "k-123"
    assert "x-api-key" not in rec.requests[1].headers


def test_urls_percent_encode_path_values() -> None:
    rec = Recorder([ok({"next_nonce": 3, "last_confirmed_nonce": 2})])
    rec.api().get_nonces("ST1/../../v2/x?y")
    escaped = b"/extended/v3/principals/ST1%2F..%2F..%2Fv2%2Fx%3Fy/nonces"
    assert rec.requests[0].url.raw_path == escaped


def test_contract_logs_url_limit_and_cursor() -> None:
    rec = Recorder([ok({"limit": 100, "offset": 0, "total": 0, "next_cursor": None,
                        "prev_cursor": None, "cursor": None, "results": []})])
    page = rec.api().contract_logs("ST1.escrow", cursor="12:0:3:1", limit=500)
    assert page.results == () and page.older_cursor is None and page.top_height is None
    url = rec.requests[0].url
    assert url.path == "/extended/v2/smart-contracts/ST1.escrow/logs"
    assert url.params["limit"] == "100" and url.params["cursor"] == "12:0:3:1"


def test_get_transaction_uses_v3_and_404_means_unknown() -> None:
    rec = Recorder([lambda r: httpx.Response(404, json={"error": "not found"})])
    assert rec.api().get_transaction(TXID) is None
    assert rec.requests[0].url.path == f"/extended/v3/transactions/0x{TXID}"


def test_get_transaction_parses_a_mined_transaction() -> None:
    doc = {"tx_id": "0x" + TXID, "status": "success",
           "block": {"height": 12, "time": 1_790_000_000},
           "result": {"hex": "0x0703", "repr": "(ok true)"}, "sender": {"address": "ST1"}}
    rec = Recorder([ok(doc)])
    tx = rec.api().get_transaction("0x" + TXID.upper())
    assert tx is not None and tx.confirmed and not tx.failed
    assert (tx.block_height, tx.block_time) == (12, 1_790_000_000)


def test_get_transaction_reads_a_mempool_transaction_without_a_block() -> None:
    doc = {"tx_id": "0x" + TXID, "status": "dropped_replace_by_fee", "sender": {"address": "ST1"},
           "receipt_time": 1_790_000_000, "replaced_by_tx_id": None}
    tx = Recorder([ok(doc)]).api().get_transaction(TXID)
    assert tx is not None and tx.failed and tx.block_height is None and tx.block_time is None


def test_cancel_stops_before_the_next_try() -> None:
    token = CancelToken()
    rec = Recorder([status(503)])
    api = rec.api(cancel=token)
    rec.sleeps = _CancellingList(token)  # type: ignore[assignment]
    api._sleep = rec.sleeps.append
    with pytest.raises(Cancelled):
        api.get_info()
    assert len(rec.requests) == 1


class _CancellingList(list[float]):
    def __init__(self, token: CancelToken) -> None:
        super().__init__()
        self.token = token

    def append(self, value: float) -> None:
        super().append(value)
        self.token.cancel()


def test_request_counter_counts_every_try() -> None:
    rec = Recorder([status(500), ok(INFO)])
    api = rec.api()
    api.get_info()
    assert api.requests == 2


def test_fee_estimate_sends_payload_hex() -> None:
    doc = {"estimations": [{"fee": 180, "fee_rate": 1}, {"fee": 200, "fee_rate": 1},
                           {"fee": 300, "fee_rate": 1}]}
    rec = Recorder([ok(doc)])
    fee = rec.api().estimate_fee(b"\x02\x01", 180)
    assert (fee.low, fee.middle, fee.high) == (180, 200, 300)
    sent = json.loads(rec.requests[0].content)
    assert sent == {"transaction_payload": "0x0201", "estimated_len": 180}


FOREIGN = [httpx.ConnectError, httpx.ConnectTimeout, httpx.ReadTimeout, httpx.WriteTimeout,
           httpx.PoolTimeout, httpx.ReadError, httpx.WriteError, httpx.RemoteProtocolError,
           httpx.LocalProtocolError, httpx.ProxyError, httpx.UnsupportedProtocol,
           httpx.CloseError]


@pytest.mark.parametrize("foreign", FOREIGN, ids=[c.__name__ for c in FOREIGN])
def test_every_httpx_transport_error_maps_to_a_network_error(foreign: type[Exception]) -> None:
    def fail(request: httpx.Request) -> httpx.Response:
        raise foreign("boom", request=request)  # type: ignore[call-arg]

    rec = Recorder([fail])
    with pytest.raises(NetworkError) as e:
        rec.api(retry=Backoff(attempts=1)).get_info()
    assert isinstance(e.value.__cause__, foreign) and e.value.url == "http://api.test/v2/info"
