"""Verified fetching: ask sources in order, trust none, cache only what passed.

For a CID the :class:`Fetcher` first looks in the cache (cheap size + sha256 check), then
asks each source in turn for the whole file as a CAR (a gateway's ``dag-scope=entity`` CAR,
or Kubo's ``dag/export``), spooling it to a temporary file and indexing it — a CAR cut
short still gives the blocks before the cut. Then it walks the DAG with the verifier; each
block comes from the CARs received so far if one holds a block with the right hash, else
from the sources in order, one raw block at a time, with bounded retries and backoff. A
source that serves wrong bytes is passed over for that block. The file's bytes go to a
cache entry that lands only after the last block passed, or to memory without a cache.

Progress is yielded as :class:`~arbiter_app.progress.Progress` (bytes verified of the
declared total); a :class:`~arbiter_app.progress.CancelToken` is checked between blocks,
between chunks and during backoff waits.
"""

from __future__ import annotations

import hashlib
import io
import tempfile
from collections.abc import Generator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from arbiter_app import writes
from arbiter_app.config import IpfsLimits
from arbiter_app.errors import InputError, NetworkError, VerificationError
from arbiter_app.ipfs.cache import Cache, CachedFile
from arbiter_app.ipfs.car import CarIndex
from arbiter_app.ipfs.cid import CID
from arbiter_app.ipfs.errors import BlockUnavailable, FetchError, SourcesUnreachable
from arbiter_app.ipfs.kubo import KuboSource
from arbiter_app.ipfs.sniff import SNIFF_BYTES, sniff
from arbiter_app.ipfs.sources import (
    IPFS_BACKOFF,
    GatewaySource,
    Source,
    TransientError,
    Unreachable,
    pause,
    retrying,
)
from arbiter_app.ipfs.verify import HASHERS, BlockSource, check_roots, verify_dag
from arbiter_app.progress import CancelToken, Progress
from arbiter_app.retry import Backoff

__all__ = [
    "Cache",
    "Fetcher",
    "GatewaySource",
    "KuboSource",
    "VerifiedFile",
    "FetchError",
    "BlockUnavailable",
]


def car_limit(limits: IpfsLimits) -> int:
    """Largest CAR body accepted: the file plus room for dag-pb nodes and section headers."""
    return limits.max_total_bytes + limits.max_total_bytes // 4 + 1024 * 1024


@dataclass(frozen=True)
class VerifiedFile:
    """A file whose every byte was checked against its CID.

    :param path: the cache entry's content file (with a cache), else ``None``
    :param data: the bytes (without a cache), else ``None``
    """

    cid: CID
    size: int
    path: Path | None
    data: bytes | None
    blocks: int
    layout: str
    media_type: str
    sha256: str
    source: str

    def read(self) -> bytes:
        """The verified bytes."""
        if self.data is not None:
            return self.data
        assert self.path is not None
        return self.path.read_bytes()


def _hash_ok(cid: CID, block: bytes | memoryview) -> bool:
    hasher = HASHERS.get(cid.hash_code)
    return hasher is not None and hasher(block) == cid.digest


class _FetchSource:
    """Blocks for the verifier: from received CARs first, then from each source in order."""

    def __init__(
        self, fetcher: Fetcher, cars: list[tuple[str, CarIndex]], cancel: CancelToken | None
    ) -> None:
        self.fetcher, self.cars, self.cancel = fetcher, cars, cancel
        self.used: set[str] = set()
        self.problems: list[str] = []
        self.reached = bool(cars)  # some source answered (a CAR, a block, or that it has none)

    def get(self, cid: CID, offset: int, size: int | None) -> bytes | memoryview | None:
        for name, index in self.cars:
            block = index.get(cid)
            if block is not None and _hash_ok(cid, block):
                self.used.add(f"{name} (CAR)")
                return block
        for source in self.fetcher.sources:
            block = self._ask(source, cid)
            if block is not None:
                self.used.add(source.name)
                return block
        failure = BlockUnavailable if self.reached else SourcesUnreachable
        raise failure(f"no source delivered block {cid}: " + "; ".join(self.problems[-6:]))

    def _ask(self, source: Source, cid: CID) -> bytes | None:
        limit = self.fetcher.limits.max_block_size
        try:
            block = retrying(self.fetcher.retry, lambda: source.get_block(cid, limit),
                             self.cancel)
        except (NetworkError, InputError) as e:
            self.reached = self.reached or not isinstance(e, Unreachable)
            self.problems.append(f"{source.name}: {e}")
            return None
        self.reached = True
        if block is None:
            self.problems.append(f"{source.name}: does not have it")
            return None
        if not _hash_ok(cid, block):
            self.problems.append(f"{source.name}: served bytes that do not match")
            return None
        return block


