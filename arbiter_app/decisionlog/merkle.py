"""The RFC 6962 Merkle tree of the decision log: hashes, proofs and their verification (pure).

Leaves hash as ``SHA-256(0x00 || data)`` and interior nodes as ``SHA-256(0x01 || left ||
right)`` (RFC 6962 §2.1; the prefixes stop a leaf posing as a node). A tree of n leaves splits
at the largest power of two below n, which is the same as building levels left to right and
promoting a lone last node unchanged (never duplicating it), so :class:`Tree` keeps those
levels and answers any proof in O(log n). Verification follows RFC 9162 §2.1.3.2 (inclusion)
and §2.1.4.2 (consistency) and takes sizes and roots only from the caller (the signed
checkpoint), never from the proof.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

from arbiter_app.errors import VerificationError

EMPTY_ROOT = hashlib.sha256(b"").digest()


def leaf_hash(data: bytes) -> bytes:
    """The RFC 6962 hash of one leaf."""
    return hashlib.sha256(b"\x00" + data).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    """The RFC 6962 hash of an interior node."""
    return hashlib.sha256(b"\x01" + left + right).digest()


class Tree:
    """A Merkle tree over given leaf hashes, with every level kept for fast proofs."""

    def __init__(self, leaf_hashes: Sequence[bytes]) -> None:
        self.levels: list[list[bytes]] = [list(leaf_hashes)]
        while len(self.levels[-1]) > 1:
            below = self.levels[-1]
            above = [node_hash(below[i], below[i + 1]) for i in range(0, len(below) - 1, 2)]
            if len(below) % 2:
                above.append(below[-1])
            self.levels.append(above)

    @property
    def size(self) -> int:
        """Number of leaves."""
        return len(self.levels[0])

    def root(self) -> bytes:
        """The root of the whole tree (SHA-256 of nothing when empty)."""
        return self.levels[-1][0] if self.size else EMPTY_ROOT

    def subtree(self, start: int, end: int) -> bytes:
        """The hash of leaves ``[start, end)``, from the kept levels where they line up."""
        width = end - start
        level = max(0, (width - 1).bit_length())
        if start % (1 << level) == 0 and (width == 1 << level or end == self.size):
            return self.levels[level][start >> level]
        k = 1 << ((width - 1).bit_length() - 1)
        return node_hash(self.subtree(start, start + k), self.subtree(start + k, end))

    def prefix_root(self, size: int) -> bytes:
        """The root of the tree made of the first ``size`` leaves."""
        if not 0 <= size <= self.size:
            raise ValueError(f"size {size} outside 0..{self.size}")
        return self.subtree(0, size) if size else EMPTY_ROOT

    def inclusion_proof(self, index: int, size: int | None = None) -> list[bytes]:
        """The audit path of leaf ``index`` in the tree of the first ``size`` leaves."""
        size = self.size if size is None else size
        if not 0 <= index < size <= self.size:
            raise ValueError(f"no leaf {index} in a tree of {size}")
        if size == self.size:
            return self._path(index)
        return self._path_in(index, 0, size)

    def _path(self, index: int) -> list[bytes]:
        proof = []
        for level in self.levels[:-1]:
            sibling = index ^ 1
            if sibling < len(level):
                proof.append(level[sibling])
            index >>= 1
        return proof

    def _path_in(self, index: int, start: int, end: int) -> list[bytes]:
        # RFC 6962 §2.1.1 PATH(m, D[n]), bottom-up order.
        if end - start == 1:
            return []
        k = 1 << ((end - start - 1).bit_length() - 1)
        if index < start + k:
            return [*self._path_in(index, start, start + k), self.subtree(start + k, end)]
        return [*self._path_in(index, start + k, end), self.subtree(start, start + k)]

    def consistency_proof(self, old: int, new: int | None = None) -> list[bytes]:
        """The proof that the tree of ``old`` leaves is a prefix of the tree of ``new``."""
        new = self.size if new is None else new
        if not 0 < old <= new <= self.size:
            raise ValueError(f"no consistency proof from {old} to {new}")
        return self._subproof(old, 0, new, True)

    def _subproof(self, m: int, start: int, end: int, whole: bool) -> list[bytes]:
        # RFC 6962 §2.1.2 SUBPROOF(m, D[start:end], b).
        n = end - start
        if m == n:
            return [] if whole else [self.subtree(start, end)]
        k = 1 << ((n - 1).bit_length() - 1)
        if m <= k:
            return [*self._subproof(m, start, start + k, whole), self.subtree(start + k, end)]
        return [*self._subproof(m - k, start + k, end, False), self.subtree(start, start + k)]


def extend_range(frontier: list[bytes], size: int, leaf: bytes) -> list[bytes]:
    """The compact range of the tree of ``size + 1`` leaves, from that of ``size`` leaves.

    A compact range keeps one hash per set bit of the size (the roots of the perfect subtrees
    the leaves split into, largest first), so an append costs O(log n).
    """
    kept, node, bits = list(frontier), leaf, size
    while bits & 1:  # merge equal-sized perfect subtrees, as in a binary counter
        node, bits = node_hash(kept.pop(), node), bits >> 1
    kept.append(node)
    return kept


def range_root(frontier: Sequence[bytes]) -> bytes:
    """The root of the tree whose compact range is ``frontier``."""
    if not frontier:
        return EMPTY_ROOT
    root = frontier[-1]
    for left in reversed(frontier[:-1]):
        root = node_hash(left, root)
    return root


class GrowingRange:
    """The compact range of a tree grown one leaf at a time, in place: the root of n leaves
    in n-1 node hashes and O(log n) memory (how a whole export is checked in one pass)."""

    def __init__(self) -> None:
        self.size = 0
        self.frontier: list[bytes] = []

    def add(self, leaf: bytes) -> None:
        """Append one leaf hash."""
        node, bits = leaf, self.size
        while bits & 1:
            node, bits = node_hash(self.frontier.pop(), node), bits >> 1
        self.frontier.append(node)
        self.size += 1

    def root(self) -> bytes:
        """The root of the leaves added so far."""
        return range_root(self.frontier)


def root_from_inclusion(index: int, size: int, leaf: bytes, proof: Sequence[bytes]) -> bytes:
    """The root that ``proof`` leads to from ``leaf`` at ``index`` (RFC 9162 §2.1.3.2).

    :raises VerificationError: when the proof has the wrong shape for ``index`` and ``size``
    """
    if not 0 <= index < size:
        raise VerificationError(f"leaf index {index} is outside a tree of {size}")
    fn, sn, r = index, size - 1, leaf
    for p in proof:
        if len(p) != 32 or sn == 0:
            raise VerificationError("the inclusion proof is too long or malformed")
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            while not fn & 1 and fn:
                fn, sn = fn >> 1, sn >> 1
        else:
            r = node_hash(r, p)
        fn, sn = fn >> 1, sn >> 1
    if sn != 0:
        raise VerificationError("the inclusion proof is too short")
    return r


def verify_inclusion(index: int, size: int, leaf: bytes, proof: Sequence[bytes],
                     root: bytes) -> None:
    """Check that ``leaf`` is at ``index`` of the tree of ``size`` leaves with ``root``.

    :raises VerificationError: naming why it is not
    """
    if root_from_inclusion(index, size, leaf, proof) != root:
        raise VerificationError(f"leaf {index} does not lead to the root of a tree of {size}")


def verify_consistency(old: int, new: int, old_root: bytes, new_root: bytes,
                       proof: Sequence[bytes]) -> None:
    """Check that the tree (``old``, ``old_root``) is a prefix of (``new``, ``new_root``).

    Follows RFC 9162 §2.1.4.2.

    :raises VerificationError: naming why it is not
    """
    if not 0 < old <= new:
        raise VerificationError(f"no consistency between sizes {old} and {new}")
    if old == new:
        if proof or old_root != new_root:
            raise VerificationError(f"two different roots for the same size {old}")
        return
    if any(len(p) != 32 for p in proof):
        raise VerificationError("the consistency proof has a malformed hash")
    path = list(proof)
    if old & (old - 1) == 0:  # old is a power of two: its root starts the path
        path.insert(0, old_root)
    if not path:
        raise VerificationError("the consistency proof is empty")
    fn, sn = old - 1, new - 1
    while fn & 1:
        fn, sn = fn >> 1, sn >> 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            raise VerificationError("the consistency proof is too long")
        if fn & 1 or fn == sn:
            fr, sr = node_hash(c, fr), node_hash(c, sr)
            while not fn & 1 and fn:
                fn, sn = fn >> 1, sn >> 1
        else:
            sr = node_hash(sr, c)
        fn, sn = fn >> 1, sn >> 1
    if sn != 0 or fr != old_root or sr != new_root:
        raise VerificationError(f"the tree of {new} does not extend the tree of {old}")
