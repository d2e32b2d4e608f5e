"""The blocks of a case bundle and the CARv1 file that carries them (docs/bundle.md).

A bundle is a CARv1 with one root: a DAG-JSON index block (multicodec 0x0129) whose links
(``{"/": CID}``) name every other block. The parts are raw blocks (the receipt, the rationale,
the evidence report, the decision-log slice, the signed transaction) and the terms and
evidence manifests as the blocks of their own DAGs, so any CAR tool can list, import and
hash-check the file, and IPFS can serve every part by the CID the index gives it.

:class:`BundleCar` reads a bundle with the app's bounded CAR reader: the file's size, each
block's size and the block count are checked before anything is read, every block handed
out is hashed against its CID first, a block stored twice is refused, and the blocks no part
used are named at the end (an added block is an error, not ignored).
"""

from __future__ import annotations

import hashlib
import io
from collections.abc import Iterable
from pathlib import Path
from typing import Any, BinaryIO

from arbiter_app.config import IpfsLimits
from arbiter_app.decisionlog.canonical import canonical_json, parse_canonical
from arbiter_app.errors import InputError, LimitExceeded, VerificationError
from arbiter_app.ipfs.car import CARV2_PRAGMA, CarIndex, car_bytes
from arbiter_app.ipfs.cid import CID, DAG_PB, RAW, SHA2_256
from arbiter_app.ipfs.errors import CidError

DAG_JSON = 0x0129  # multicodec "dag-json"
CODECS = {RAW: "raw", DAG_PB: "dag-pb", DAG_JSON: "dag-json"}
MAX_BUNDLE_BYTES = 64 * 1024 * 1024  # a case's documents are small; evidence files stay out
# Kubo refuses blocks over 2 MiB; a case's parts are JSON of kilobytes and manifests are
# capped at 256 KiB, so 4096 blocks is room for any case the contract allows.
LIMITS = IpfsLimits(max_total_bytes=MAX_BUNDLE_BYTES, max_blocks=4096,
                    max_block_size=2 * 1024 * 1024, max_depth=8, max_links=1024)


def link(cid: CID) -> dict[str, str]:
    """A DAG-JSON link to ``cid``."""
    return {"/": str(cid)}


def encode_json_block(value: Any) -> tuple[CID, bytes]:
    """A DAG-JSON block of ``value`` (canonical JSON: sorted keys, no spaces; links as
    ``{"/": CID}``; no floats) and its CIDv1."""
    data = canonical_json(value)
    return CID.for_block(data, DAG_JSON), data


def raw_block(data: bytes) -> tuple[CID, bytes]:
    """A raw block of ``data`` and its CIDv1 (``bafkrei…``)."""
    return CID.for_block(data, RAW), data


def parse_link(value: Any, name: str) -> CID:
    """The CID of a DAG-JSON link naming part ``name``.

    :raises VerificationError: not a link, or a CID the bundle cannot hold
    """
    if not isinstance(value, dict) or set(value) != {"/"} or not isinstance(value["/"], str):
        raise VerificationError(f"the index's link to {name} is not a DAG-JSON link")
    try:
        cid = CID.parse(value["/"], strict=False)
        code = cid.hash_code
    except (CidError, InputError) as e:
        raise VerificationError(f"the index's link to {name} is not a CID ({e})") from e
    if code != SHA2_256 or len(cid.digest) != 32 or cid.codec not in CODECS:
        raise VerificationError(f"the index's link to {name} ({value['/']:.80}) is not a "
                                "sha2-256 raw, dag-pb or dag-json CID")
    return cid


def write(root: CID, blocks: Iterable[tuple[CID, bytes]]) -> bytes:
    """The CARv1 bytes of a bundle: header with the index as its one root, then the blocks."""
    return car_bytes([root], blocks)


class BundleCar:
    """The blocks of a bundle file, each checked against its CID when it is read.

    :param stream: a seekable binary file (a CARv1)
    :raises VerificationError: not a CARv1 with one DAG-JSON root, or a block stored twice
    :raises LimitExceeded: the file, a block or the block count is over the bundle's limits
    """

    def __init__(self, stream: BinaryIO) -> None:
        size = stream.seek(0, io.SEEK_END)
        stream.seek(0)
        if size > MAX_BUNDLE_BYTES:
            raise LimitExceeded("case bundle size", size, MAX_BUNDLE_BYTES)
        if stream.read(len(CARV2_PRAGMA)) == CARV2_PRAGMA:
            raise VerificationError("the bundle is a CARv2 file; a case bundle is a CARv1")
        stream.seek(0)
        try:
            self.car = CarIndex(stream, LIMITS)
        except InputError as e:
            if isinstance(e, LimitExceeded):
                raise  # names the limit itself
            raise VerificationError(f"the bundle is not a readable CAR file ({e})") from e
        if len(self.car.roots) != 1 or self.car.roots[0].codec != DAG_JSON:
            raise VerificationError("the bundle's CAR header must name one root, its DAG-JSON "
                                    "index block")
        if self.car.count != len(self.car.sections):
            raise VerificationError(f"the bundle holds {self.car.count} blocks but only "
                                    f"{len(self.car.sections)} different ones: a block is "
                                    "stored twice (duplicate)")
        self.root = self.car.roots[0]
        self.used: set[bytes] = set()

    @classmethod
    def open(cls, path: Path) -> BundleCar:
        """Open the bundle file at ``path``.

        :raises InputError: it cannot be read
        """
        try:
            stream = path.open("rb")
        except OSError as e:
            raise InputError(f"cannot read the bundle {path}: {e.strerror}") from e
        try:
            return cls(stream)
        except BaseException:
            stream.close()
            raise

    def block(self, cid: CID, name: str) -> bytes:
        """The block of part ``name``, hashed against ``cid`` first.

        :raises VerificationError: the bundle lacks it, or its bytes are not ``cid``'s
        """
        found = self.car.get(cid)
        if found is None:
            raise VerificationError(f"the bundle lacks {name} (block {cid} is missing)")
        section = self.car.sections[cid.multihash]
        if section.cid.codec != cid.codec:
            raise VerificationError(f"block {section.cid} ({name}) is stored under another "
                                    f"codec than the index's link {cid}")
        data = bytes(found)
        if hashlib.sha256(data).digest() != cid.digest:
            raise VerificationError(f"block {cid} ({name}) does not match its CID: it was "
                                    "changed")
        self.used.add(cid.multihash)
        return data

    def unknown(self) -> list[CID]:
        """Blocks in the file that no part read (each one is an error)."""
        return [s.cid for mh, s in self.car.sections.items() if mh not in self.used]

    def close(self) -> None:
        """Close the file."""
        self.car.close()


def parse_json(data: bytes, name: str) -> Any:
    """A part's canonical JSON, strictly parsed (bounded by its size).

    :raises VerificationError: naming the part
    """
    return parse_canonical(data, name)
