"""Client for the Stacks API subset the app uses (node RPC ``/v2`` and extended ``/v3``).

It takes an :class:`httpx.Client` built by ``services/session.py`` (base URL, timeouts,
no env proxies) and adds what the app needs on top: a response size cap, an optional
``x-api-key``, bounded retries with full-jitter backoff on idempotent calls only, 429 +
``Retry-After``, 410 Gone on switched-off routes, and a shape check of every answer. A
malformed or lying answer is a :class:`ResponseError` naming the URL; an error status is an
:class:`ApiError`. Server text reaches the user only through :func:`untrusted_text`
(printable ASCII, truncated, labelled). Only current routes are used (DESIGN §6,
reference/stacks.md §7): never ``/extended/v1``. Broadcast is never retried here: the
ruling service re-sends the stored signed bytes itself (reliability.md §5).
"""

from __future__ import annotations

import json
import logging
import random
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import httpx

from arbiter_app.errors import ApiError, NetworkError, ResponseError
from arbiter_app.progress import CancelToken

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class NodeInfo:
    """The parts of ``/v2/info`` the app checks (network binding, tip progress)."""

    network_id: int
    stacks_tip_height: int
    burn_block_height: int
    server_version: str


@dataclass(frozen=True)
class Account:
    """``/v2/accounts``: unlocked µSTX balance and the next nonce from confirmed state."""

    balance: int
    nonce: int


@dataclass(frozen=True)
class FeeEstimate:
    """The three fee estimates of ``/v2/fees/transaction``, in µSTX."""

    low: int
    middle: int
    high: int


@dataclass(frozen=True)
class PoxInfo:
    """``/v2/pox``: current burn height and ``(epoch_id, start_height)`` pairs."""

    current_burnchain_block_height: int
    epochs: tuple[tuple[str, int], ...]


@dataclass(frozen=True)
class ContractLog:
    """One ``print`` (or other) log of a contract, value decoded.

    :param tx_id: the transaction that emitted it (64 hex, no ``0x``)
    :param event_index: its index among the transaction's events
    :param topic: ``print`` for Clarity ``print``
    :param value: the decoded Clarity value
    :param block_height: the block, when the API gives it
    :param block_time: that block's time (Unix seconds), when the API gives it
    """

    tx_id: str
    event_index: int
    topic: str
    value: Any
    block_height: int | None = None
    block_time: int | None = None


@dataclass(frozen=True)
class LogPage:
    """One page of contract logs, newest first, and the cursor of the next (older) page."""

    results: tuple[ContractLog, ...]
    next_cursor: str | None
    total: int | None


@dataclass(frozen=True)
class TxStatus:
    """A transaction as the extended API sees it.

    :param status: ``pending``, ``success``, ``abort_by_response``,
        ``abort_by_post_condition``, ``dropped_*`` ...
    :param result_repr: the Clarity repr of the result, when mined (server text)
    """

    tx_id: str
    status: str
    block_height: int | None
    result_hex: str | None
    result_repr: str | None
    sender: str | None

    @property
    def confirmed(self) -> bool:
        """Mined and successful."""
        return self.status == "success"

    @property
    def failed(self) -> bool:
        """Mined with an abort, or dropped from the mempool."""
        return self.status.startswith(("abort", "dropped")) or self.status == "problematic_skipped"


@dataclass(frozen=True)
class Nonces:
    """``/extended/v3/principals/{p}/nonces``: the next nonce counting the mempool."""

    next_nonce: int
    last_confirmed_nonce: int | None


class BroadcastRejected(ApiError):
    """The node refused the transaction; :attr:`reason` is its reason code (e.g. ``BadNonce``)."""

    def __init__(self, message: str, url: str, status: int, reason: str | None) -> None:
        self.reason = reason
        super().__init__(message, url, status)


RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})


