"""The content-addressed cache of verified files under ``<data_dir>/ipfs-cache``.

One directory per file, named by its CIDv1 (so ``Qm…`` and its ``bafy…`` form share it),
holding ``content`` (the file bytes), ``dag.car`` (the file's dag-pb nodes, so the file can
be re-verified against its CID without the network; raw leaves are read back from
``content``) and ``meta.json`` (size, sha256 of the content, block count, layout, media
type). An entry is built in a temporary directory and renamed into place only after the
verifier accepted the last block, with its content fsynced first: a partial or failed
download never lands (docs/reliability.md §5). That one fsync per file is
enough because nothing in an entry is trusted on reading: :meth:`Cache.lookup` re-checks the
content's size and sha256 against ``meta.json`` (a torn ``meta.json`` is not JSON), and
:meth:`Cache.reverify` walks the whole DAG again, so an entry a power cut damaged is evicted
and fetched again; a rename the cut undid just means the file was never cached.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import shutil
import tempfile
from collections.abc import Generator
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import BinaryIO

from arbiter_app import private, writes
from arbiter_app.config import IpfsLimits
from arbiter_app.errors import StoreError, VerificationError
from arbiter_app.ipfs.car import CarIndex, car_bytes, write_section
from arbiter_app.ipfs.cid import CID, DAG_PB
from arbiter_app.ipfs.verify import BlockSource, Verified, verify_dag
from arbiter_app.progress import CancelToken, Progress


@dataclass(frozen=True)
class CachedFile:
    """A cache entry that passed the cheap check."""

    cid: CID
    path: Path
    size: int
    sha256: str
    blocks: int
    layout: str
    media_type: str


class Cache:
    """Verified files by CID.

    :param root: the cache directory (created on first write)
    """

    def __init__(self, root: Path) -> None:
        self.root = Path(root)

    def entry(self, cid: CID) -> Path:
        """The directory of ``cid``'s entry (which may not exist)."""
        return self.root / str(cid.to_v1())

    def lookup(self, cid: CID) -> CachedFile | None:
        """The entry for ``cid`` if present and its size and sha256 still match.

        A damaged entry is removed and ``None`` returned, so the caller fetches again.
        """
        entry = self.entry(cid)
        try:
            meta = json.loads((entry / "meta.json").read_text("utf-8"))
            content = entry / "content"
            if content.stat().st_size != meta["size"] or file_sha256(content) != meta["sha256"]:
                raise ValueError("content changed")
            return CachedFile(
                cid,
                content,
                meta["size"],
                meta["sha256"],
                meta["blocks"],
                meta["layout"],
                meta["media_type"],
            )
        except FileNotFoundError:
            return None
        except (OSError, ValueError, KeyError, TypeError):
            self.evict(cid)
            return None

    def evict(self, cid: CID) -> None:
        """Remove ``cid``'s entry if there is one."""
        shutil.rmtree(self.entry(cid), ignore_errors=True)

    def writer(self, cid: CID) -> CacheWriter:
        """A writer that lands a new entry only when :meth:`CacheWriter.commit` is called."""
        try:
            private.make_dir(self.root)
            tmp = Path(tempfile.mkdtemp(prefix=".partial-", dir=self.root))
        except OSError as e:
            raise writes.failure(self.entry(cid), e) from e
        return CacheWriter(self, cid, tmp)

    def reverify(
        self, cid: CID, limits: IpfsLimits, cancel: CancelToken | None = None
    ) -> Generator[Progress, None, Verified]:
        """Walk the cached file's whole DAG against ``cid`` again (no network).

        :raises VerificationError: the entry no longer matches its CID (it is evicted)
        """
        entry = self.entry(cid)
        try:
            with (
                (entry / "dag.car").open("rb") as car,
                (entry / "content").open("rb") as content,
                (entry / "content").open("rb") as compared,
            ):
                source = _EntrySource(CarIndex(car, limits), content)
                # dag-pb leaves carry their own copy of the bytes: compare the content too.
                sink = _Compare(compared, cid)
                result = yield from verify_dag(cid, source, sink, limits, cancel)
                sink.finish()
                return result
        except FileNotFoundError as e:
            raise VerificationError(f"{cid} is not in the cache") from e
        except VerificationError:
            self.evict(cid)
            raise


