"""SIP-018 structured data: the SIP's test vectors, signing, recovery and refusals."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from arbiter_app import config
from arbiter_app.errors import VerificationError
from arbiter_app.stacks import clarity, sip018
from tests.fixtures.stacks_random import values

V = json.loads((Path(__file__).parents[2] / "data/stacks/vectors.json").read_text())["sip018"]
N = 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141
DOMAIN = sip018.make_domain(V["domain"]["name"], V["domain"]["version"], V["domain"]["chain_id"])
HELLO = clarity.StringAscii("Hello World")
KEY = bytes.fromhex(V["private_key"])


def test_sip_vectors() -> None:
    assert clarity.serialize(DOMAIN).hex() == V["domain_hex"]
    assert sip018.structured_data_hash(DOMAIN).hex() == V["domain_hash"]
    assert sip018.structured_data_hash(HELLO).hex() == V["hello_world_hash"]
    assert sip018.structured_data_hash(clarity.StringAscii("")).hex() == V["empty_hash"]
    assert sip018.message_hash(DOMAIN, HELLO).hex() == V["message_hash"]
    assert sip018.sign_with_private_key(DOMAIN, HELLO, KEY).hex() == V["signature_rsv"]
    testnet = sip018.make_domain("Test App", "1.0.0", config.TESTNET.chain_id)
    assert sip018.structured_data_hash(testnet).hex() == V["testnet_domain_hash"]


def test_signature_recovers_and_verifies() -> None:
    sig = bytes.fromhex(V["signature_rsv"])
    assert sip018.recover_address(DOMAIN, HELLO, sig, config.TESTNET) == V["address"]
    assert sip018.verify(DOMAIN, HELLO, sig, V["address"])
    assert sip018.recover_public_key(DOMAIN, HELLO, sig) == (
        bytes.fromhex("0390a5cac7c33fda49f70bc1b0866fa0ba7a9440d9de647fecb8132ceb76a94dfa")
    )


def _high_s(sig: bytes) -> bytes:
    s = int.from_bytes(sig[32:64], "big")
    return sig[:32] + (N - s).to_bytes(32, "big") + bytes([sig[64] ^ 1])


SIG = bytes.fromhex(V["signature_rsv"])


@pytest.mark.parametrize(
    ("domain", "message", "sig", "address"),
    [
        (DOMAIN, clarity.StringAscii("Hello World!"), SIG, V["address"]),
        (sip018.make_domain("Test App", "1.0.0", 2147483648), HELLO, SIG, V["address"]),
        (DOMAIN, HELLO, SIG, "ST2J6ZY48GV1EZ5V2V5RB9MP66SW86PYKKQYAC0RQ"),
        (DOMAIN, HELLO, _high_s(SIG), V["address"]),
        (DOMAIN, HELLO, SIG[:64], V["address"]),
        (DOMAIN, HELLO, SIG[:64] + b"\x07", V["address"]),
        (DOMAIN, HELLO, bytes(65), V["address"]),
    ],
    ids=[
        "other-message",
        "other-chain",
        "other-address",
        "high-s",
        "64-bytes",
        "recovery-id-7",
        "all-zero",
    ],
)
def test_verify_says_no(
    domain: clarity.Tuple, message: clarity.ClarityValue, sig: bytes, address: str
) -> None:
    assert not sip018.verify(domain, message, sig, address)


def test_recover_refuses_a_high_s_signature() -> None:
    with pytest.raises(VerificationError, match="high S"):
        sip018.recover_public_key(DOMAIN, HELLO, _high_s(SIG))


@settings(max_examples=500, deadline=None)
@given(values, st.integers(1, 2**256 - 2**129))
def test_sign_then_verify(message: clarity.ClarityValue, secret: int) -> None:
    key = secret.to_bytes(32, "big")
    sig = sip018.sign_with_private_key(DOMAIN, message, key)
    address = sip018.recover_address(DOMAIN, message, sig, config.MAINNET)
    assert sip018.verify(DOMAIN, message, sig, address)
    expected = hashlib.sha256(
        b"SIP018"
        + hashlib.sha256(clarity.serialize(DOMAIN)).digest()
        + hashlib.sha256(clarity.serialize(message)).digest()
    ).digest()
    assert sip018.message_hash(DOMAIN, message) == expected
