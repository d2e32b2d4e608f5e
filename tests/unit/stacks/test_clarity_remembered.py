"""The reader's remembered tuple keys and principals: the same bytes give an equal value, other
bytes (a cut, a changed byte, another type byte) still meet every check, and the memory stays
bounded however many distinct names and principals a hostile server sends."""

from __future__ import annotations

import pytest

from arbiter_app.stacks import clarity, clarity_wire
from arbiter_app.stacks.clarity import ClarityDecodeError

HASH = "ab" * 20
STANDARD = "05" + "16" + HASH
CONTRACT = "06" + "16" + HASH + "06" + b"escrow".hex()
U1 = "01" + "00" * 15 + "01"
TUPLE_AB = "0c00000001" + "026162" + U1  # (tuple (ab u1))


def _decode(hexdata: str) -> clarity.ClarityValue:
    return clarity_wire.deserialize(bytes.fromhex(hexdata))


def test_a_principal_decoded_twice_is_the_same_value() -> None:
    first, second = _decode(CONTRACT), _decode(CONTRACT)
    assert first == second == clarity.ContractPrincipal(0x16, bytes.fromhex(HASH), "escrow")
    assert str(second) == str(first)
    assert _decode(STANDARD) == clarity.StandardPrincipal(0x16, bytes.fromhex(HASH))


def test_a_standard_principal_remembered_does_not_stand_for_a_contract() -> None:
    _decode(STANDARD)
    assert isinstance(_decode(CONTRACT), clarity.ContractPrincipal)
    assert isinstance(_decode(STANDARD), clarity.StandardPrincipal)


@pytest.mark.parametrize(
    ("hexdata", "offset", "expected"),
    [
        (CONTRACT[:-2], 23, "contract name bytes"),
        ("06" + "16" + HASH, 22, "contract name length byte"),
        ("06" + "16" + HASH + "07" + b"escrow!".hex(), 23, "valid contract name"),
        (STANDARD[:-2], 2, "20-byte principal hash"),
        ("0520" + HASH, 1, "version below 32"),
    ],
    ids=["contract-name-cut", "contract-name-missing", "contract-name-bang", "hash-cut",
         "version-32"],
)
def test_bad_principals_are_refused_after_good_ones_were_remembered(
    hexdata: str, offset: int, expected: str
) -> None:
    _decode(STANDARD), _decode(CONTRACT)
    with pytest.raises(ClarityDecodeError) as raised:
        _decode(hexdata)
    assert raised.value.offset == offset and expected in raised.value.expected


@pytest.mark.parametrize(
    ("hexdata", "offset", "expected"),
    [
        ("0c00000001" + "036162", 6, "tuple key bytes"),
        ("0c00000001" + "0461626320" + U1, 6, "valid tuple key"),
        ("0c00000001" + "0120" + U1, 6, "valid tuple key"),
        ("0c00000002" + "026162" + U1 + "026162" + U1, 25, "a new key"),
        ("0c00000001" + "026162", 8, "type byte"),
    ],
    ids=["key-cut", "key-with-space", "key-space-only", "key-repeated", "value-missing"],
)
def test_bad_tuple_keys_are_refused_after_good_ones_were_remembered(
    hexdata: str, offset: int, expected: str
) -> None:
    assert _decode(TUPLE_AB) == clarity.Tuple({"ab": clarity.UInt(1)})
    with pytest.raises(ClarityDecodeError) as raised:
        _decode(hexdata)
    assert raised.value.offset == offset and expected in raised.value.expected


def test_many_distinct_principals_and_keys_keep_the_memory_bounded() -> None:
    count = clarity_wire._REMEMBERED + 100
    for n in range(count):
        hash160 = n.to_bytes(20, "big")
        key = f"k{n}"
        data = clarity.serialize(clarity.Tuple({key: clarity.StandardPrincipal(0x16, hash160)}))
        decoded = clarity_wire.deserialize(data)
        assert decoded == clarity.Tuple({key: clarity.StandardPrincipal(0x16, hash160)})
        assert len(clarity_wire._PRINCIPALS) <= clarity_wire._REMEMBERED
        assert len(clarity_wire._KEYS) <= clarity_wire._REMEMBERED
    assert _decode(STANDARD) == clarity.StandardPrincipal(0x16, bytes.fromhex(HASH))