@dataclass(frozen=True)
class RetryPolicy:
    """How idempotent calls are retried (reliability.md T5.4: base 0.5 s, cap 30 s, 5 tries).

    :param attempts: tries in all, the first included
    :param base: first backoff ceiling, seconds
    :param cap: largest backoff or ``Retry-After`` wait honoured, seconds
    """

    attempts: int = 5
    base: float = 0.5
    cap: float = 30.0

    def delay(self, attempt: int, retry_after: float | None, rng: Callable[[], float]) -> float:
        """Seconds to wait before try ``attempt + 1``: full jitter, or ``Retry-After``."""
        if retry_after is not None:
            return min(self.cap, max(0.0, retry_after))
        return rng() * min(self.cap, self.base * 2.0**attempt)


class StacksApi:
    """The Stacks API calls of DESIGN §6, with typed and checked results.

    :param client: an httpx client whose ``base_url`` is the API root
    :param api_key: sent as ``x-api-key`` when given
    :param max_response_bytes: answers longer than this are refused
    :param retry: retry policy for idempotent calls
    :param sleep: how to wait between tries (tests pass a recorder)
    :param cancel: checked before every try and wait
    """

    def __init__(
        self,
        client: httpx.Client,
        *,
        api_key: str | None = None,
        max_response_bytes: int = 4 * 1024 * 1024,
        retry: RetryPolicy = RetryPolicy(),
        sleep: Callable[[float], None] = time.sleep,
        rng: Callable[[], float] = random.random,
        cancel: CancelToken | None = None,
    ) -> None:
        self._client = client
        self._headers = {"x-api-key": api_key} if api_key else {}
        self._cap = max_response_bytes
        self._retry = retry
        self._sleep = sleep
        self._rng = rng
        self.cancel = cancel
        self.requests = 0
        self._count_lock = threading.Lock()  # the sync's reader threads share one client

    # -- node RPC (/v2) -------------------------------------------------------------

    def get_info(self) -> NodeInfo:
        """``GET /v2/info``: network id and tip heights.

        :raises NetworkError: on transport failure, error status or malformed answer
        """
        url, doc = self._json("GET", "/v2/info")
        return _node_info(doc, url)

    def get_account(self, principal: str) -> Account:
        """``GET /v2/accounts/{principal}?proof=0``: confirmed nonce and µSTX balance."""
        url, doc = self._json("GET", f"/v2/accounts/{_seg(principal)}", params={"proof": "0"})
        return _account(doc, url)

    def call_read_only(
        self, contract_id: str, function: str, args: Sequence[Any], sender: str
    ) -> Any:
        """``POST /v2/contracts/call-read/...``: run a read-only function.

        :param contract_id: ``ADDR.name``
        :param function: the function name
        :param args: Clarity values (serialized here)
        :param sender: the principal the call is made as
        :returns: the decoded Clarity value of the result
        :raises ApiError: when the node answers ``okay: false`` (cause shown labelled)
        :raises ResponseError: when the result is not a valid Clarity value
        """
        from arbiter_app.stacks import clarity

        address, name = _split_contract(contract_id)
        body = {"sender": sender, "arguments": [clarity.to_hex(a) for a in args]}
        path = f"/v2/contracts/call-read/{_seg(address)}/{_seg(name)}/{_seg(function)}"
        url, doc = self._json("POST", path, json_body=body, idempotent=True)
        return _read_only_result(doc, url)

    def estimate_fee(self, payload: bytes, estimated_len: int) -> FeeEstimate:
        """``POST /v2/fees/transaction``: low, middle and high fees in µSTX."""
        body = {"transaction_payload": "0x" + payload.hex(), "estimated_len": estimated_len}
        url, doc = self._json("POST", "/v2/fees/transaction", json_body=body, idempotent=True)
        return _fee_estimate(doc, url)

    def get_pox(self) -> PoxInfo:
        """``GET /v2/pox``: burn height and epochs."""
        url, doc = self._json("GET", "/v2/pox")
        return _pox_info(doc, url)

    def broadcast(self, tx_bytes: bytes, expected_txid: str) -> str:
        """``POST /v2/transactions`` (octet-stream), sent once, never retried here.

        :param tx_bytes: the signed transaction
        :param expected_txid: the txid computed locally (64 hex, no ``0x``)
        :returns: the txid, equal to ``expected_txid``
        :raises ApiError: when the node rejects the transaction (reason named)
        :raises ResponseError: when the node answers another txid or garbage
        """
        headers = {"content-type": "application/octet-stream"}
        url, status, body = self._send(
            "POST", "/v2/transactions", content=tx_bytes, headers=headers, idempotent=False
        )
        if status != 200:
            raise _broadcast_rejection(status, body, url)
        return _broadcast_txid(_parse_json(body, url), expected_txid, url)

    # -- extended API (/extended/v2, /extended/v3) ----------------------------------

    def contract_logs(
        self, contract_id: str, cursor: str | None = None, limit: int = 50
    ) -> LogPage:
        """``GET /extended/v2/smart-contracts/{id}/logs``, one page, newest first.

        :param cursor: the ``next_cursor`` of the previous page, or ``None`` for the newest
        :param limit: page size (the API allows at most 100)
        """
        params: dict[str, str] = {"limit": str(min(max(limit, 1), 100))}
        if cursor is not None:
            params["cursor"] = cursor
        path = f"/extended/v2/smart-contracts/{_seg(contract_id)}/logs"
        url, doc = self._json("GET", path, params=params)
        return _log_page(doc, contract_id, url)

    def get_transaction(self, tx_id: str) -> TxStatus | None:
        """``GET /extended/v3/transactions/{tx_id}``; ``None`` when the API does not know it.

        :param tx_id: 64 hex, with or without ``0x``
        """
        bare = _bare_txid(tx_id)
        path = f"/extended/v3/transactions/0x{bare}"
        try:
            url, doc = self._json("GET", path, params={"include": "result"})
        except ApiError as e:
            if e.status == 404:
                return None
            raise
        return _tx_status(doc, bare, url)

    def get_nonces(self, principal: str) -> Nonces:
        """``GET /extended/v3/principals/{p}/nonces``: next nonce counting the mempool."""
        url, doc = self._json("GET", f"/extended/v3/principals/{_seg(principal)}/nonces")
        return _nonces(doc, url)

    # -- transport ------------------------------------------------------------------

    def _json(
        self,
        method: str,
        path: str,
        *,
        params: dict[str, str] | None = None,
        json_body: Any = None,
        idempotent: bool = True,
    ) -> tuple[str, Any]:
        """Send, require 200, parse JSON; malformed JSON is retried like a transient fault."""
        content = None if json_body is None else json.dumps(json_body).encode()
        headers = {} if content is None else {"content-type": "application/json"}
        for attempt in range(self._retry.attempts):
            url, status, body = self._send(
                method, path, params=params, content=content, headers=headers,
                idempotent=idempotent,
            )
            if status != 200:
                raise _status_error(method, url, status, body)
            try:
                return url, _parse_json(body, url)
            except ResponseError:
                if not idempotent or attempt + 1 >= self._retry.attempts:
                    raise
                self._wait(self._retry.delay(attempt, None, self._rng))
        raise AssertionError("unreachable")  # pragma: no cover

    def _send(
        self,
        method: str,
        path: str,
        *,
        params: dict[str, str] | None = None,
        content: bytes | None = None,
        headers: dict[str, str] | None = None,
        idempotent: bool,
    ) -> tuple[str, int, bytes]:
        """One request with retries (idempotent only); returns (url, status, capped body)."""
        attempts = self._retry.attempts if idempotent else 1
        for attempt in range(attempts):
            self._check_cancel()
            request = self._client.build_request(
                method, path, params=params, content=content,
                headers={**self._headers, **(headers or {})},
            )
            url = _display_url(request.url)
            last = attempt + 1 >= attempts
            try:
                status, retry_after, body = self._exchange(request, url)
            except NetworkError:
                if last:
                    raise
                self._wait(self._retry.delay(attempt, None, self._rng))
                continue
            if status in RETRY_STATUSES and not last:
                self._wait(self._retry.delay(attempt, retry_after, self._rng))
                continue
            return url, status, body
        raise AssertionError("unreachable")  # pragma: no cover

    def _exchange(self, request: httpx.Request, url: str) -> tuple[int, float | None, bytes]:
        """Send one request; map httpx errors; read at most the size cap."""
        with self._count_lock:
            self.requests += 1
        try:
            response = self._client.send(request, stream=True)
        except httpx.TimeoutException as e:
            raise NetworkError(f"{request.method} timed out", url) from e
        except httpx.TransportError as e:
            raise NetworkError(f"{request.method} failed: {type(e).__name__}", url) from e
        try:
            body = self._read_capped(response, url)
        finally:
            response.close()
        return response.status_code, _retry_after(response.headers), body

    def _read_capped(self, response: httpx.Response, url: str) -> bytes:
        declared = response.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > self._cap:
            raise ResponseError(f"answer of {declared} bytes exceeds the {self._cap}-byte cap", url)
        chunks: list[bytes] = []
        size = 0
        try:
            for chunk in response.iter_bytes():
                size += len(chunk)
                if size > self._cap:
                    raise ResponseError(f"answer exceeds the {self._cap}-byte cap", url)
                chunks.append(chunk)
        except httpx.TimeoutException as e:
            raise NetworkError("reading the answer timed out", url) from e
        except httpx.TransportError as e:
            raise NetworkError(f"reading the answer failed: {type(e).__name__}", url) from e
        return b"".join(chunks)

    def _wait(self, seconds: float) -> None:
        self._check_cancel()
        self._sleep(seconds)
        self._check_cancel()

    def _check_cancel(self) -> None:
        if self.cancel is not None:
            self.cancel.check()


