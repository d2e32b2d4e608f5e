"""Client for the Stacks API subset the app uses (node RPC ``/v2`` and extended ``/v3``).

It sends through an :class:`~arbiter_app.endpoint.Endpoint` built by
``services/session.py`` (root URL, timeouts, the transport with call deadlines) and adds what
the app needs on top: a response size cap, an optional ``x-api-key``, bounded retries with
full-jitter backoff on idempotent calls only, 429 + ``Retry-After``, 410 Gone on switched-off
routes, and a shape check of every answer (the checks and the result dataclasses are in
``stacks/api_shapes.py``, re-exported here). A malformed or lying answer is a
:class:`ResponseError` naming the URL; an error status is an :class:`ApiError`. Server text
reaches the user only through :func:`arbiter_app.text.untrusted_text` (printable ASCII,
truncated, labelled). Only current routes are used (docs/ARCHITECTURE.md §6,
docs/stacks-api.md): never ``/extended/v1``. Broadcast is never retried here: the ruling
service re-sends the stored signed bytes itself (docs/reliability.md §5).
"""

from __future__ import annotations

import json
import random
import threading
import time
from collections.abc import Callable, Sequence
from typing import Any
from urllib.parse import quote

import httpx
import msgspec

from arbiter_app import deadline
from arbiter_app.endpoint import Endpoint
from arbiter_app.errors import ApiError, Cancelled, NetworkError, ResponseError
from arbiter_app.progress import CancelToken
from arbiter_app.retry import Backoff, retry_after
from arbiter_app.stacks import api_shapes as shapes
from arbiter_app.stacks import clarity
from arbiter_app.stacks.api_shapes import (
    Account,
    ContractLog,
    FeeEstimate,
    LogPage,
    NodeInfo,
    Nonces,
    PoxInfo,
    TxPage,
    TxStatus,
)
from arbiter_app.text import untrusted_text

# The result types live in api_shapes; callers import them from here.
__all__ = [
    "Account", "BroadcastRejected", "ContractLog", "FeeEstimate", "LogPage", "NodeInfo",
    "Nonces", "PoxInfo", "StacksApi", "TxPage", "TxStatus",
]


class BroadcastRejected(ApiError):
    """The node refused the transaction; :attr:`reason` is its reason code (e.g. ``BadNonce``)
    and :attr:`retry_after` the seconds it asked to wait (``Retry-After``), if it said."""

    def __init__(self, message: str, url: str, status: int, reason: str | None,
                 retry_after: float | None = None) -> None:
        self.reason = reason
        self.retry_after = retry_after
        super().__init__(message, url, status)


RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
# Idempotent calls: 5 tries, waits from 0.5 s growing to at most 30 s.
API_BACKOFF = Backoff(attempts=5, base=0.5, cap=30.0)


