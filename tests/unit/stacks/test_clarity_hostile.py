"""Hostile Clarity bytes: every refusal is our DecodeError naming the offset, never a crash.

Covers the bounds of docs/stacks.md §2 (depth 32, 1 MiB), counts larger than the bytes present,
truncation at every offset, trailing bytes, non-canonical tuples and invalid strings; and,
as properties, arbitrary bytes and single-byte mutations of valid values (docs/reliability.md §6).
"""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from arbiter_app.errors import DecodeError
from arbiter_app.stacks import clarity, clarity_wire
from arbiter_app.stacks.clarity import ClarityDecodeError
from tests.fixtures.stacks_random import values

U1 = "01" + "00" * 15 + "01"
PRINCIPAL = "05" + "16" + "ab" * 20


def _nested(depth: int) -> str:
    return "0a" * depth + "09"


@pytest.mark.parametrize(
    ("hexdata", "offset", "expected"),
    [
        ("", 0, "type byte"),
        ("0f", 0, "type byte 0x00-0x0e"),
        ("ff", 0, "type byte 0x00-0x0e"),
        ("01" + "00" * 15, 1, "16-byte uint"),
        ("02000000ff" + "00" * 4, 1, "255 buffer bytes"),
        ("0dffffffff", 1, "string-ascii bytes"),
        ("0bffffffff", 1, "room for 4294967295 elements"),
        ("0c7fffffff", 1, "room for"),
        ("0c00000000", 1, "at least one field"),
        ("0b0000000209", 1, "room for 2 elements"),
        ("0b000000020000", 6, "16-byte int"),
        ("0309", 1, "trailing bytes"),
        (U1 + "00", 17, "trailing bytes"),
        (_nested(33), 32, "at most 32 levels"),
        ("0b00000001" * 33 + "09", 160, "at most 32 levels"),
        ("0c000000020162" + U1 + "0161" + U1, 24, "keys in byte order"),
        ("0c000000020161" + U1 + "0161" + U1, 24, "a new key"),
        ("0c0000000100" + U1, 5, "tuple key of 1 to 128"),
        ("0c000000010120" + U1, 6, "valid tuple key"),
        ("0d00000002417f", 6, "valid string-ascii"),
        ("0d0000000141e9", 6, "trailing bytes"),
        ("0d00000001e9", 5, "valid string-ascii"),
        ("0e00000002c328", 5, "valid string-utf8"),
        ("0e00000003eda080", 5, "valid string-utf8"),
        ("0520" + "ab" * 20, 1, "version below 32"),
        ("05" + "16" + "ab" * 19, 2, "20-byte principal hash"),
        ("06" + "16" + "ab" * 20 + "00", 22, "contract name of 1 to 128"),
        ("06" + "16" + "ab" * 20 + "023161", 23, "valid contract name"),
        ("0a", 1, "type byte"),
    ],
    ids=[
        "empty",
        "type-0x0f",
        "type-0xff",
        "uint-truncated",
        "buffer-longer-than-input",
        "ascii-4gib-length",
        "list-4g-elements",
        "tuple-2g-fields",
        "tuple-empty",
        "list-count-over-bytes",
        "list-element-truncated",
        "trailing-after-bool",
        "trailing-after-uint",
        "optional-depth-33",
        "list-depth-33",
        "tuple-keys-unsorted",
        "tuple-key-duplicate",
        "tuple-key-empty",
        "tuple-key-space",
        "ascii-del",
        "ascii-length-short",
        "ascii-latin1",
        "utf8-bad-continuation",
        "utf8-surrogate",
        "principal-version-32",
        "principal-hash-short",
        "contract-name-empty",
        "contract-name-digit",
        "some-without-value",
    ],
)
def test_hostile_bytes_are_refused_with_the_offset(
    hexdata: str, offset: int, expected: str
) -> None:
    with pytest.raises(ClarityDecodeError) as raised:
        clarity_wire.deserialize(bytes.fromhex(hexdata))
    assert raised.value.offset == offset, str(raised.value)
    assert expected in raised.value.expected
    assert f"at byte {offset}" in str(raised.value)


def test_depth_32_is_accepted_and_33_refused() -> None:
    assert clarity_wire.deserialize(bytes.fromhex(_nested(32))) is not None
    with pytest.raises(ClarityDecodeError):
        clarity_wire.deserialize(bytes.fromhex(_nested(33)))


def test_values_nested_too_deep_are_never_written() -> None:
    value: clarity.ClarityValue = clarity.NONE
    for _ in range(32):
        value = clarity.Some(value)
    assert clarity_wire.deserialize(clarity.serialize(value)) == value
    with pytest.raises(clarity.InvalidValue, match="at most 32 levels"):
        clarity.serialize(clarity.Some(value))
    with pytest.raises(clarity.InvalidValue, match="at most 32 levels"):
        clarity.serialize(clarity.List([value]))


def test_values_over_one_mebibyte_are_refused_before_reading() -> None:
    size = clarity.MAX_VALUE_SIZE
    big = b"\x02" + size.to_bytes(4, "big") + bytes(size)
    with pytest.raises(ClarityDecodeError, match="at most 1048576 bytes"):
        clarity_wire.deserialize(big)
    fits = b"\x02" + (size - 5).to_bytes(4, "big") + bytes(size - 5)
    assert len(clarity_wire.deserialize(fits).value) == size - 5  # type: ignore[attr-defined]


def test_every_truncation_of_a_rich_value_is_refused() -> None:
    value = clarity.Tuple(
        {
            "a": clarity.List([clarity.Some(clarity.Int(-5)), clarity.NONE]),
            "b": clarity.principal("ST1PQHQKV0RJXZFY1DGX8MNSNYVE3VGZJSRTPGZGM.escrow-secure"),
            "c": clarity.StringUtf8("ü€𝄞"),
            "d": clarity.Err(clarity.Buffer(b"\x00\x01")),
        }
    )
    data = clarity.serialize(value)
    for cut in range(len(data)):
        with pytest.raises(ClarityDecodeError) as raised:
            clarity_wire.deserialize(data[:cut])
        assert 0 <= raised.value.offset <= cut


@pytest.mark.parametrize(
    "text", ["0x0", "0xzz", "xyz", "0x01 00"], ids=["odd", "not-hex", "letters", "space"]
)
def test_bad_hex_is_refused(text: str) -> None:
    with pytest.raises(DecodeError):
        clarity_wire.from_hex(text)


@settings(max_examples=1000, deadline=None)
@given(st.binary(max_size=200))
def test_arbitrary_bytes_decode_canonically_or_raise_our_error(data: bytes) -> None:
    try:
        value = clarity_wire.deserialize(data)
    except ClarityDecodeError as e:
        assert 0 <= e.offset <= len(data)
        return
    assert clarity.serialize(value) == data  # decode is only ever the inverse of encode


@settings(max_examples=500, deadline=None)
@given(values, st.data())
def test_mutated_values_decode_canonically_or_raise_our_error(
    value: clarity.ClarityValue, data: st.DataObject
) -> None:
    raw = bytearray(clarity.serialize(value))
    at = data.draw(st.integers(0, len(raw) - 1))
    raw[at] = data.draw(st.integers(0, 255))
    try:
        decoded = clarity_wire.deserialize(bytes(raw))
    except ClarityDecodeError:
        return
    assert clarity.serialize(decoded) == bytes(raw)
