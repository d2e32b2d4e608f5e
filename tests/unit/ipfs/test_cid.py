"""CID and multibase: spec vectors both ways, every multibase, and each refusal named."""

from __future__ import annotations

import contextlib
import hashlib
import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from arbiter_app.errors import InputError
from arbiter_app.ipfs.cid import CID, DAG_PB, RAW
from arbiter_app.ipfs.errors import CidError, UnsupportedCodec, UnsupportedHash
from arbiter_app.ipfs.multibase import decode_varint, encode_varint

DATA = json.loads((Path(__file__).parents[2] / "data" / "ipfs" / "cids.json").read_text())


@pytest.mark.parametrize("vector", DATA["valid"], ids=lambda v: v["text"][:16])
def test_spec_vectors_round_trip(vector: dict[str, object]) -> None:
    cid = CID.parse(str(vector["text"]))
    assert (cid.version, cid.codec) == (vector["version"], vector["codec"])
    assert bytes(cid).hex() == vector["hex"]
    assert str(cid) == vector["text"]
    assert CID.from_bytes(bytes(cid)) == cid


@pytest.mark.parametrize("vector", DATA["other_bases"], ids=lambda v: v["text"][:16])
def test_base58_cidv1(vector: dict[str, str]) -> None:
    cid = CID.parse(vector["text"])
    assert bytes(cid).hex() == vector["hex"] and cid.encode("z") == vector["text"]


@pytest.mark.parametrize("prefix", ["b", "B", "z", "f", "k", "m", "u"])
def test_every_multibase_parses_to_the_same_cid(prefix: str) -> None:
    cid = CID.raw_sha256(hashlib.sha256(b"hello world").digest())
    text = cid.encode(prefix)
    assert text[0] == prefix and CID.parse(text) == cid
    if prefix in "bfk":
        assert CID.parse(text[0].upper() + text[1:].upper()) == cid


def test_raw_sha256_is_the_bafkrei_form() -> None:
    digest = hashlib.sha256(b"hello world").digest()
    assert (
        str(CID.raw_sha256(digest)) == "bafkreifzjut3te2nhyekklss27nh3k72ysco7y32koao5eei66wof36n5e"
    )


@pytest.mark.parametrize(
    ("text", "error"),
    [
        ("", CidError),
        ("xabc", CidError),
        ("bafkreifzjut3te2nhyekklss27nh3k72ysco7y32koao5eei66wof36n5", CidError),
        ("bAFKreifzjut3te2nhyekklss27nh3k72ysco7y32koao5eei66wof36n5e", CidError),
        ("QmbFMke1KXqnYyBBWxB74N4c5SBnJMVAiMNRcGu6x1AwQ0", CidError),
        ("z" + "QmbFMke1KXqnYyBBWxB74N4c5SBnJMVAiMNRcGu6x1AwQH", CidError),
        (CID(2, RAW, b"\x12\x20" + bytes(32)).encode(), CidError),
        (CID(1, RAW, b"\x16\x20" + bytes(32)).encode(), UnsupportedHash),
        (CID(1, RAW, b"\xa0\xe4\x02\x20" + bytes(32)).encode(), UnsupportedHash),
        (CID(1, RAW, b"\x12\x14" + bytes(20)).encode(), UnsupportedHash),
        (CID(1, RAW, b"\x00\x81\x01" + bytes(129)).encode(), UnsupportedHash),
        (CID(1, 0x0129, b"\x12\x20" + bytes(32)).encode(), UnsupportedCodec),
    ],
    ids=[
        "empty",
        "unknown-prefix",
        "cut-short",
        "mixed-case-base32",
        "base58-zero-char",
        "multibase-wrapped-v0",
        "version-2",
        "sha3-256",
        "blake2b-256",
        "truncated-sha256",
        "identity-129-bytes",
        "dag-json-codec",
    ],
)
def test_bad_cids_are_refused_with_a_named_error(text: str, error: type[InputError]) -> None:
    with pytest.raises(error):
        CID.parse(text)


def test_identity_up_to_128_bytes_is_accepted() -> None:
    cid = CID(1, DAG_PB, b"\x00\x80\x01" + bytes(128))
    assert CID.parse(cid.encode()) == cid


@pytest.mark.parametrize(
    "raw", [b"\x80\x00", b"\xff" * 10, b"\x80"], ids=["non-minimal", "too-long", "cut"]
)
def test_bad_varints(raw: bytes) -> None:
    with pytest.raises(CidError):
        decode_varint(raw)


@settings(max_examples=300, deadline=None)
@given(st.integers(min_value=0, max_value=(1 << 63) - 1))
def test_varint_round_trip(value: int) -> None:
    assert decode_varint(encode_varint(value)) == (value, len(encode_varint(value)))


@settings(max_examples=500, deadline=None)
@given(st.binary(max_size=80))
def test_binary_cid_decoding_is_total(data: bytes) -> None:
    try:
        cid = CID.from_bytes(data, strict=False)
    except InputError:
        return
    assert bytes(cid) == data


@settings(max_examples=500, deadline=None)
@given(st.text(max_size=70))
def test_text_cid_parsing_is_total(text: str) -> None:
    with contextlib.suppress(InputError):
        CID.parse(text)
