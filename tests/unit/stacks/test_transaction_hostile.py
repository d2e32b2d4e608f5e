"""Hostile transaction bytes: each refusal names its offset; no other exception ever escapes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from arbiter_app.stacks import transaction
from arbiter_app.stacks.clarity import ClarityDecodeError
from tests.fixtures.stacks_random import signed_calls

VECTORS = json.loads((Path(__file__).parents[2] / "data/stacks/vectors.json").read_text())
SIGNED = bytes.fromhex(VECTORS["contract_call"]["signed"])
PC_FT = bytes.fromhex(VECTORS["post_conditions"]["cases"][2]["hex"])
PAYLOAD = SIGNED[115:]


def _with(at: int, new: bytes, data: bytes = SIGNED) -> bytes:
    return data[:at] + new + data[at + len(new) :]


def _with_pcs(count: bytes, body: bytes) -> bytes:
    return SIGNED[:111] + count + body + PAYLOAD


@pytest.mark.parametrize(
    ("data", "offset", "expected"),
    [
        (_with(0, b"\x01"), 0, "version 0x00"),
        (_with(5, b"\x05"), 5, "sponsored transactions are not supported"),
        (_with(5, b"\x06"), 5, "authorization type 0x04"),
        (_with(6, b"\x01"), 6, "not P2SH multisig"),
        (_with(6, b"\x05"), 6, "order-independent multisig"),
        (_with(6, b"\x09"), 6, "hash mode 0x00"),
        (_with(43, b"\x02"), 43, "key encoding"),
        (_with(6, b"\x02", _with(43, b"\x01")), 43, "compressed key (0x00) for a P2WPKH"),
        (_with(44, b"\x04"), 44, "recovery id 0-3"),
        (_with(109, b"\x00"), 109, "anchor mode (0x01 on_chain_only"),
        (_with(110, b"\x04"), 110, "post-condition mode (0x01 allow, 0x02 deny, 0x03 originator)"),
        (_with_pcs(b"\x7f\xff\xff\xff", b""), 111, "room for 2147483647 post-conditions"),
        (_with_pcs(b"\x00\x00\x00\x01", b"\x05" + PC_FT[1:]), 115, "post-condition type 0x00-0x04"),
        (_with_pcs(b"\x00\x00\x00\x01", PC_FT[:1] + b"\x04" + PC_FT[2:]), 116, "principal type"),
        (
            _with_pcs(b"\x00\x00\x00\x01", _with(len(PC_FT) - 9, b"\x06", PC_FT)),
            115 + len(PC_FT) - 9,
            "condition code (0x01",
        ),
        (SIGNED[:115] + b"\x04" + PAYLOAD[1:], 115, "miner-only coinbase"),
        (SIGNED[:115] + b"\x09" + PAYLOAD[1:], 115, "payload type 0x00-0x08"),
        (SIGNED[:115] + _with(22, b"\x29", PAYLOAD), 137, "contract name of 1 to 40"),
        (SIGNED + b"\x00", len(SIGNED), "trailing bytes"),
        (SIGNED[:-1], len(SIGNED) - 7, "3 buffer bytes, only 2 left"),
        (b"", 0, "version byte"),
    ],
    ids=[
        "version-0x01",
        "sponsored",
        "auth-0x06",
        "p2sh-multisig",
        "order-independent-multisig",
        "hash-mode-9",
        "key-encoding-2",
        "p2wpkh-uncompressed",
        "recovery-id-4",
        "anchor-mode-0",
        "pc-mode-4",
        "pc-count-huge",
        "pc-type-5",
        "pc-principal-4",
        "pc-code-6",
        "coinbase-payload",
        "payload-type-9",
        "contract-name-41",
        "trailing-byte",
        "truncated",
        "empty",
    ],
)
def test_hostile_transactions_are_refused_with_the_offset(
    data: bytes, offset: int, expected: str
) -> None:
    with pytest.raises(ClarityDecodeError) as raised:
        transaction.deserialize(data)
    assert raised.value.what == "transaction"
    assert raised.value.offset == offset, str(raised.value)
    assert expected in raised.value.expected, str(raised.value)


def test_every_truncation_is_refused() -> None:
    for cut in range(len(SIGNED)):
        with pytest.raises(ClarityDecodeError) as raised:
            transaction.deserialize(SIGNED[:cut])
        assert raised.value.offset <= cut


def test_originator_mode_and_maybe_sent_decode() -> None:
    # SIP-040's mode 0x03 and NFT code 0x12 are shown even though the app never builds them.
    nft = bytes.fromhex(VECTORS["post_conditions"]["cases"][4]["hex"])
    data = _with(110, b"\x03", _with_pcs(b"\x00\x00\x00\x01", nft[:-1] + b"\x12"))
    doc = transaction.describe(transaction.deserialize(data))
    assert doc["post_condition_mode"] == "originator"
    assert doc["post_conditions"][0]["condition"] == "maybe-sent"  # type: ignore[index]


@settings(max_examples=500, deadline=None)
@given(st.binary(max_size=300))
def test_arbitrary_bytes_decode_canonically_or_raise_our_error(data: bytes) -> None:
    try:
        tx = transaction.deserialize(data)
    except ClarityDecodeError as e:
        assert 0 <= e.offset <= len(data)
        return
    assert transaction.serialize(tx) == data


@settings(max_examples=500, deadline=None)
@given(signed_calls(), st.data())
def test_mutated_transactions_decode_canonically_or_raise_our_error(
    tx: transaction.Transaction, data: st.DataObject
) -> None:
    raw = bytearray(transaction.serialize(tx))
    for _ in range(data.draw(st.integers(1, 3))):
        raw[data.draw(st.integers(0, len(raw) - 1))] = data.draw(st.integers(0, 255))
    try:
        decoded = transaction.deserialize(bytes(raw))
    except ClarityDecodeError:
        return
    assert transaction.serialize(decoded) == bytes(raw)
    transaction.describe(decoded)  # total on anything that decodes
