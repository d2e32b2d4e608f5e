"""A local Kubo node as a block source, and the one way the app publishes a raw block.

Kubo's RPC is plain HTTP: every call a ``POST`` under ``/api/v0`` with its arguments in the
query, errors a JSON body ``{Message, Code, Type}`` with status 500 (docs/ipfs.md §5). The app
uses only ``block/get``, ``block/put`` (with ``pin=true``), ``pin/ls`` and ``dag/export``,
sent through httpx on the deadline transport, so every call has a total deadline and the
cancel token is honoured mid-read however slowly the node trickles its answer (a per-read
timeout never fires against one byte every two seconds). Errors are translated here into the
app's tree; the daemon's own text goes to the log only.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Generator, Iterator
from contextlib import contextmanager
from typing import Any, BinaryIO

import httpx

from arbiter_app import deadline
from arbiter_app.errors import ApiError, Cancelled, NetworkError, ResponseError
from arbiter_app.ipfs.cid import CID, DAG_PB, RAW
from arbiter_app.ipfs.errors import BlockTooLarge, CidError, FetchError
from arbiter_app.ipfs.sources import (
    IPFS_BACKOFF,
    TransientError,
    Unreachable,
    kubo_url,
    retrying,
    spool_car,
)
from arbiter_app.progress import CancelToken
from arbiter_app.retry import Backoff

log = logging.getLogger(__name__)
MAX_PUT_BLOCK = 2 * 1024 * 1024  # Kubo ≥ 0.40 block/put limit (docs/ipfs.md §5.4)
MAX_ANSWER = 1024 * 1024  # a block/put or pin/ls answer is a few hundred bytes
# block/put's cid-codec names of the codecs the app publishes (multicodec table)
PUT_CODECS = {RAW: "raw", DAG_PB: "dag-pb", 0x0129: "dag-json"}
_NOT_FOUND = ("not found", "could not find", "no such", "ipld: could not")


class KuboSource:
    """A Kubo RPC endpoint.

    :param addr: ``http://host:port`` (optionally with ``/api/v0``) or a multiaddr
    :param timeout: seconds each socket wait may take, and Kubo's own ``timeout`` option
    :param retry: the backoff policy for :meth:`put_raw_block`
    :param car_deadline: seconds one ``dag/export`` may take in all
    :param request_deadline: seconds any other call may take in all
    """

    def __init__(self, addr: str, timeout: float = 30.0, retry: Backoff = IPFS_BACKOFF,
                 car_deadline: float = 600.0, request_deadline: float = 60.0) -> None:
        self.addr = addr
        self.name = f"Kubo at {addr}"
        self.timeout = timeout
        self.retry = retry
        self.car_deadline = car_deadline
        self.request_deadline = request_deadline
        # No kept-alive connections: nothing stays open between calls, so the source needs
        # no closing (it is built per use, like the node's old client was).
        self._client = httpx.Client(
            base_url=kubo_url(addr), timeout=httpx.Timeout(timeout, connect=10.0),
            transport=deadline.transport(httpx.Limits(max_connections=4,
                                                      max_keepalive_connections=0)),
            trust_env=False, follow_redirects=False, headers={"user-agent": "arbiter-app"})

    def _params(self, cid: CID, **more: str) -> dict[str, str]:
        return {"arg": str(cid), "timeout": f"{max(1, int(self.timeout))}s", **more}

    @contextmanager
    def _answer(self, command: str, params: dict[str, str], budget: deadline.Budget,
                files: dict[str, Any] | None = None) -> Iterator[httpx.Response]:
        """``POST /api/v0/COMMAND`` streamed, under ``budget``; transport failures mapped."""
        try:
            with deadline.resumed(budget):
                request = self._client.build_request("POST", command, params=params,
                                                     files=files)
                response = self._client.send(request, stream=True)
            try:
                yield response
            finally:
                response.close()
        except httpx.TransportError as e:
            raise self._transport_error(e, command, budget) from e

    def _transport_error(self, error: httpx.TransportError, command: str,
                         budget: deadline.Budget) -> Exception:
        log.info("Kubo %s failed: %r", command, error)
        if budget.cancelled:
            return Cancelled()
        if budget.left() <= 0:
            return TransientError(f"Kubo too slow: {command} did not finish in time", self.addr)
        failure = (Unreachable if isinstance(error, httpx.ConnectError | httpx.ConnectTimeout)
                   else TransientError)
        return failure(f"Kubo did not answer {command} ({type(error).__name__})", self.addr)

    def _read(self, response: httpx.Response, limit: int, budget: deadline.Budget,
              too_large: type[Exception] | None = None) -> bytes:
        """The whole body, at most ``limit`` bytes, each chunk read under ``budget``."""
        body = bytearray()
        for chunk in deadline.bounded(response.iter_bytes(), budget):
            body += chunk
            if len(body) > limit:
                if too_large is BlockTooLarge:
                    raise BlockTooLarge(len(body), limit)
                raise ResponseError(f"Kubo answered over {limit} bytes", self.addr)
        return bytes(body)

    def _failure(self, code: int, body: bytes, command: str) -> NetworkError:
        """The error for a non-200 answer: 429 and 5xx are worth retrying."""
        log.info("Kubo %s answered %d: %r", command, code, body[:500])
        if code == 429 or code >= 500:
            return TransientError(f"Kubo answered {code} to {command}", self.addr)
        return ApiError(f"Kubo refused {command}", self.addr, code)

    def _message(self, body: bytes) -> str:
        """The ``Message`` of a Kubo error body, lowercased ('' when it has none)."""
        try:
            doc = json.loads(body)
        except ValueError:
            return ""
        return str(doc.get("Message", "")).lower() if isinstance(doc, dict) else ""

    def _call(self, command: str, params: dict[str, str], limit: int, *,
              files: dict[str, Any] | None = None, too_large: type[Exception] | None = None,
              ) -> tuple[int, bytes]:
        """One call under the request deadline: (status, body)."""
        with deadline.within(self.request_deadline) as budget, \
                self._answer(command, params, budget, files) as response:
            try:
                return response.status_code, self._read(response, limit, budget, too_large)
            except httpx.TransportError as e:
                raise self._transport_error(e, command, budget) from e

    def get_block(self, cid: CID, limit: int) -> bytes | None:
        """``block/get``; ``None`` when the node says it has no such block."""
        status, body = self._call("block/get", self._params(cid), limit,
                                  too_large=BlockTooLarge)
        if status == 200:
            return body
        if status == 500 and any(m in self._message(body) for m in _NOT_FOUND):
            return None
        raise self._failure(status, body, "block/get")

    def fetch_car(
        self, cid: CID, spool: BinaryIO, limit: int, cancel: CancelToken | None
    ) -> Generator[int, None, None]:
        """``dag/export`` streamed into ``spool``, within :attr:`car_deadline` in all."""
        budget = deadline.start(self.car_deadline, cancel)
        with self._answer("dag/export", self._params(cid), budget) as response:
            if response.status_code != 200:
                body = self._read(response, MAX_ANSWER, budget)
                if any(m in self._message(body) for m in _NOT_FOUND):
                    raise FetchError(f"Kubo does not have {cid}", self.addr)
                raise self._failure(response.status_code, body, "dag/export")
            try:
                yield from spool_car(deadline.bounded(response.iter_bytes(), budget), spool,
                                     limit, cancel)
            except httpx.TransportError as e:
                raise self._transport_error(e, "dag/export", budget) from e

    def put_raw_block(self, data: bytes) -> CID:
        """Publish ``data`` as one raw block, pinned (Kubo's ``pin`` option; its default
        leaves a block to the next garbage collection), and check Kubo stored it under the
        CID we compute.

        :returns: the CIDv1 raw sha2-256 of ``data`` (``bafkrei…``)
        :raises BlockTooLarge: over Kubo's 2 MiB block limit
        :raises ResponseError: Kubo answered another CID
        """
        return self.put_block(CID.raw_sha256(hashlib.sha256(data).digest()), data)

    def put_block(self, expected: CID, data: bytes) -> CID:
        """Publish one block under ``expected``'s codec (raw, dag-pb or dag-json), pinned,
        and check Kubo stored it under ``expected``.

        :raises BlockTooLarge: over Kubo's 2 MiB block limit
        :raises ResponseError: Kubo answered another CID
        """
        if len(data) > MAX_PUT_BLOCK:
            raise BlockTooLarge(len(data), MAX_PUT_BLOCK)
        params = {"timeout": f"{max(1, int(self.timeout))}s",
                  "cid-codec": PUT_CODECS[expected.codec], "mhtype": "sha2-256", "pin": "true"}

        def put() -> bytes:
            status, body = self._call("block/put", params, MAX_ANSWER,
                                      files={"file": ("block", data,
                                                      "application/octet-stream")})
            if status != 200:
                raise self._failure(status, body, "block/put")
            return body

        answer = _json(retrying(self.retry, put))
        try:
            stored = CID.parse(str(answer["Key"]), strict=False)
        except (KeyError, TypeError, CidError) as e:
            raise ResponseError("Kubo answered block/put without a usable Key", self.addr) from e
        if stored.multihash != expected.multihash or stored.codec != expected.codec:
            raise ResponseError(
                f"Kubo stored the block as {stored}, but its CID is {expected}", self.addr
            )
        return expected

    def pin_type(self, cid: CID) -> str | None:
        """``pin/ls?arg=cid``: how the node pins ``cid`` (``recursive``, ``direct``,
        ``indirect through …``), or ``None`` when it answers that the path is not pinned.

        :raises ResponseError: the answer does not list ``cid`` under ``Keys``
        """
        status, body = self._call("pin/ls", self._params(cid, type="all"), MAX_ANSWER)
        if status == 500 and "is not pinned" in self._message(body):
            return None
        if status != 200:
            raise self._failure(status, body, "pin/ls")
        try:
            keys = _json(body)["Keys"]
            listed = {CID.parse(str(key), strict=False): value for key, value in keys.items()}
            return str(listed[cid]["Type"])
        except (KeyError, TypeError, AttributeError, CidError, ResponseError) as e:
            raise ResponseError("Kubo answered pin/ls without the pin asked for", self.addr) from e


def _json(body: bytes) -> Any:
    try:
        return json.loads(body)
    except ValueError as e:
        raise ResponseError("Kubo answered something other than JSON") from e
