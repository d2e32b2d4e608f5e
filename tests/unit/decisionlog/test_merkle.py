"""RFC 6962 tree: golden vectors with corruption probes; every proof against a naive recursion."""

from __future__ import annotations

import functools
import hashlib
import json
import random
from collections.abc import Callable
from pathlib import Path

import pytest

from arbiter_app.decisionlog import merkle
from arbiter_app.errors import VerificationError

VECTORS = json.loads((Path(__file__).parents[2] / "data/rfc6962/vectors.json").read_text())
LEAVES = [bytes.fromhex(h) for h in VECTORS["leaves"]]
ROOTS = [bytes.fromhex(h) for h in VECTORS["roots"]]
EMPTY = bytes.fromhex(VECTORS["empty_root"])


# The RFC's own recursive definitions (RFC 6962 §2.1, §2.1.1, §2.1.2), kept naive on purpose;
# only MTH is memoised (keyed on the slice contents) to keep the sweep fast.
@functools.cache
def _mth(d: tuple[bytes, ...]) -> bytes:
    if not d:
        return hashlib.sha256(b"").digest()
    if len(d) == 1:
        return merkle.leaf_hash(d[0])
    k = 1 << ((len(d) - 1).bit_length() - 1)
    return merkle.node_hash(_mth(d[:k]), _mth(d[k:]))


def mth(d: list[bytes]) -> bytes:
    return _mth(tuple(d))


def path(m: int, d: list[bytes]) -> list[bytes]:
    if len(d) == 1:
        return []
    k = 1 << ((len(d) - 1).bit_length() - 1)
    if m < k:
        return path(m, d[:k]) + [mth(d[k:])]
    return path(m - k, d[k:]) + [mth(d[:k])]


def subproof(m: int, d: list[bytes], b: bool) -> list[bytes]:
    if m == len(d):
        return [] if b else [mth(d)]
    k = 1 << ((len(d) - 1).bit_length() - 1)
    if m <= k:
        return subproof(m, d[:k], b) + [mth(d[k:])]
    return subproof(m - k, d[k:], False) + [mth(d[:k])]


def tree_of(d: list[bytes]) -> merkle.Tree:
    return merkle.Tree([merkle.leaf_hash(x) for x in d])


@pytest.mark.parametrize("size", range(1, 9), ids=lambda s: f"size{s}")
def test_prefix_roots_equal_the_published_roots(size: int) -> None:
    assert tree_of(LEAVES[:size]).root() == ROOTS[size - 1]
    assert tree_of(LEAVES).prefix_root(size) == ROOTS[size - 1]


def test_the_empty_tree_hashes_to_sha256_of_nothing() -> None:
    assert merkle.Tree([]).root() == EMPTY == merkle.EMPTY_ROOT


