"""The IPFS area's finer error classes, each under the foundation tree in ``arbiter_app.errors``.

Every failure the verifier or the fetcher can meet has its own class and message, so a test
(or the user) can tell a flipped byte in a leaf from one in an inner node, a missing block
from a truncated CAR, and a limit from a lie::

    DecodeError   ← CidError, CarError ← TruncatedCar, NodeError
    InputError    ← UnsupportedHash, UnsupportedCodec, NotAFile
    LimitExceeded ← BlockTooLarge, FileTooLarge, TooManyBlocks, DagTooDeep, TooManyLinks
    VerificationError ← HashMismatch ← LeafHashMismatch, NodeHashMismatch;
                        BlockMissing; UnexpectedRoot; LinkCycle;
                        SizeMismatch ← FileSizeMismatch, TsizeMismatch
    NetworkError  ← FetchError ← BlockUnavailable
"""

from __future__ import annotations

from arbiter_app.errors import (
    DecodeError,
    InputError,
    LimitExceeded,
    NetworkError,
    VerificationError,
)


class CidError(DecodeError):
    """A CID string or binary CID is malformed."""

    def __init__(self, offset: int, expected: str) -> None:
        super().__init__("CID", offset, expected)


class CarError(DecodeError):
    """A CAR file is malformed."""

    def __init__(self, offset: int, expected: str) -> None:
        super().__init__("CAR", offset, expected)


class TruncatedCar(CarError):
    """The CAR stream ended in the middle of its header or of a section."""


class NodeError(DecodeError):
    """A dag-pb node or its UnixFS data is malformed."""

    def __init__(self, what: str, offset: int, expected: str) -> None:
        super().__init__(what, offset, expected)


class UnsupportedHash(InputError):
    """A CID uses a hash function the app cannot verify."""

    def __init__(self, code: int, length: int | None = None) -> None:
        self.code = code
        detail = f" with a {length}-byte digest" if length is not None else ""
        super().__init__(
            f"the CID uses hash function 0x{code:x}{detail}, which the app does not verify "
            "(only sha2-256 and small identity hashes are accepted)"
        )


class UnsupportedCodec(InputError):
    """A CID names a content codec the app does not handle."""

    def __init__(self, code: int) -> None:
        self.code = code
        super().__init__(
            f"the CID uses content codec 0x{code:x}; only raw, dag-pb and dag-cbor are known"
        )


class NotAFile(InputError):
    """The CID addresses something that is not a UnixFS file (a directory, dag-cbor, ...)."""


class BlockTooLarge(LimitExceeded):
    """One block is larger than the block size limit."""

    def __init__(self, value: int, maximum: int) -> None:
        super().__init__("block size", value, maximum)


class FileTooLarge(LimitExceeded):
    """The file is (or declares itself) larger than the total size limit."""

    def __init__(self, value: int, maximum: int) -> None:
        super().__init__("file size", value, maximum)


class TooManyBlocks(LimitExceeded):
    """The DAG (or CAR) has more blocks than the block count limit."""

    def __init__(self, value: int, maximum: int) -> None:
        super().__init__("block count", value, maximum)


class DagTooDeep(LimitExceeded):
    """The DAG is deeper than the depth limit."""

    def __init__(self, value: int, maximum: int) -> None:
        super().__init__("DAG depth", value, maximum)


class TooManyLinks(LimitExceeded):
    """One node has more links than the per-node link limit."""

    def __init__(self, value: int, maximum: int) -> None:
        super().__init__("links in one node", value, maximum)


class HashMismatch(VerificationError):
    """A block's bytes do not hash to the CID that names it."""

    kind = "block"

    def __init__(self, cid: str, path: str) -> None:
        self.cid = cid
        self.path = path
        super().__init__(
            f"{self.kind} {cid} (at {path}) does not hash to its CID: the bytes were altered"
        )


class LeafHashMismatch(HashMismatch):
    """A leaf block (file data) was altered."""

    kind = "leaf block"


class NodeHashMismatch(HashMismatch):
    """An inner node (links and sizes) was altered."""

    kind = "inner node"


class BlockMissing(VerificationError):
    """A block the file needs is not in the CAR (or the store) that was given."""

    def __init__(self, cid: str, path: str) -> None:
        self.cid = cid
        self.path = path
        super().__init__(f"block {cid} (at {path}) is missing, so the file is incomplete")


class UnexpectedRoot(VerificationError):
    """A CAR's header names roots other than the CID being verified."""


class LinkCycle(VerificationError):
    """A node links (directly or not) back to a block on its own path."""


class SizeMismatch(VerificationError):
    """Sizes declared in the DAG disagree with what the blocks hold."""


class FileSizeMismatch(SizeMismatch):
    """A UnixFS ``filesize`` or ``blocksizes`` entry disagrees with the bytes below it."""


class TsizeMismatch(SizeMismatch):
    """A link's ``Tsize`` disagrees with the size of the sub-DAG it points to."""


class FetchError(NetworkError):
    """No source could deliver what was asked for."""


class BlockUnavailable(FetchError):
    """No source delivered a block that hashes to the CID asked for."""


class SourcesUnreachable(BlockUnavailable):
    """No source could even be connected to (this machine is offline, or every node and
    gateway is down): nothing is known of the block, which may well exist."""
