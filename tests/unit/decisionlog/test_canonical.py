"""The fast canonical-JSON check (msgspec) vouches only for bytes the json module's canonical
form would write, and the growing range gives every tree's root."""

from __future__ import annotations

import json
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from arbiter_app.decisionlog import merkle
from arbiter_app.decisionlog.canonical import MAX_FAST_NESTING, canonical_json, decode_canonical

# Every JSON value json.dumps can write as UTF-8 (no lone surrogates), floats included.
TEXT = st.text(st.characters(exclude_categories=("Cs",)))
SCALARS = st.none() | st.booleans() | st.integers(-(2**130), 2**130) | TEXT | \
    st.floats(allow_nan=False, allow_infinity=False)
VALUES = st.recursive(SCALARS, lambda inner: st.lists(inner, max_size=4)
                      | st.dictionaries(TEXT, inner, max_size=4), max_leaves=20)


def _has_float(value: Any) -> bool:
    if isinstance(value, float):
        return True
    if isinstance(value, dict):
        return any(_has_float(v) for v in value.values())
    return isinstance(value, list) and any(_has_float(v) for v in value)


@settings(max_examples=400)
@given(VALUES)
def test_canonical_bytes_without_floats_are_vouched_for_with_the_same_value(value: Any) -> None:
    raw = canonical_json(value)
    fast = decode_canonical(raw)
    if _has_float(value) or raw.count(b"[") + raw.count(b"{") > MAX_FAST_NESTING:
        assert fast is None
    else:
        assert fast == value


@settings(max_examples=400)
@given(VALUES, st.sampled_from(["indent", "ascii", "unsorted", "spaced"]))
def test_other_spellings_of_the_same_value_are_never_vouched_for(value: Any, how: str) -> None:
    canonical = canonical_json(value)
    other = json.dumps(value, sort_keys=how != "unsorted", ensure_ascii=how == "ascii",
                       indent=1 if how == "indent" else None,
                       separators=(", ", ": ") if how == "spaced" else (",", ":")).encode()
    if other != canonical:
        assert decode_canonical(other) is None


def test_broken_bytes_are_left_to_the_strict_parser() -> None:
    for raw in (b"\xff{}", b'{"a":1,"a":2}', b"NaN", b"[" * 40 + b"]" * 40, b'"\\ud800"'):
        assert decode_canonical(raw) is None


@given(st.integers(0, 300))
def test_growing_range_root_equals_the_tree_root(size: int) -> None:
    leaves = [merkle.leaf_hash(i.to_bytes(4, "big")) for i in range(size)]
    grown = merkle.GrowingRange()
    for leaf in leaves:
        grown.add(leaf)
    assert grown.size == size and grown.root() == merkle.Tree(leaves).root()