def _parse_json(body: bytes, url: str) -> Any:
    try:
        return json.loads(body)
    except (ValueError, UnicodeDecodeError) as e:
        raise ResponseError("the answer is not valid JSON", url) from e


def _retry_after(headers: httpx.Headers) -> float | None:
    """``Retry-After`` in seconds (RFC 9110 §10.2.3), delta-seconds form only."""
    value = headers.get("retry-after", "").strip()
    try:
        seconds = float(value)
    except ValueError:
        return None
    return seconds if seconds >= 0 and seconds == seconds else None


def _seg(text: str) -> str:
    """One URL path segment, percent-encoded so a value cannot change the route."""
    return quote(text, safe="")


def _split_contract(contract_id: str) -> tuple[str, str]:
    address, dot, name = contract_id.partition(".")
    if not dot or not address or not name:
        raise ValueError(f"contract id must be ADDRESS.NAME, not {contract_id!r}")
    return address, name


def _display_url(url: httpx.URL) -> str:
    """The URL without query string (API keys never travel in it, but keep it short)."""
    return str(url.copy_with(query=None))


# -- answer checks --------------------------------------------------------------------
# Every answer is hostile until checked (STYLE habit 5): each field the app uses must be
# present with the expected JSON type; anything else is a ResponseError naming the URL.

