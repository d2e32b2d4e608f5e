"""c32check addresses: the reference vectors, strict refusals, and a round-trip property."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from arbiter_app.errors import DecodeError
from arbiter_app.stacks import c32

VECTORS = json.loads((Path(__file__).parents[2] / "data/stacks/vectors.json").read_text())


@pytest.mark.parametrize("case", VECTORS["c32_addresses"], ids=lambda c: c["address"])
def test_address_vectors(case: dict[str, object]) -> None:
    hash160 = bytes.fromhex(str(case["hash160"]))
    assert c32.encode_address(int(str(case["version"])), hash160) == case["address"]
    assert c32.decode_address(str(case["address"])) == (case["version"], hash160)
    assert c32.decode_address(str(case["address"]).lower()) == (case["version"], hash160)


@pytest.mark.parametrize("case", VECTORS["c32_raw"], ids=lambda c: c["hex"])
def test_raw_c32_vectors(case: dict[str, str]) -> None:
    assert c32.c32_encode(bytes.fromhex(case["hex"])) == case["c32"]
    assert c32.c32_decode(case["c32"]) == bytes.fromhex(case["hex"])


def test_look_alike_characters_are_normalised() -> None:
    case = VECTORS["c32_normalised"]
    version, hash160 = c32.decode_address(case["text"], any_version=True)
    assert (version, hash160.hex()) == (case["version"], case["hash160"])


def test_version_zero_is_refused_unless_any_version() -> None:
    with pytest.raises(c32.BadVersion):
        c32.decode_address(VECTORS["c32_normalised"]["text"])


GOOD = "SP2J6ZY48GV1EZ5V2V5RB9MP66SW86PYKKNRV9EJ7"


@pytest.mark.parametrize(
    ("text", "error", "offset"),
    [
        (GOOD[:-1] + "8", c32.BadChecksum, len(GOOD) - 1),
        (GOOD[:10] + "U" + GOOD[11:], c32.BadCharacter, 10),
        (GOOD[:10] + "é" + GOOD[11:], c32.BadCharacter, 10),
        (GOOD[:-2], c32.BadLength, 2),
        (GOOD + "0", c32.BadLength, 2),
        ("SP0" + GOOD[2:], c32.BadLength, 2),
        ("SQ" + GOOD[2:], c32.BadVersion, 1),
        ("XP" + GOOD[2:], c32.BadCharacter, 0),
        ("SP12", c32.BadLength, 4),
        ("", c32.BadLength, 0),
    ],
    ids=[
        "bad-checksum",
        "letter-U",
        "non-ascii",
        "short-by-two",
        "extra-char",
        "extra-leading-zero",
        "unknown-version",
        "no-S-prefix",
        "too-short",
        "empty",
    ],
)
def test_bad_addresses_are_refused_by_name(text: str, error: type[Exception], offset: int) -> None:
    with pytest.raises(error) as raised:
        c32.decode_address(text)
    assert isinstance(raised.value, DecodeError)
    assert raised.value.offset == offset


@pytest.mark.parametrize(
    ("version", "hash160"),
    [(23, bytes(20)), (22, bytes(19)), (32, bytes(20))],
    ids=["version-23", "hash-19-bytes", "version-32"],
)
def test_encoding_refuses_impossible_parts(version: int, hash160: bytes) -> None:
    with pytest.raises(ValueError):
        c32.encode_address(version, hash160, any_version=version == 32)


@settings(max_examples=500, deadline=None)
@given(st.sampled_from(sorted(c32.ADDRESS_VERSIONS)), st.binary(min_size=20, max_size=20))
def test_address_round_trip(version: int, hash160: bytes) -> None:
    text = c32.encode_address(version, hash160)
    assert c32.decode_address(text) == (version, hash160)


@settings(max_examples=500, deadline=None)
@given(st.binary(max_size=40))
def test_raw_c32_round_trip(data: bytes) -> None:
    assert c32.c32_decode(c32.c32_encode(data)) == data


@settings(max_examples=500, deadline=None)
@given(st.text(max_size=50))
def test_any_text_decodes_or_raises_our_error(text: str) -> None:
    try:
        version, hash160 = c32.decode_address(text)
    except c32.C32Error:
        return
    assert c32.encode_address(version, hash160) == text.upper().translate(c32._NORMALISE)


@pytest.mark.parametrize(
    "text",
    [
        "ST1PQHQKV0RJXZFY1DGX8MNSNYVE3VGZJSRTPGZGM",
        "ST1PQHQKV0RJXZFY1DGX8MNSNYVE3VGZJSRTPGZGM.escrow-secure",
    ],
    ids=["standard", "contract"],
)
def test_principal_text_round_trip(text: str) -> None:
    version, hash160, name = c32.decode_principal(text)
    assert c32.encode_principal(version, hash160, name) == text


@pytest.mark.parametrize(
    "name", ["", "1x", "a b", "é"], ids=["empty", "digit-first", "space", "non-ascii"]
)
def test_bad_contract_names_are_refused(name: str) -> None:
    with pytest.raises(c32.BadContractName) as raised:
        c32.decode_principal(f"{GOOD}.{name}")
    assert raised.value.offset == len(GOOD) + 1
