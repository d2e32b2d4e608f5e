"""A local Kubo node as a block source, and the one way the app publishes a raw block.

Calls go through ``ipfshttpclient.Client(addr)`` — see :mod:`.sources` for why never
``connect()`` — and use only ``block/get``, ``block/put`` (with ``pin=true``), ``pin/ls``
and ``dag/export``, which current Kubo still serves unchanged (docs/ipfs.md §6.4,
docs/ipfs-publishing.md).
Every ipfshttpclient error is translated here into the app's tree; the daemon's own text
goes to the log only.
"""

from __future__ import annotations

import hashlib
import io
import logging
import time
from collections.abc import Callable, Generator, Iterable
from typing import Any, BinaryIO

import ipfshttpclient
from ipfshttpclient import exceptions as ipfs_exc

from arbiter_app.errors import ApiError, NetworkError, ResponseError
from arbiter_app.ipfs.cid import CID, DAG_PB, RAW
from arbiter_app.ipfs.errors import BlockTooLarge, CidError, FetchError
from arbiter_app.ipfs.sources import (
    IPFS_BACKOFF,
    TransientError,
    kubo_multiaddr,
    retrying,
    spool_car,
)
from arbiter_app.progress import CancelToken
from arbiter_app.retry import Backoff

log = logging.getLogger(__name__)
MAX_PUT_BLOCK = 2 * 1024 * 1024  # Kubo ≥ 0.40 block/put limit (docs/ipfs.md §5.4)
# block/put's cid-codec names of the codecs the app publishes (multicodec table)
PUT_CODECS = {RAW: "raw", DAG_PB: "dag-pb", 0x0129: "dag-json"}
_NOT_FOUND = ("not found", "could not find", "no such", "ipld: could not")


class KuboSource:
    """A Kubo RPC endpoint.

    :param addr: ``http://host:port`` (optionally with ``/api/v0``) or a multiaddr
    :param timeout: seconds for each RPC call, client side and as Kubo's ``timeout`` option
    :param retry: the backoff policy for :meth:`put_raw_block`
    :param car_deadline: seconds one ``dag/export`` may take in all
    """

    def __init__(self, addr: str, timeout: float = 30.0, retry: Backoff = IPFS_BACKOFF,
                 car_deadline: float = 600.0) -> None:
        self.addr = addr
        self.car_deadline = car_deadline
        self.name = f"Kubo at {addr}"
        self.timeout = timeout
        self.retry = retry
        multiaddr, base = kubo_multiaddr(addr)
        # Client(...) on purpose: connect() refuses every Kubo >= 0.8 by version string.
        self._client: Any = ipfshttpclient.Client(multiaddr, base, timeout=timeout)

    def _opts(self) -> dict[str, str]:
        return {"timeout": f"{max(1, int(self.timeout))}s"}

    def _translate(self, error: Exception, what: str) -> NetworkError:
        log.info("Kubo %s failed: %r", what, error)
        if isinstance(error, (ipfs_exc.ConnectionError, ipfs_exc.TimeoutError)):
            return TransientError(f"Kubo did not answer {what}", self.addr)
        if isinstance(error, ipfs_exc.StatusError):
            status = getattr(getattr(error, "original", None), "response", None)
            code = getattr(status, "status_code", None)
            if code is not None and (code == 429 or code >= 500):
                return TransientError(f"Kubo answered {code} to {what}", self.addr)
            return ApiError(f"Kubo refused {what}", self.addr, code)
        return FetchError(f"Kubo {what} failed ({type(error).__name__})", self.addr)

    @staticmethod
    def _is_not_found(error: Exception) -> bool:
        return isinstance(error, ipfs_exc.ErrorResponse) and any(
            marker in str(error).lower() for marker in _NOT_FOUND
        )

    def get_block(self, cid: CID, limit: int) -> bytes | None:
        """``block/get``; ``None`` when the node says it has no such block."""
        try:
            data = self._client.block.get(str(cid), opts=self._opts())
        except ipfs_exc.Error as e:
            if self._is_not_found(e):
                return None
            raise self._translate(e, "block/get") from e
        if not isinstance(data, bytes):
            raise ResponseError(
                "Kubo answered block/get with something other than bytes", self.addr
            )
        if len(data) > limit:
            raise BlockTooLarge(len(data), limit)
        return data

    def fetch_car(
        self, cid: CID, spool: BinaryIO, limit: int, cancel: CancelToken | None
    ) -> Generator[int, None, None]:
        """``dag/export`` streamed into ``spool``."""
        try:
            chunks: Iterable[bytes] = self._client.dag.export(
                str(cid), stream=True, opts=self._opts()
            )
            yield from spool_car(chunks, spool, limit, cancel, self._in_time(self.car_deadline))
        except ipfs_exc.Error as e:
            if self._is_not_found(e):
                raise FetchError(f"Kubo does not have {cid}", self.addr) from e
            raise self._translate(e, "dag/export") from e

    def _in_time(self, seconds: float) -> Callable[[], None]:
        """A check, run before each chunk, that the export has not taken longer than
        ``seconds`` in all (a trickling node never trips the per-read timeout)."""
        end = time.monotonic() + seconds

        def check() -> None:
            if time.monotonic() > end:
                raise TransientError("Kubo too slow: dag/export did not finish in time",
                                     self.addr)
        return check

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
        opts = {**self._opts(), "cid-codec": PUT_CODECS[expected.codec], "mhtype": "sha2-256",
                "pin": "true"}

        def put() -> Any:
            try:
                return self._client.block.put(io.BytesIO(data), opts=opts)
            except ipfs_exc.Error as e:
                raise self._translate(e, "block/put") from e

        answer = retrying(self.retry, put)
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
        try:
            answer = self._client.pin.ls(str(cid), type="all", opts=self._opts())
        except ipfs_exc.ErrorResponse as e:
            if "is not pinned" in str(e):
                return None
            raise self._translate(e, "pin/ls") from e
        except ipfs_exc.Error as e:
            raise self._translate(e, "pin/ls") from e
        try:
            listed = {CID.parse(str(key), strict=False): value
                      for key, value in answer["Keys"].items()}
            return str(listed[cid]["Type"])
        except (KeyError, TypeError, AttributeError, CidError) as e:
            raise ResponseError("Kubo answered pin/ls without the pin asked for", self.addr) from e