TX_STATUSES = frozenset(
    {
        "pending", "success", "abort_by_response", "abort_by_post_condition",
        "problematic_skipped", "dropped_replace_by_fee", "dropped_replace_across_fork",
        "dropped_too_expensive", "dropped_stale_garbage_collect", "dropped_problematic",
    }
)

# Broadcast reason codes (stacks-core MemPoolRejection) in our own words; the server's
# free text is never shown as an instruction (reliability.md §5, Electrum #4968).
REJECTIONS = {
    "BadNonce": "its nonce is not the account's next nonce",
    "ConflictingNonceInMempool": "another transaction with the same nonce is in the mempool",
    "FeeTooLow": "its fee is too low",
    "NotEnoughFunds": "the account cannot pay the fee",
    "SignatureValidation": "its signature is not valid",
    "BadTransactionVersion": "it was built for another network",
    "NoSuchContract": "the contract does not exist",
    "NoSuchPublicFunction": "the contract has no such public function",
    "BadFunctionArgument": "an argument does not fit the function",
    "TooMuchChaining": "the account has too many pending transactions",
    "Serialization": "its bytes cannot be read",
    "Deserialization": "its bytes cannot be read",
    "TemporarilyBlacklisted": "the node refuses it for now",
}


def untrusted_text(text: str, limit: int = 120) -> str:
    """Server text made safe to show: printable ASCII, truncated and labelled.

    The full text goes to the log only.

    :param text: what the server sent
    :param limit: the most characters shown
    """
    log.info("server text: %r", text)
    clean = "".join(c if " " <= c <= "~" else "?" for c in text.strip())
    if len(clean) > limit:
        clean = clean[:limit] + "..."
    return f'server said: "{clean}"'