def _inclusion_probes(i: int, n: int, leaf: bytes, proof: list[bytes], root: bytes
                      ) -> dict[str, Callable[[], None]]:
    v = merkle.verify_inclusion
    probes: dict[str, Callable[[], None]] = {
        "index-1": lambda: v(i - 1, n, leaf, proof, root),
        "index+1": lambda: v(i + 1, n, leaf, proof, root),
        "index^2": lambda: v(i ^ 2, n, leaf, proof, root),
        "size*2": lambda: v(i, n * 2, leaf, proof, root),
        "size/2": lambda: v(i, n // 2, leaf, proof, root),
        "wrong-leaf": lambda: v(i, n, merkle.leaf_hash(b"WrongLeaf"), proof, root),
        "empty-root": lambda: v(i, n, leaf, proof, EMPTY),
        "random-root": lambda: v(i, n, leaf, proof, random.randbytes(32)),
        "trailing-garbage": lambda: v(i, n, leaf, [*proof, b""], root),
        "trailing-root": lambda: v(i, n, leaf, [*proof, root], root),
        "leading-garbage": lambda: v(i, n, leaf, [b"", *proof], root),
        "leading-root": lambda: v(i, n, leaf, [root, *proof], root),
    }
    if proof:
        probes["truncated"] = lambda: v(i, n, leaf, proof[:-1], root)
        probes["extra-node"] = lambda: v(i, n, leaf, [*proof[:1], EMPTY, *proof[1:]], root)
    for k in range(len(proof)):
        bad = [*proof]
        bad[k] = EMPTY
        probes[f"element{k}-replaced"] = lambda bad=bad: v(i, n, leaf, bad, root)
        flipped = [*proof]
        flipped[k] = bytes([proof[k][0] ^ 1]) + proof[k][1:]
        probes[f"element{k}-bitflip"] = lambda f=flipped: v(i, n, leaf, f, root)
    return probes


@pytest.mark.parametrize("case", VECTORS["inclusion"], ids=lambda c: f"{c['index']}of{c['size']}")
def test_published_inclusion_proofs_verify_and_every_probe_fails(case: dict) -> None:
    i, n = case["index"], case["size"]
    proof = [bytes.fromhex(h) for h in case["proof"]]
    leaf = merkle.leaf_hash(LEAVES[i])
    assert tree_of(LEAVES).inclusion_proof(i, n) == proof
    merkle.verify_inclusion(i, n, leaf, proof, ROOTS[n - 1])
    for name, probe in _inclusion_probes(i, n, leaf, proof, ROOTS[n - 1]).items():
        with pytest.raises(VerificationError):
            probe()
            pytest.fail(f"probe {name} was accepted")


@pytest.mark.parametrize("case", VECTORS["consistency"], ids=lambda c: f"{c['old']}to{c['new']}")
def test_published_consistency_proofs_verify_and_every_probe_fails(case: dict) -> None:
    m, n = case["old"], case["new"]
    proof = [bytes.fromhex(h) for h in case["proof"]]
    r1, r2 = ROOTS[m - 1], ROOTS[n - 1]
    assert tree_of(LEAVES).consistency_proof(m, n) == proof
    merkle.verify_consistency(m, n, r1, r2, proof)
    v = merkle.verify_consistency
    probes: dict[str, Callable[[], None]] = {
        "old-1": lambda: v(m - 1, n, r1, r2, proof),
        "old+1": lambda: v(m + 1, n, r1, r2, proof),
        "old^2": lambda: v(m ^ 2, n, r1, r2, proof),
        "new*2": lambda: v(m, n * 2, r1, r2, proof),
        "new/2": lambda: v(m, n // 2, r1, r2, proof),
        "wrong-old-root": lambda: v(m, n, EMPTY, r2, proof),
        "wrong-new-root": lambda: v(m, n, r1, EMPTY, proof),
        "swapped-roots": lambda: v(m, n, r2, r1, proof),
        "empty-proof": lambda: v(m, n, r1, r2, []),
        "truncated": lambda: v(m, n, r1, r2, proof[:-1]),
        "trailing-garbage": lambda: v(m, n, r1, r2, [*proof, b""]),
        "trailing-root": lambda: v(m, n, r1, r2, [*proof, r1]),
        "leading-garbage": lambda: v(m, n, r1, r2, [b"", *proof]),
        "leading-duplicate": lambda: v(m, n, r1, r2, [proof[0], *proof]),
    }
    for k in range(len(proof)):
        bad = [*proof]
        bad[k] = EMPTY
        probes[f"element{k}-replaced"] = lambda bad=bad: v(m, n, r1, r2, bad)
    for name, probe in probes.items():
        with pytest.raises(VerificationError):
            probe()
            pytest.fail(f"probe {name} was accepted")


def test_same_size_needs_same_root_and_empty_proof() -> None:
    merkle.verify_consistency(3, 3, ROOTS[2], ROOTS[2], [])
    with pytest.raises(VerificationError, match="two different roots"):
        merkle.verify_consistency(3, 3, ROOTS[2], ROOTS[3], [])


def test_every_inclusion_proof_up_to_256_equals_the_rfc_recursion() -> None:
    data = [i.to_bytes(4, "big") for i in range(256)]
    tree = tree_of(data)
    for n in range(1, 257):
        root = tree.prefix_root(n)
        assert root == mth(data[:n])
        for i in range(n):
            proof = tree.inclusion_proof(i, n)
            assert proof == path(i, data[:n])
            merkle.verify_inclusion(i, n, merkle.leaf_hash(data[i]), proof, root)


def test_every_consistency_proof_up_to_128_equals_the_rfc_recursion() -> None:
    data = [i.to_bytes(4, "big") for i in range(128)]
    tree = tree_of(data)
    roots = [tree.prefix_root(n) for n in range(129)]
    for n in range(1, 129):
        for m in range(1, n + 1):
            proof = tree.consistency_proof(m, n)
            assert proof == subproof(m, data[:n], True)
            merkle.verify_consistency(m, n, roots[m], roots[n], proof)
