"""Transactions: the reference vectors, sighash chain, signing and verification, post-conditions,
decoded-only payloads, the review JSON, and round-trip properties."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import Any

import coincurve
import pytest
from hypothesis import given, settings

from arbiter_app import config
from arbiter_app.errors import DecodeError, VerificationError
from arbiter_app.stacks import clarity, clarity_wire, postconditions, transaction
from arbiter_app.stacks.clarity import InvalidValue
from arbiter_app.stacks.clarity_wire import Reader
from tests.fixtures.stacks_random import signed_calls

VECTORS = json.loads((Path(__file__).parents[2] / "data/stacks/vectors.json").read_text())
CALL = VECTORS["contract_call"]
N = 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141


def _call(post_conditions: tuple[Any, ...] = ()) -> transaction.Transaction:
    return transaction.make_contract_call(
        config.TESTNET,
        CALL["contract_id"],
        CALL["function_name"],
        [clarity_wire.from_hex(a) for a in CALL["args"]],
        bytes.fromhex(CALL["public_key"]),
        nonce=CALL["nonce"],
        fee=CALL["fee"],
        post_conditions=post_conditions,
    )


def _vector_post_conditions() -> tuple[Any, ...]:
    out: list[Any] = []
    for case in VECTORS["post_conditions"]["cases"][:6]:
        asset = VECTORS["post_conditions"]["asset"]
        if case["type"] == "stx":
            out.append(
                transaction.StxPostCondition(case["principal"], case["condition"], case["amount"])
            )
        elif case["type"] == "ft":
            out.append(
                transaction.FungiblePostCondition(
                    case["principal"], asset, case["condition"], case["amount"]
                )
            )
        else:
            out.append(
                transaction.NonFungiblePostCondition(
                    case["principal"], asset, clarity_wire.from_hex(case["asset_id"]),
                    case["condition"],
                )
            )
    return tuple(out)


def test_contract_call_vector_through_the_whole_sighash_chain() -> None:
    unsigned = _call()
    assert transaction.initial_sighash(unsigned).hex() == CALL["initial_sighash"]
    assert transaction.presign_sighash(unsigned).hex() == CALL["presign_sighash"]
    signed = transaction.sign_with_private_key(unsigned, bytes.fromhex(CALL["private_key"]))
    assert transaction.serialize(signed).hex() == CALL["signed"]
    assert transaction.postsign_sighash(signed).hex() == CALL["postsign_sighash"]
    assert transaction.txid(signed) == CALL["txid"]
    assert transaction.sender_address(signed) == CALL["sender"]
    assert transaction.recover_public_key(signed).hex() == CALL["public_key"]
    assert transaction.deserialize(bytes.fromhex(CALL["signed"])) == signed


def test_contract_call_with_the_six_post_conditions_vector() -> None:
    signed = transaction.sign_with_private_key(
        _call(_vector_post_conditions()), bytes.fromhex(CALL["private_key"]) + b"\x01"
    )
    assert signed.auth.signature.hex() == CALL["with_post_conditions_signature"]
    raw = transaction.serialize(signed).hex()
    assert "00000006" + "".join(c["hex"] for c in VECTORS["post_conditions"]["cases"][:6]) in raw
    assert transaction.deserialize(bytes.fromhex(raw)) == signed


@pytest.mark.parametrize("case", VECTORS["post_conditions"]["cases"], ids=lambda c: c["hex"][:24])
def test_post_condition_vectors_decode_and_reencode(case: dict[str, Any]) -> None:
    pc = postconditions.decode(Reader(bytes.fromhex(case["hex"])))
    assert postconditions.encode(pc).hex() == case["hex"]
    assert pc.principal == case["principal"] and pc.condition == case["condition"]
    assert getattr(pc, "amount", None) == case.get("amount")


def test_ledger_mainnet_vector_signature_verifies() -> None:
    v = VECTORS["ledger_mainnet"]
    unsigned = transaction.deserialize(bytes.fromhex(v["unsigned"]))
    assert transaction.initial_sighash(unsigned).hex() == v["initial_sighash"]
    assert transaction.presign_sighash(unsigned).hex() == v["presign_sighash"]
    assert not unsigned.signed and unsigned.mainnet and unsigned.chain_id == 1
    signed = transaction.attach_signature(unsigned, bytes.fromhex(v["vrs"]))
    assert transaction.recover_public_key(signed).hex() == v["public_key"]
    assert transaction.sender_address(signed) == v["sender"]
    assert transaction.postsign_sighash(signed).hex() == v["postsign_sighash"]
    assert transaction.txid(signed) == v["txid"]


def test_sbtc_transfer_vector_sighashes() -> None:
    v = VECTORS["sbtc_transfer"]
    sender = bytes.fromhex("a46ff88886c2ef9762d970b4d2c63678835bd39d")
    (pc,) = [c for c in VECTORS["post_conditions"]["cases"] if c["principal"].startswith("SP2J")]
    unsigned = transaction.Transaction(
        0x00,
        1,
        transaction.SpendingCondition(0, sender, 5, 3000, 0),
        transaction.AnchorMode.ANY,
        transaction.DENY,
        (postconditions.decode(Reader(bytes.fromhex(pc["hex"]))),),
        transaction.deserialize_payload(bytes.fromhex(v["payload"])),
    )
    assert transaction.payload_bytes(unsigned).hex() == v["payload"]
    assert len(transaction.serialize(unsigned)) == 298
    assert transaction.initial_sighash(unsigned).hex() == v["initial_sighash"]
    assert transaction.presign_sighash(unsigned).hex() == v["presign_sighash"]


def _signed() -> transaction.Transaction:
    return transaction.sign_with_private_key(_call(), bytes.fromhex(CALL["private_key"]))


def test_high_s_signature_is_refused() -> None:
    signed = _signed()
    vrs = signed.auth.signature
    s = int.from_bytes(vrs[33:], "big")
    flipped = bytes([vrs[0] ^ 1]) + vrs[1:33] + (N - s).to_bytes(32, "big")
    high = transaction.attach_signature(signed, flipped)
    with pytest.raises(VerificationError, match="high S"):
        transaction.recover_public_key(high)
    assert not transaction.describe(high)["signature_valid"]


@pytest.mark.parametrize(
    "change",
    [
        lambda a: dataclasses.replace(a, fee=a.fee + 1),
        lambda a: dataclasses.replace(a, nonce=2),
        lambda a: dataclasses.replace(a, signer=bytes(20)),
        lambda a: dataclasses.replace(a, signature=bytes(65)),
    ],
    ids=["fee-changed", "nonce-changed", "other-signer", "unsigned"],
)
def test_changed_or_unsigned_transactions_do_not_verify(change: Any) -> None:
    signed = _signed()
    changed = dataclasses.replace(signed, auth=change(signed.auth))
    with pytest.raises(VerificationError):
        transaction.recover_public_key(changed)


def test_signing_with_the_wrong_key_is_refused() -> None:
    with pytest.raises(VerificationError, match="sender"):
        transaction.sign_with_private_key(_call(), b"\x01" * 32)


@pytest.mark.parametrize(
    "vrs", [b"\x00" * 64, b"\x04" + b"\x01" * 64], ids=["64-bytes", "recovery-id-4"]
)
def test_attach_signature_refuses_malformed_signatures(vrs: bytes) -> None:
    with pytest.raises(InvalidValue):
        transaction.attach_signature(_call(), vrs)


def test_the_network_binds_version_chain_id_and_address() -> None:
    key = bytes.fromhex(CALL["private_key"])
    public = coincurve.PrivateKey(key).public_key.format()
    for net, prefix in ((config.MAINNET, "SP"), (config.TESTNET, "ST"), (config.DEVNET, "ST")):
        tx = transaction.make_contract_call(net, CALL["contract_id"], "f", [], public, 0, 0)
        raw = transaction.serialize(tx)
        assert raw[0] == net.tx_version and int.from_bytes(raw[1:5], "big") == net.chain_id
        assert transaction.sender_address(tx).startswith(prefix)


def test_uncompressed_keys_and_p2wpkh_senders() -> None:
    key = bytes.fromhex(CALL["private_key"])
    public = coincurve.PrivateKey(key).public_key.format(compressed=False)
    tx = transaction.make_contract_call(config.MAINNET, CALL["contract_id"], "f", [], public, 0, 0)
    signed = transaction.sign_with_private_key(tx, key)
    assert signed.auth.key_encoding == 1 and transaction.recover_public_key(signed) == public
    wpkh = dataclasses.replace(tx, auth=dataclasses.replace(tx.auth, hash_mode=2))
    assert transaction.sender_address(wpkh).startswith("SM")


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"contract_id": "no-dot"}, "contract id"),
        ({"public_key": b"\x02" * 32}, "public key"),
        ({"nonce": -1}, "nonce"),
        ({"fee": 2**64}, "fee"),
        ({"function_name": "9f"}, "function"),
        ({"contract_id": CALL["sender"] + "." + "a" * 41}, "contract name"),
    ],
    ids=["no-dot", "short-key", "negative-nonce", "fee-over-u64", "bad-function", "name-41"],
)
def test_make_contract_call_refuses_bad_parts(kwargs: dict[str, Any], match: str) -> None:
    args: dict[str, Any] = {
        "network": config.TESTNET,
        "contract_id": CALL["contract_id"],
        "function_name": "f",
        "args": [],
        "public_key": bytes.fromhex(CALL["public_key"]),
        "nonce": 0,
        "fee": 0,
    }
    with pytest.raises(InvalidValue, match=match):
        transaction.make_contract_call(**{**args, **kwargs})


def test_token_transfer_and_smart_contract_payloads_decode() -> None:
    head = bytes.fromhex(CALL["signed"])[:115]  # version .. post-condition count (zero)
    recipient = clarity.principal("SP2J6ZY48GV1EZ5V2V5RB9MP66SW86PYKKNRV9EJ7")
    transfer = (
        b"\x00" + clarity.serialize(recipient) + (12345).to_bytes(8, "big") + b"hi".ljust(34, b"\0")
    )
    tx = transaction.deserialize(head + transfer)
    assert tx.payload == transaction.TokenTransfer(recipient, 12345, b"hi".ljust(34, b"\0"))
    assert transaction.describe(tx)["payload"] == {
        "type": "token_transfer",
        "recipient": str(recipient),
        "amount": 12345,
        "memo": "6869",
    }
    code = b"(define-data-var x uint u1)\n"
    for body, version in ((b"\x01", None), (b"\x06\x02", 2)):
        deploy = body + b"\x03abc" + len(code).to_bytes(4, "big") + code
        tx = transaction.deserialize(head + deploy)
        assert tx.payload == transaction.SmartContract("abc", code.decode(), version)
        assert transaction.serialize(tx) == head + deploy


def test_describe_is_the_review_document() -> None:
    pcs = _vector_post_conditions()
    signed = transaction.sign_with_private_key(_call(pcs), bytes.fromhex(CALL["private_key"]))
    doc = transaction.describe(signed)
    assert doc["txid"] == transaction.txid(signed) and doc["signature_valid"] is True
    assert (doc["network"], doc["version"], doc["chain_id"]) == ("testnet", 0x80, 0x80000000)
    assert (doc["sender"], doc["nonce"], doc["fee"]) == (CALL["sender"], 1, 0)
    assert (doc["anchor_mode"], doc["post_condition_mode"]) == ("any", "deny")
    assert doc["payload"] == {
        "type": "contract_call",
        "contract_id": CALL["contract_id"],
        "function_name": "get-value",
        "args": [{"repr": "0x666f6f", "hex": "0x0200000003666f6f"}],
    }
    first = doc["post_conditions"][0]  # type: ignore[index]
    assert first["text"] == (
        "ST1EXHZSN8MJSJ9DSG994G1V8CNKYXGMK7Z4SA6DH sends at least 10 µSTX (0.000010 STX)"
    )
    assert doc["post_conditions"][4]["text"].endswith(
        "does not send "  # type: ignore[index]
        "ST34RKEJKQES7MXQFBT29KSJZD73QK3YNT5N56C6X.test-asset-contract::test-asset-name "
        "0x746f6b656e2d61737365742d6e616d65"
    )
    json.dumps(doc)


@pytest.mark.parametrize(
    "make",
    [
        lambda: transaction.StxPostCondition("origin", "sent", 1),
        lambda: transaction.StxPostCondition("origin", "eq", 2**64),
        lambda: transaction.FungiblePostCondition(
            "origin", "SP000000000000000000002Q6VF78::x", "eq", 1
        ),
        lambda: transaction.FungiblePostCondition("origin", CALL["contract_id"], "eq", 1),
        lambda: transaction.NonFungiblePostCondition(
            "origin", CALL["contract_id"] + "::x", clarity.NONE, "eq"
        ),
        lambda: transaction.StxPostCondition("nobody", "eq", 1),
    ],
    ids=[
        "stx-with-nft-code",
        "amount-over-u64",
        "asset-not-a-contract",
        "asset-without-name",
        "nft-with-amount-code",
        "principal-not-an-address",
    ],
)
def test_bad_post_conditions_are_refused(make: Any) -> None:
    with pytest.raises((InvalidValue, DecodeError)):
        make()


@settings(max_examples=500, deadline=None)
@given(signed_calls())
def test_round_trip_and_signature(tx: transaction.Transaction) -> None:
    raw = transaction.serialize(tx)
    decoded = transaction.deserialize(raw)
    assert decoded == tx and transaction.serialize(decoded) == raw
    assert transaction.txid(decoded) == transaction.txid(tx)
    assert transaction.describe(decoded)["signature_valid"] is True


def test_p2wpkh_signer_is_the_wrapped_witness_program() -> None:
    public = bytes.fromhex(CALL["public_key"])
    # stacks.js 7.6 addressFromPublicKeys(0, P2WPKH, 1, [key]).hash160 for this key; the interop
    # run compares signer_hash with stacks.js for 200 more keys
    signer = bytes.fromhex("ea17f241279ecb9310aae936e97344c6a78d00a1")
    assert transaction.signer_hash(2, public) == signer
    unsigned = _call()
    wpkh = dataclasses.replace(
        unsigned, auth=dataclasses.replace(unsigned.auth, hash_mode=2, signer=signer)
    )
    signed = transaction.sign_with_private_key(wpkh, bytes.fromhex(CALL["private_key"]))
    assert transaction.recover_public_key(signed) == public
    assert transaction.deserialize(transaction.serialize(signed)) == signed
    assert transaction.sender_address(signed).startswith("SN")


@pytest.mark.parametrize(
    ("pc", "hexdata", "text"),
    [
        (
            transaction.StakingPostCondition("origin", "lte", 5_000_000),
            "030105" + "00000000004c4b40",
            "the sender (origin) stakes at most 5000000 µSTX (5.000000 STX)",
        ),
        (
            transaction.PoxPostCondition("origin", "will-not-perform"),
            "040130",
            "the sender (origin) will not perform a PoX operation",
        ),
    ],
    ids=["staking", "pox"],
)
def test_epoch_4_post_conditions_decode_and_show(pc: Any, hexdata: str, text: str) -> None:
    # docs/stacks.md §3.3: staking = principal, fungible code, u64; pox = principal, pox code.
    assert postconditions.encode(pc).hex() == hexdata
    assert postconditions.decode(Reader(bytes.fromhex(hexdata))) == pc
    assert postconditions.describe(pc)["text"] == text
