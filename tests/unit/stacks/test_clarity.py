"""Clarity values: reference vectors, the API repr, constructor checks and round-trip properties."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given, settings

from arbiter_app.errors import DecodeError
from arbiter_app.stacks import clarity, clarity_repr, clarity_wire
from arbiter_app.stacks.clarity import InvalidValue
from tests.fixtures.stacks_random import values

VECTORS = json.loads((Path(__file__).parents[2] / "data/stacks/vectors.json").read_text())


@pytest.mark.parametrize("case", VECTORS["clarity"], ids=lambda c: c["repr"])
def test_wire_vectors_decode_reencode_and_display(case: dict[str, str]) -> None:
    value = clarity_wire.from_hex(case["hex"])
    assert clarity.serialize(value).hex() == case["hex"]
    assert clarity.to_hex(value) == "0x" + case["hex"]
    assert clarity_repr.repr_value(value) == case["repr"]
    assert clarity_wire.from_hex("0x" + case["hex"].upper()) == value


def test_built_values_serialize_to_the_vectors() -> None:
    issuer = bytes.fromhex("11deadbeef11ababffff11deadbeef11ababffff")
    built = [
        clarity.Int(1),
        clarity.Int(-1),
        clarity.UInt(1),
        clarity.Buffer(bytes.fromhex("deadbeef")),
        clarity.Bool(True),
        clarity.Bool(False),
        clarity.StandardPrincipal(0, issuer),
        clarity.ContractPrincipal(0, issuer, "abcd"),
        clarity.Ok(clarity.Int(-1)),
        clarity.Err(clarity.Int(-1)),
        clarity.NONE,
        clarity.Some(clarity.Int(-1)),
        clarity.List([clarity.Int(1), clarity.Int(2), clarity.Int(3), clarity.Int(-4)]),
        clarity.Tuple({"foobar": clarity.Bool(True), "baz": clarity.NONE}),
        clarity.StringAscii("hello world"),
        clarity.StringUtf8("hello world"),
        clarity.StringUtf8("hello 🌾"),
        clarity.principal("SM3VDXK3WZZSA84XXFKAFAF15NNZX32CTSG82JFQ4.sbtc-token"),
        clarity.Tuple(
            {
                "b": clarity.UInt(2),
                "a": clarity.UInt(1),
                "a-b": clarity.Bool(True),
                "B": clarity.Bool(False),
            }
        ),
        clarity.Ok(clarity.Bool(True)),
        clarity.Ok(clarity.UInt(1)),
    ]
    assert [clarity.serialize(v).hex() for v in built] == [c["hex"] for c in VECTORS["clarity"]]


def test_principal_text_round_trips() -> None:
    for text in (
        "ST1PQHQKV0RJXZFY1DGX8MNSNYVE3VGZJSRTPGZGM",
        "ST1PQHQKV0RJXZFY1DGX8MNSNYVE3VGZJSRTPGZGM.escrow-secure",
    ):
        assert str(clarity.principal(text)) == text
        assert str(clarity.principal("'" + text)) == text


def test_tuple_is_immutable_and_hashable() -> None:
    t = clarity.Tuple({"b": clarity.UInt(1), "a": clarity.NONE})
    assert list(t.fields) == ["a", "b"] and t["b"] == clarity.UInt(1)
    with pytest.raises(TypeError):
        t.fields["c"] = clarity.NONE  # type: ignore[index]
    assert hash(t) == hash(clarity.Tuple({"a": clarity.NONE, "b": clarity.UInt(1)}))


def test_utf8_repr_escapes_like_the_api() -> None:
    assert clarity_repr.repr_value(clarity.StringUtf8('a"\\\né')) == 'u"a\\"\\\\\\u{a}\\u{e9}"'
    assert clarity_repr.repr_value(clarity.StringAscii('a"\n')) == '"a\\"\\n"'


@pytest.mark.parametrize(
    "make",
    [
        lambda: clarity.Int(2**127),
        lambda: clarity.Int(-(2**127) - 1),
        lambda: clarity.UInt(-1),
        lambda: clarity.UInt(2**128),
        lambda: clarity.Int(True),
        lambda: clarity.Bool(1),
        lambda: clarity.Buffer("text"),
        lambda: clarity.StringAscii("é"),
        lambda: clarity.StringAscii("\x00"),
        lambda: clarity.StringUtf8("\ud800"),
        lambda: clarity.StandardPrincipal(32, bytes(20)),
        lambda: clarity.StandardPrincipal(22, bytes(19)),
        lambda: clarity.ContractPrincipal(22, bytes(20), "1abc"),
        lambda: clarity.ContractPrincipal(22, bytes(20), "a" * 129),
        lambda: clarity.Tuple({}),
        lambda: clarity.Tuple({"bad key": clarity.NONE}),
        lambda: clarity.Tuple({"a" * 129: clarity.NONE}),
    ],
    ids=[
        "int-too-big",
        "int-too-small",
        "uint-negative",
        "uint-too-big",
        "int-from-bool",
        "bool-from-int",
        "buffer-from-str",
        "ascii-non-ascii",
        "ascii-control",
        "utf8-surrogate",
        "principal-version-32",
        "principal-short-hash",
        "contract-name-digit-first",
        "contract-name-129",
        "tuple-empty",
        "tuple-key-space",
        "tuple-key-129",
    ],
)
def test_impossible_values_are_refused(make: object) -> None:
    with pytest.raises(InvalidValue):
        make()  # type: ignore[operator]


@pytest.mark.parametrize(
    "text",
    [
        "SP2J6ZY48GV1EZ5V2V5RB9MP66SW86PYKKNRV9EJ8",
        "SP2J6ZY48GV1EZ5V2V5RB9MP66SW86PYKKNRV9EJ7.",
        "SP2J6ZY48GV1EZ5V2V5RB9MP66SW86PYKKNRV9EJ7.9x",
        "nonsense",
    ],
    ids=["bad-checksum", "empty-name", "bad-name", "not-an-address"],
)
def test_bad_principal_text_is_refused(text: str) -> None:
    with pytest.raises(DecodeError):
        clarity.principal(text)


@settings(max_examples=500, deadline=None)
@given(values)
def test_round_trip(value: clarity.ClarityValue) -> None:
    data = clarity.serialize(value)
    assert clarity_wire.deserialize(data) == value
    assert clarity_wire.from_hex(clarity.to_hex(value)) == value


@settings(max_examples=500, deadline=None)
@given(values)
def test_repr_is_total_and_names_the_type(value: clarity.ClarityValue) -> None:
    text = clarity_repr.repr_value(value)
    assert text
    if isinstance(value, clarity.Tuple):
        assert text.startswith("(tuple (")