def _status_error(method: str, url: str, status: int, body: bytes) -> ApiError:
    if status == 410:
        return ApiError(
            f"{method} answered 410 Gone: the API has switched this route off; "
            "the app needs a newer API or another server", url, status
        )
    if status == 429:
        return ApiError(f"{method} was rate limited (429) after retries; add an API key "
                        "or try later", url, status)
    text = untrusted_text(body.decode("utf-8", "replace")) if body else "no body"
    return ApiError(f"{method} answered status {status}, expected 200; {text}", url, status)


def _need(doc: Any, key: str, kind: type | tuple[type, ...], url: str) -> Any:
    """``doc[key]`` if ``doc`` is an object and the value has the JSON type ``kind``."""
    if not isinstance(doc, dict):
        raise ResponseError("unexpected answer: not a JSON object", url)
    value = doc.get(key)
    is_bool = isinstance(value, bool)
    kinds = kind if isinstance(kind, tuple) else (kind,)
    if not isinstance(value, kinds) or (is_bool and bool not in kinds):
        names = " or ".join("null" if k is type(None) else k.__name__ for k in kinds)
        raise ResponseError(f"unexpected answer: field {key!r} missing or not {names}", url)
    return value


def _count(doc: Any, key: str, url: str) -> int:
    value: int = _need(doc, key, int, url)
    if value < 0:
        raise ResponseError(f"unexpected answer: field {key!r} is negative", url)
    return value


def _opt_count(doc: Any, key: str, url: str) -> int | None:
    if _need(doc, key, (int, type(None)), url) is None:
        return None
    return _count(doc, key, url)


def _hex_uint(text: str, key: str, url: str) -> int:
    body = text[2:] if text.startswith("0x") else text
    if not body or len(body) > 32 or any(c not in "0123456789abcdefABCDEF" for c in body):
        raise ResponseError(f"unexpected answer: field {key!r} is not a hex u128", url)
    return int(body, 16)


def _clarity(text: Any, what: str, url: str) -> Any:
    from arbiter_app.errors import InputError
    from arbiter_app.stacks import clarity

    if not isinstance(text, str):
        raise ResponseError(f"unexpected answer: {what} is not a hex string", url)
    try:
        return clarity.from_hex(text)
    except (InputError, ValueError) as e:
        raise ResponseError(f"unexpected answer: {what} is not a valid Clarity value", url) from e


def _node_info(doc: Any, url: str) -> NodeInfo:
    return NodeInfo(
        network_id=_count(doc, "network_id", url),
        stacks_tip_height=_count(doc, "stacks_tip_height", url),
        burn_block_height=_count(doc, "burn_block_height", url),
        server_version=_need(doc, "server_version", str, url),
    )


def _account(doc: Any, url: str) -> Account:
    balance = _hex_uint(_need(doc, "balance", str, url), "balance", url)
    return Account(balance=balance, nonce=_count(doc, "nonce", url))


def _read_only_result(doc: Any, url: str) -> Any:
    if _need(doc, "okay", bool, url):
        return _clarity(_need(doc, "result", str, url), "the read-only result", url)
    cause = doc.get("cause")
    text = untrusted_text(cause) if isinstance(cause, str) else "no cause given"
    raise ApiError(f"the read-only call failed; {text}", url, 200)


def _fee_estimate(doc: Any, url: str) -> FeeEstimate:
    estimations = _need(doc, "estimations", list, url)
    if len(estimations) != 3:
        raise ResponseError("unexpected answer: expected 3 fee estimations", url)
    low, middle, high = (_count(e, "fee", url) for e in estimations)
    return FeeEstimate(low, middle, high)


def _pox_info(doc: Any, url: str) -> PoxInfo:
    epochs = tuple(
        (_need(e, "epoch_id", str, url), _count(e, "start_height", url))
        for e in _need(doc, "epochs", list, url)
    )
    return PoxInfo(_count(doc, "current_burnchain_block_height", url), epochs)