class StacksApi:
    """The Stacks API calls of docs/ARCHITECTURE.md §6, with typed and checked results.

    :param endpoint: the API root and the transport to it
    :param api_key: sent as ``x-api-key`` when given
    :param max_response_bytes: answers longer than this are refused
    :param retry: retry policy for idempotent calls
    :param sleep: how to wait between tries (tests pass a recorder)
    :param cancel: checked before every try and wait, and while the socket waits
    :param request_deadline: seconds one request may take in all, however slowly the
        server trickles its answer
    :param operation_deadline: seconds one call may take in all, its retries and waits
        included
    """

    def __init__(
        self,
        endpoint: Endpoint,
        *,
        api_key: str | None = None,
        max_response_bytes: int = 4 * 1024 * 1024,
        retry: Backoff = API_BACKOFF,
        sleep: Callable[[float], None] = time.sleep,
        rng: Callable[[], float] = random.random,
        cancel: CancelToken | None = None,
        request_deadline: float = 60.0,
        operation_deadline: float = 180.0,
    ) -> None:
        self._endpoint = endpoint
        self.request_deadline = request_deadline
        self.operation_deadline = operation_deadline
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
        return shapes.parse_node_info(doc, url)

    def get_account(self, principal: str) -> Account:
        """``GET /v2/accounts/{principal}?proof=0``: confirmed nonce and µSTX balance."""
        url, doc = self._json("GET", f"/v2/accounts/{_seg(principal)}", params={"proof": "0"})
        return shapes.parse_account(doc, url)

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

        address, name = _split_contract(contract_id)
        body = {"sender": sender, "arguments": [clarity.to_hex(a) for a in args]}
        path = f"/v2/contracts/call-read/{_seg(address)}/{_seg(name)}/{_seg(function)}"
        url, doc = self._json("POST", path, json_body=body, idempotent=True)
        return shapes.parse_read_only_result(doc, url)

    def contract_functions(self, contract_id: str) -> frozenset[str] | None:
        """``GET /v2/contracts/interface/{addr}/{name}``: the names of the contract's functions.

        :returns: ``None`` when the node has no such contract (it answers 404)
        :raises ResponseError: when the answer is not a contract interface
        """
        address, name = _split_contract(contract_id)
        path = f"/v2/contracts/interface/{_seg(address)}/{_seg(name)}"
        try:
            url, doc = self._json("GET", path)
        except ApiError as e:
            if e.status == 404:
                return None
            raise
        return shapes.parse_interface_functions(doc, url)

    def estimate_fee(self, payload: bytes, estimated_len: int) -> FeeEstimate:
        """``POST /v2/fees/transaction``: low, middle and high fees in µSTX."""
        body = {"transaction_payload": "0x" + payload.hex(), "estimated_len": estimated_len}
        url, doc = self._json("POST", "/v2/fees/transaction", json_body=body, idempotent=True)
        return shapes.parse_fee_estimate(doc, url)

    def get_pox(self) -> PoxInfo:
        """``GET /v2/pox``: burn height and epochs."""
        url, doc = self._json("GET", "/v2/pox")
        return shapes.parse_pox_info(doc, url)

    def broadcast(self, tx_bytes: bytes, expected_txid: str) -> str:
        """``POST /v2/transactions`` (octet-stream), sent once, never retried here.

        :param tx_bytes: the signed transaction
        :param expected_txid: the txid computed locally (64 hex, no ``0x``)
        :returns: the txid, equal to ``expected_txid``
        :raises ApiError: when the node rejects the transaction (reason named)
        :raises ResponseError: when the node answers another txid or garbage
        """
        headers = {"content-type": "application/octet-stream"}
        url, status, retry_after, body = self._send(
            "POST", "/v2/transactions", content=tx_bytes, headers=headers, idempotent=False
        )
        if status != 200:
            raise _broadcast_rejection(status, body, url, retry_after)
        return shapes.parse_broadcast_txid(_parse_json(body, url), expected_txid, url)

    # -- extended API (/extended/v2, /extended/v3) ----------------------------------

    def contract_logs(
        self, contract_id: str, cursor: str | None = None, limit: int = 50
    ) -> LogPage:
        """``GET /extended/v2/smart-contracts/{id}/logs``, one page, newest first.

        :param cursor: the ``older_cursor`` of the previous page, or ``None`` for the newest
        :param limit: page size (the API allows at most 100)
        """
        params: dict[str, str] = {"limit": str(min(max(limit, 1), 100))}
        if cursor is not None:
            params["cursor"] = cursor
        path = f"/extended/v2/smart-contracts/{_seg(contract_id)}/logs"
        url, doc = self._json("GET", path, params=params)
        return shapes.parse_log_page(doc, contract_id, url)

    def get_transaction(self, tx_id: str) -> TxStatus | None:
        """``GET /extended/v3/transactions/{tx_id}``; ``None`` when the API does not know it.

        :param tx_id: 64 hex, with or without ``0x``
        """
        bare = shapes.bare_txid(tx_id)
        path = f"/extended/v3/transactions/0x{bare}"
        try:
            url, doc = self._json("GET", path, params={"include": "result,function_args"})
        except ApiError as e:
            if e.status == 404:
                return None
            raise
        return shapes.parse_tx_status(doc, bare, url)

    def principal_transactions(
        self, principal: str, cursor: str | None = None, limit: int = 50
    ) -> TxPage:
        """``GET /extended/v3/principals/{p}/transactions``, one page, newest first: for a
        contract, every confirmed transaction that called it, with its block.

        :param cursor: the ``older_cursor`` of the previous page, or ``None`` for the newest
        :param limit: page size (the API allows at most 50)
        """
        params: dict[str, str] = {"limit": str(min(max(limit, 1), 50))}
        if cursor is not None:
            params["cursor"] = cursor
        url, doc = self._json("GET", f"/extended/v3/principals/{_seg(principal)}/transactions",
                              params=params)
        return shapes.parse_tx_page(doc, url)

    def get_nonces(self, principal: str) -> Nonces:
        """``GET /extended/v3/principals/{p}/nonces``: next nonce counting the mempool."""
        url, doc = self._json("GET", f"/extended/v3/principals/{_seg(principal)}/nonces")
        return shapes.parse_nonces(doc, url)

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
        content = None if json_body is None else msgspec.json.encode(json_body)
        headers = {} if content is None else {"content-type": "application/json"}
        with deadline.within(self.operation_deadline, self.cancel):
            return self._json_tries(method, path, params, content, headers, idempotent)

    def _json_tries(
        self, method: str, path: str, params: dict[str, str] | None, content: bytes | None,
        headers: dict[str, str], idempotent: bool,
    ) -> tuple[str, Any]:
        for attempt in range(self._retry.attempts):
            # _json's deadline already bounds the tries; _send would open the same one again
            url, status, _, body = self._send_tries(
                method, path, params, content, headers, idempotent)
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
    ) -> tuple[str, int, float | None, bytes]:
        """One request with retries (idempotent only); returns the URL, the last status, its
        ``Retry-After`` in seconds (``None`` when not given) and the capped body."""
        with deadline.within(self.operation_deadline, self.cancel):
            return self._send_tries(method, path, params, content, headers, idempotent)

    def _send_tries(
        self, method: str, path: str, params: dict[str, str] | None, content: bytes | None,
        headers: dict[str, str] | None, idempotent: bool,
    ) -> tuple[str, int, float | None, bytes]:
        attempts = self._retry.attempts if idempotent else 1
        for attempt in range(attempts):
            self._check_cancel()
            request = self._endpoint.request(method, path, params=params, content=content,
                                             headers={**self._headers, **(headers or {})})
            url = self._endpoint.root + path  # without the query (kept short)
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
            return url, status, retry_after, body
        raise AssertionError("unreachable")  # pragma: no cover

    def _exchange(self, request: httpx.Request, url: str) -> tuple[int, float | None, bytes]:
        """Send one request under its deadline; map httpx errors; read at most the size cap."""
        with self._count_lock:
            self.requests += 1
        with deadline.within(self.request_deadline) as budget:
            try:
                response = self._endpoint.send(request)
                try:
                    body = self._read_capped(response, url)
                finally:
                    response.close()
            except httpx.TransportError as e:
                raise self._transport_error(e, request.method, url, budget) from e
        return response.status_code, retry_after(response.headers.get("retry-after")), body

    def _transport_error(self, error: httpx.TransportError, method: str, url: str,
                         budget: deadline.Budget) -> Exception:
        """Our error for an httpx one: cancelled, past the deadline, timed out or failed."""
        if budget.cancelled:
            return Cancelled()
        if budget.left() <= 0:
            return NetworkError(f"{method} did not finish within its deadline (the server "
                                "answers too slowly)", url)
        if isinstance(error, httpx.TimeoutException):
            return NetworkError(f"{method} timed out", url)
        return NetworkError(f"{method} failed: {type(error).__name__}", url)

    def _read_capped(self, response: httpx.Response, url: str) -> bytes:
        declared = response.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > self._cap:
            raise ResponseError(f"answer of {declared} bytes exceeds the {self._cap}-byte cap", url)
        chunks: list[bytes] = []
        size = 0
        for chunk in response.iter_bytes():
            size += len(chunk)
            if size > self._cap:
                raise ResponseError(f"answer exceeds the {self._cap}-byte cap", url)
            chunks.append(chunk)
        return b"".join(chunks)

    def _wait(self, seconds: float) -> None:
        self._check_cancel()
        budget = deadline.current()
        if budget is not None and seconds >= budget.left():
            raise NetworkError("the API kept failing until the call's deadline; try later")
        self._sleep(seconds)
        self._check_cancel()

    def _check_cancel(self) -> None:
        if self.cancel is not None:
            self.cancel.check()


def _parse_json(body: bytes, url: str) -> Any:
    """The answer's JSON (msgspec: a page of 100 logs parses several times faster than with
    the standard library; it is also stricter, refusing NaN and lone surrogates)."""
    try:
        return msgspec.json.decode(body)
    except (ValueError, RecursionError) as e:
        raise ResponseError("the answer is not valid JSON", url) from e


def _seg(text: str) -> str:
    """One URL path segment, percent-encoded so a value cannot change the route."""
    return quote(text, safe="")


def _split_contract(contract_id: str) -> tuple[str, str]:
    address, dot, name = contract_id.partition(".")
    if not dot or not address or not name:
        raise ValueError(f"contract id must be ADDRESS.NAME, not {contract_id!r}")
    return address, name


# -- error mapping --------------------------------------------------------------------

# Broadcast reason codes (stacks-core MemPoolRejection) in our own words; the server's
# free text is never shown as an instruction (docs/reliability.md §5, Electrum #4968).
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


def _broadcast_rejection(status: int, body: bytes, url: str,
                         retry_after: float | None) -> ApiError:
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
        + untrusted_text(body.decode("utf-8", "replace")), url, status, None, retry_after,
    )