def file_sha256(path: Path) -> str:
    """The sha256 of a file's bytes, hex, read in 1 MiB chunks (the cache's cheap check).

    :param path: the file
    :raises OSError: when it cannot be read
    """
    digest = hashlib.sha256()
    with path.open("rb") as f:
        while chunk := f.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


class _Compare:
    """A sink that checks the verified bytes equal the cached content, in order."""

    def __init__(self, content: BinaryIO, cid: CID) -> None:
        self.content, self.cid, self.offset = content, cid, 0

    def write(self, data: bytes | memoryview, /) -> int:
        if self.content.read(len(data)) != data:
            raise VerificationError(
                f"the cached content of {self.cid} differs from its verified DAG near byte "
                f"{self.offset}"
            )
        self.offset += len(data)
        return len(data)

    def finish(self) -> None:
        if self.content.read(1):
            raise VerificationError(f"the cached content of {self.cid} is longer than its DAG")


class _EntrySource:
    """Blocks of a cache entry: dag-pb nodes from ``dag.car``, raw leaves from the content."""

    def __init__(self, index: CarIndex, content: BinaryIO) -> None:
        self.index = index
        self.content = content

    def get(self, cid: CID, offset: int, size: int | None) -> bytes | memoryview | None:
        block = self.index.get(cid)
        if block is not None or cid.codec == DAG_PB:
            return block
        # A raw leaf is exactly the file bytes at this offset; the hash check decides
        # whether they are still the right ones. A raw root is the whole content.
        self.content.seek(offset)
        wanted = size if size is not None else self.index.limits.max_block_size + 1
        return self.content.read(wanted)


class CacheWriter:
    """Collects a file being verified; lands it atomically on :meth:`commit`."""

    def __init__(self, cache: Cache, cid: CID, tmp: Path) -> None:
        self.cache, self.cid, self.tmp = cache, cid, tmp
        self._content = (tmp / "content").open("wb")
        self._dag = (tmp / "dag.car").open("wb")
        self._dag.write(car_bytes([cid], []))
        self._sha = hashlib.sha256()
        self.head = b""

    def write(self, data: bytes | memoryview, /) -> int:
        """Sink for verified file bytes."""
        if len(self.head) < 4096:
            self.head += bytes(data[: 4096 - len(self.head)])
        self._sha.update(data)
        return self._content.write(data)

    def record(self, source: BlockSource) -> BlockSource:
        """Wrap ``source`` so the dag-pb nodes it hands out are kept for re-verification."""
        return _Recording(source, self)

    def commit(self, verified: Verified, media_type: str) -> CachedFile:
        """Fsync the content and rename the entry into place; returns it."""
        meta = {
            "cid": str(self.cid),
            "size": verified.size,
            "sha256": self._sha.hexdigest(),
            "blocks": verified.blocks,
            "layout": verified.layout,
            "media_type": media_type,
        }
        self._content.flush()
        os.fsync(self._content.fileno())
        self._content.close()
        self._dag.close()
        (self.tmp / "meta.json").write_text(json.dumps(meta, indent=1), "utf-8")
        final = self.cache.entry(self.cid)
        try:
            os.rename(self.tmp, final)
        except OSError:
            if not final.exists():
                raise
            shutil.rmtree(self.tmp, ignore_errors=True)  # another fetch landed it first
        found = self.cache.lookup(self.cid)
        if found is None:
            raise StoreError(f"the cache entry for {self.cid} vanished after writing")
        return found

    def abort(self) -> None:
        """Throw the partial entry away (closing may fail again on a full disk: ignored)."""
        for f in (self._content, self._dag):
            with contextlib.suppress(OSError):
                f.close()
        shutil.rmtree(self.tmp, ignore_errors=True)

    def __enter__(self) -> CacheWriter:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        value: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self.tmp.exists() and not self._content.closed:
            self.abort()


class _Recording:
    def __init__(self, inner: BlockSource, writer: CacheWriter) -> None:
        self.inner, self.writer = inner, writer

    def get(self, cid: CID, offset: int, size: int | None) -> bytes | memoryview | None:
        block = self.inner.get(cid, offset, size)
        if block is not None and cid.codec == DAG_PB:
            write_section(self.writer._dag, cid, block)
        return block