def _bare_txid(tx_id: str) -> str:
    bare = tx_id[2:] if tx_id.startswith("0x") else tx_id
    if len(bare) != 64 or any(c not in "0123456789abcdef" for c in bare.lower()):
        raise ValueError(f"a txid is 64 hex digits, not {tx_id!r}")
    return bare.lower()


def _answer_txid(value: Any, what: str, url: str) -> str:
    try:
        return _bare_txid(value) if isinstance(value, str) else _bare_txid("")
    except ValueError as e:
        raise ResponseError(f"unexpected answer: {what} is not a txid", url) from e


def _broadcast_txid(doc: Any, expected: str, url: str) -> str:
    txid = _answer_txid(doc, "the broadcast answer", url)
    if txid != _bare_txid(expected):
        raise ResponseError(
            f"the node answered txid {txid}, not the txid of our transaction {expected}", url
        )
    return txid


def _broadcast_rejection(status: int, body: bytes, url: str) -> ApiError:
    try:
        doc = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        doc = None
    reason = doc.get("reason") if isinstance(doc, dict) else None
    if status == 400 and isinstance(reason, str):
        words = REJECTIONS.get(reason, "of a reason the app does not know")
        code = reason if reason.isalnum() and len(reason) < 40 else "unreadable"
        return BroadcastRejected(
            f"the node refused the transaction because {words} (reason {code})",
            url, status, reason,
        )
    return BroadcastRejected(
        f"broadcast answered status {status}, expected 200; "
        + untrusted_text(body.decode("utf-8", "replace")), url, status, None,
    )


def _log_entry(doc: Any, contract_id: str, url: str) -> ContractLog:
    tx_id = _answer_txid(_need(doc, "tx_id", str, url), "a log's tx_id", url)
    event_index = _count(doc, "event_index", url)
    height = _count(doc, "block_height", url) if doc.get("block_height") is not None else None
    time_ = _count(doc, "block_time", url) if doc.get("block_time") is not None else None
    log_doc = _need(doc, "contract_log", dict, url)
    if _need(log_doc, "contract_id", str, url) != contract_id:
        raise ResponseError("unexpected answer: a log of another contract", url)
    topic = _need(log_doc, "topic", str, url)
    value = _clarity(_need(_need(log_doc, "value", dict, url), "hex", str, url), "a log", url)
    return ContractLog(tx_id, event_index, topic, value, height, time_)


def _log_page(doc: Any, contract_id: str, url: str) -> LogPage:
    results = tuple(_log_entry(e, contract_id, url) for e in _need(doc, "results", list, url))
    cursor = _need(doc, "next_cursor", (str, type(None)), url)
    total = _opt_count(doc, "total", url) if isinstance(doc, dict) and "total" in doc else None
    return LogPage(results, cursor, total)


def _block_height(doc: dict[str, Any], url: str) -> int | None:
    block = doc.get("block")
    if isinstance(block, dict):
        return _count(block, "height", url)
    if doc.get("block_height") is not None:
        return _count(doc, "block_height", url)
    return None


def _tx_status(doc: Any, txid: str, url: str) -> TxStatus:
    if _answer_txid(_need(doc, "tx_id", str, url), "tx_id", url) != txid:
        raise ResponseError("unexpected answer: the API described another transaction", url)
    status = _need(doc, "status", str, url)
    if status not in TX_STATUSES:
        raise ResponseError("unexpected answer: unknown transaction status", url)
    result = doc.get("result")
    result = result if isinstance(result, dict) else {}
    sender = doc.get("sender")
    return TxStatus(
        tx_id=txid,
        status=status,
        block_height=_block_height(doc, url),
        result_hex=result.get("hex") if isinstance(result.get("hex"), str) else None,
        result_repr=result.get("repr") if isinstance(result.get("repr"), str) else None,
        sender=sender.get("address") if isinstance(sender, dict) else None,
    )


def _nonces(doc: Any, url: str) -> Nonces:
    return Nonces(_count(doc, "next_nonce", url), _opt_count(doc, "last_confirmed_nonce", url))
