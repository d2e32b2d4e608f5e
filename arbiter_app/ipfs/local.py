"""Verify a file on disk against a CID: a CAR of its blocks, or the plain file itself.

A CAR is verified block by block (:func:`.verify.verify_car`). A plain file carries no
blocks, so it is re-imported under each known profile (docs/ipfs.md §2.4, "re-import"
check): Kubo's defaults, Kubo's ``--cid-version=1`` and ``unixfs-v1-2025``; it is verified
when one of them yields the CID. Files made with other settings need a CAR to be proven.
"""

from __future__ import annotations

import hashlib
import io
from collections.abc import Generator
from dataclasses import dataclass
from pathlib import Path

from arbiter_app.config import IpfsLimits
from arbiter_app.errors import VerificationError
from arbiter_app.ipfs.cache import file_sha256
from arbiter_app.ipfs.car import is_car
from arbiter_app.ipfs.cid import CID, IDENTITY
from arbiter_app.ipfs.errors import FileTooLarge
from arbiter_app.ipfs.importer import PROFILES, import_file
from arbiter_app.ipfs.sniff import SNIFF_BYTES, sniff
from arbiter_app.ipfs.verify import Verified, verify_car, verify_dag
from arbiter_app.progress import CancelToken, Progress


@dataclass(frozen=True)
class LocalCheck:
    """What was verified about a local file."""

    cid: CID
    size: int
    blocks: int | None
    layout: str
    how: str
    media_type: str
    sha256: str


class _Tee:
    def __init__(self) -> None:
        self.sha = hashlib.sha256()
        self.head = b""

    def write(self, data: bytes | memoryview, /) -> int:
        if len(self.head) < SNIFF_BYTES:
            self.head += bytes(data[: SNIFF_BYTES - len(self.head)])
        self.sha.update(data)
        return len(data)


def verify_path(
    path: Path, cid: CID, limits: IpfsLimits, cancel: CancelToken | None = None
) -> Generator[Progress, None, LocalCheck]:
    """Verify ``path`` (a CAR or a plain file) against ``cid``.

    :raises VerificationError: (a subclass names the first failing block) or no profile matched
    :raises LimitExceeded: a limit was reached
    """
    cid.check_supported()
    with path.open("rb") as f:
        head = f.read(64)
        f.seek(0)
        if is_car(head):
            tee = _Tee()
            result: Verified = yield from verify_car(cid, f, tee, limits, cancel)
            return LocalCheck(
                cid,
                result.size,
                result.blocks,
                result.layout,
                "CAR, every block",
                sniff(tee.head),
                tee.sha.hexdigest(),
            )
    if cid.hash_code == IDENTITY:
        return (yield from _inline(path, cid, limits, cancel))
    return (yield from _reimport(path, cid, limits, cancel))


class _NoBlocks:
    """A block source that has nothing: an identity CID's DAG must be wholly inline."""

    def get(self, cid: CID, offset: int, size: int | None) -> bytes | None:
        return None


def _inline(
    path: Path, cid: CID, limits: IpfsLimits, cancel: CancelToken | None
) -> Generator[Progress, None, LocalCheck]:
    """Compare a plain file with the content an identity CID carries in its own digest."""
    content = io.BytesIO()
    verified = yield from verify_dag(cid, _NoBlocks(), content, limits, cancel)
    expected = content.getvalue()
    size = path.stat().st_size
    with path.open("rb") as f:
        data = f.read(len(expected) + 1)
    if size != len(expected) or data != expected:
        raise VerificationError(
            f"{path.name} ({size} bytes) is not the {len(expected)} bytes that the identity "
            f"CID {cid} holds"
        )
    return LocalCheck(cid, size, verified.blocks, verified.layout,
                      "plain file compared with the identity CID's inline content",
                      sniff(data[:SNIFF_BYTES]), hashlib.sha256(data).hexdigest())


def _reimport(
    path: Path, cid: CID, limits: IpfsLimits, cancel: CancelToken | None
) -> Generator[Progress, None, LocalCheck]:
    size = path.stat().st_size
    if size > limits.max_total_bytes:
        raise FileTooLarge(size, limits.max_total_bytes)
    tried: list[str] = []
    for profile in PROFILES:
        if cancel is not None:
            cancel.check()
        yield Progress(f"re-importing {path.name} as {profile.name}", len(tried), len(PROFILES))
        with path.open("rb") as f:
            root = import_file(f, profile)
        if root.multihash == cid.multihash and root.codec == cid.codec:
            with path.open("rb") as f:
                head = f.read(SNIFF_BYTES)
            digest = file_sha256(path)
            layout = "single block" if size <= profile.chunk_size else "balanced"
            return LocalCheck(
                cid,
                size,
                None,
                layout,
                f"plain file re-imported as {profile.name}",
                sniff(head),
                digest,
            )
        tried.append(f"{profile.name} gives {root}")
    raise VerificationError(
        f"{path.name} does not match {cid} under any known import profile ("
        + "; ".join(tried)
        + "); a CAR of its blocks is needed to prove other settings"
    )