class Fetcher:
    """Fetch and verify files by CID.

    :param sources: tried in order (e.g. the local Kubo node, then gateways)
    :param limits: what one fetch may spend
    :param cache: where verified files land (``None``: keep them in memory)
    :param retry: backoff policy for each request
    """

    def __init__(
        self,
        sources: Sequence[Source],
        limits: IpfsLimits,
        cache: Cache | None = None,
        retry: Backoff = IPFS_BACKOFF,
    ) -> None:
        self.sources = list(sources)
        self.limits = limits
        self.cache = cache
        self.retry = retry

    def fetch(
        self, cid: CID, cancel: CancelToken | None = None
    ) -> Generator[Progress, None, VerifiedFile]:
        """Fetch ``cid`` and verify every block.

        :raises VerificationError / LimitExceeded / InputError: the content is wrong or too big
        :raises BlockUnavailable: some block could be had from no source
            (:class:`SourcesUnreachable` when no source could even be connected to)
        :raises Cancelled: the token was cancelled
        """
        cid.check_supported()
        if self.cache is not None:
            found = self.cache.lookup(cid)
            if found is not None:
                yield Progress(f"{cid} verified from the cache", found.size, found.size)
                return _from_cache(found, "cache")
        with tempfile.TemporaryDirectory(prefix="arbiter-car-") as spool_dir:
            cars = yield from self._collect_cars(cid, Path(spool_dir), cancel)
            try:
                return (yield from self._walk(cid, cars, cancel))
            finally:
                for _, index in cars:
                    index.close()

    def _collect_cars(
        self, cid: CID, spool_dir: Path, cancel: CancelToken | None
    ) -> Generator[Progress, None, list[tuple[str, CarIndex]]]:
        """Ask each source for a CAR until one arrives whole; keep the usable ones."""
        cars: list[tuple[str, CarIndex]] = []
        limit = car_limit(self.limits)
        for n, source in enumerate(self.sources):
            try:
                spool = yield from self._download(
                    source, cid, spool_dir / f"{n}.car", limit, cancel
                )
            except (NetworkError, InputError, OSError):
                continue  # no CAR from this source; blocks may still come one by one
            try:
                index = CarIndex(spool, self.limits, tolerant=True)
                check_roots(index, cid)
            except (InputError, VerificationError):
                spool.close()
                continue  # a CAR we cannot use (malformed, over a limit, another root)
            cars.append((source.name, index))
            if index.truncated is None:
                break
        return cars

    def _download(
        self, source: Source, cid: CID, path: Path, limit: int, cancel: CancelToken | None
    ) -> Generator[Progress, None, BinaryIO]:
        for attempt in range(self.retry.attempts):
            spool = path.open("w+b")
            try:
                for got in source.fetch_car(cid, spool, limit, cancel):
                    yield Progress(f"downloading {cid} from {source.name}", got, None)
                spool.seek(0)
                return spool
            except TransientError as e:
                spool.close()
                if attempt + 1 >= self.retry.attempts:
                    raise
                pause(self.retry, attempt, e, cancel)
            except BaseException:
                spool.close()
                raise
        raise AssertionError("unreachable")

    def _walk(
        self, cid: CID, cars: list[tuple[str, CarIndex]], cancel: CancelToken | None
    ) -> Generator[Progress, None, VerifiedFile]:
        source = _FetchSource(self, cars, cancel)
        if self.cache is None:
            buffer = io.BytesIO()
            verified = yield from verify_dag(cid, source, buffer, self.limits, cancel)
            data = buffer.getvalue()
            return VerifiedFile(
                cid,
                verified.size,
                None,
                data,
                verified.blocks,
                verified.layout,
                sniff(data[:SNIFF_BYTES]),
                hashlib.sha256(data).hexdigest(),
                _origin(source),
            )
        try:
            with self.cache.writer(cid) as writer:
                blocks: BlockSource = writer.record(source)
                verified = yield from verify_dag(cid, blocks, writer, self.limits, cancel)
                found = writer.commit(verified, sniff(writer.head))
        except OSError as e:  # the cache's disk is full or read-only: say which, no traceback
            raise writes.failure(self.cache.entry(cid), e) from e
        return _from_cache(found, _origin(source))


def _origin(source: _FetchSource) -> str:
    return ", ".join(sorted(source.used)) or "inline (identity CID)"


def _from_cache(found: CachedFile, origin: str) -> VerifiedFile:
    return VerifiedFile(
        found.cid,
        found.size,
        found.path,
        None,
        found.blocks,
        found.layout,
        found.media_type,
        found.sha256,
        origin,
    )
