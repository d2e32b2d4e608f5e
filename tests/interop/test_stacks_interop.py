"""Byte-for-byte agreement of the Stacks codecs with stacks.js (@stacks/transactions 7.6).

Both directions, in the same run, from one printed seed (``tests/fixtures/stacks.py``):
stacks.js's random values, signed contract calls and SIP-018 hashes decode here and
re-encode to the same bytes, txids and addresses, and its signatures verify here; Python's
random values and transactions are rebuilt by stacks.js from their descriptions to the same
bytes (signatures included: both sides sign with RFC 6979), and stacks.js's decoder and
signature verifier accept Python's signed transactions.
"""

from __future__ import annotations

from typing import Any

import pytest

from arbiter_app import config
from arbiter_app.stacks import clarity, clarity_repr, clarity_wire, sip018, transaction
from arbiter_app.stacks.clarity import ClarityDecodeError
from tests.fixtures.stacks import SIP018, TXS, VALUES, Interop, run_stacks_js


def _principals(value: clarity.ClarityValue) -> list[str]:
    """Principal texts depth-first, tuple fields in key order (as the script lists them)."""
    if isinstance(value, (clarity.StandardPrincipal, clarity.ContractPrincipal)):
        return [str(value)]
    if isinstance(value, (clarity.Ok, clarity.Err, clarity.Some)):
        return _principals(value.value)
    if isinstance(value, clarity.List):
        return [p for item in value.items for p in _principals(item)]
    if isinstance(value, clarity.Tuple):
        return [p for k in sorted(value.fields) for p in _principals(value.fields[k])]
    return []


def _same_review(doc: dict[str, Any], js: dict[str, Any]) -> None:
    """``tx decode``'s fields equal what stacks.js's decoder reads from the same bytes."""
    modes = {1: "allow", 2: "deny", 3: "originator"}
    assert (doc["version"], doc["chain_id"]) == (js["version"], js["chain_id"])
    assert (str(doc["nonce"]), str(doc["fee"])) == (js["nonce"], js["fee"])
    assert (
        doc["anchor_mode"] == {1: "on-chain-only", 2: "off-chain-only", 3: "any"}[js["anchor_mode"]]
    )
    assert doc["post_condition_mode"] == modes[js["post_condition_mode"]]
    assert len(doc["post_conditions"]) == js["post_conditions"]
    payload = doc["payload"]
    assert (payload["contract_id"], payload["function_name"]) == (
        js["contract_id"],
        js["function_name"],
    )
    assert [a["hex"] for a in payload["args"]] == ["0x" + a for a in js["args"]]
    assert doc["signature_valid"] is True


def test_stacks_js_values_decode_and_reencode_identically(stacks_interop: Interop) -> None:
    generated = stacks_interop.answer["generated"]["values"]
    assert len(generated) >= VALUES
    for item in generated:
        value = clarity_wire.from_hex(item["hex"])
        assert clarity.serialize(value).hex() == item["hex"], stacks_interop.seed
        assert _principals(value) == item["principals"], stacks_interop.seed


def test_python_values_are_built_identically_by_stacks_js(stacks_interop: Interop) -> None:
    checked = stacks_interop.answer["checked"]["values"]
    assert len(checked) == len(stacks_interop.values) >= VALUES
    for (value, _), answer in zip(stacks_interop.values, checked, strict=True):
        ours = clarity.serialize(value).hex()
        assert answer["built"] == ours, (stacks_interop.seed, clarity_repr.repr_value(value))
        assert answer["reserialized"] == ours, stacks_interop.seed


def test_stacks_js_transactions_decode_verify_and_reencode(stacks_interop: Interop) -> None:
    generated = stacks_interop.answer["generated"]["txs"]
    assert len(generated) >= TXS
    networks = set()
    for item in generated:
        tx = transaction.deserialize(bytes.fromhex(item["hex"]))
        assert transaction.serialize(tx).hex() == item["hex"], stacks_interop.seed
        assert transaction.txid(tx) == item["txid"]
        assert transaction.sender_address(tx) == item["sender"]
        assert transaction.recover_public_key(tx).hex() == item["public_key"]
        assert tx.mainnet == (item["network"] == "mainnet")
        assert tx.chain_id == (config.MAINNET if tx.mainnet else config.TESTNET).chain_id
        networks.add(item["network"])
        _same_review(transaction.describe(tx), item["review"])
    assert networks == {"mainnet", "testnet"}
    modes, kinds, codes = set(), set(), set()
    for item in generated:
        tx = transaction.deserialize(bytes.fromhex(item["hex"]))
        assert tx.post_conditions, "every generated call carries post-conditions"
        modes.add(tx.post_condition_mode)
        kinds |= {type(pc).__name__ for pc in tx.post_conditions}
        codes |= {pc.condition for pc in tx.post_conditions}
        codes |= {pc.principal[:6] for pc in tx.post_conditions if pc.principal == "origin"}
    assert modes == set(transaction.PostConditionMode)
    assert len(kinds) == 5  # STX, fungible, non-fungible, staking, pox
    assert codes >= {"eq", "gt", "gte", "lt", "lte", "sent", "not-sent", "maybe-sent", "origin"}
    assert codes >= {"will-not-perform", "may-perform", "will-perform"}


def test_python_transactions_match_stacks_js_and_verify_there(stacks_interop: Interop) -> None:
    checked: list[dict[str, Any]] = stacks_interop.answer["checked"]["txs"]
    assert len(checked) == len(stacks_interop.txs) >= TXS
    for (tx, desc), answer in zip(stacks_interop.txs, checked, strict=True):
        ours = transaction.serialize(tx).hex()
        assert answer["built"] == ours, (stacks_interop.seed, desc["contract_id"])
        assert answer["reserialized"] == ours
        assert answer["txid"] == transaction.txid(tx)
        assert answer["sender"] == transaction.sender_address(tx)
        assert answer["verified"], answer["error"]
        public = transaction.recover_public_key(tx)
        assert transaction.signer_hash(2, public).hex() == answer["p2wpkh_signer"]
    assert {tx.mainnet for tx, _ in stacks_interop.txs} == {True, False}
    assert all(tx.post_conditions for tx, _ in stacks_interop.txs)


def test_stacks_js_structured_data_hashes_and_signatures(stacks_interop: Interop) -> None:
    generated = stacks_interop.answer["generated"]["sip018"]
    assert len(generated) >= SIP018
    for item in generated:
        domain = clarity_wire.from_hex(item["domain"])
        message = clarity_wire.from_hex(item["message"])
        assert sip018.message_hash(domain, message).hex() == item["hash"]
        signature = bytes.fromhex(item["signature"])
        assert sip018.verify(domain, message, signature, item["address"])
        network = config.MAINNET if item["chain_id"] == 1 else config.TESTNET
        assert sip018.recover_address(domain, message, signature, network) == item["address"]


def test_python_structured_data_hashes_and_signatures_match(stacks_interop: Interop) -> None:
    checked = stacks_interop.answer["checked"]["sip018"]
    assert len(checked) == len(stacks_interop.sip018) >= SIP018
    for (domain, message, key, _), answer in zip(stacks_interop.sip018, checked, strict=True):
        assert answer["hash"] == sip018.message_hash(domain, message).hex()
        assert answer["signature"] == sip018.sign_with_private_key(domain, message, key).hex()


def test_stacks_js_refuses_a_python_transaction_changed_after_signing(
    stacks_interop: Interop,
) -> None:
    # The verifier on the JS side must be able to say no, or the agreement above means little.
    signed, desc = stacks_interop.txs[0]
    changed = transaction.serialize(signed)
    fee_offset = 35  # docs/stacks.md §3.2: the fee sits at bytes 35-42 of a standard single-sig tx
    changed = (
        changed[: fee_offset + 7] + bytes([changed[fee_offset + 7] ^ 1]) + changed[fee_offset + 8 :]
    )
    (answer,) = run_stacks_js(
        {"seed": stacks_interop.seed, "check": {"txs": [{**desc, "hex": changed.hex()}]}}
    )["checked"]["txs"]
    assert not answer["verified"]
    tx = transaction.deserialize(changed)
    assert not transaction.describe(tx)["signature_valid"]


def test_mixed_case_tuple_keys_are_where_stacks_js_and_the_node_differ() -> None:
    # stacks.js sorts tuple keys with localeCompare ("a" before "B"); the node writes byte
    # order ("B" before "a"), which is what we write and what SIP-018 hashes must use. The
    # random vectors above therefore keep keys to lowercase letters, digits and "-".
    value = clarity.Tuple({"a": clarity.UInt(1), "B": clarity.UInt(2)})
    desc = {"t": "tuple", "v": {"a": {"t": "uint", "v": "1"}, "B": {"t": "uint", "v": "2"}}}
    ours = clarity.serialize(value)
    assert ours.hex().startswith("0c000000020142")  # "B" first
    (answer,) = run_stacks_js(
        {"seed": "tuple-order", "check": {"values": [{"desc": desc, "hex": ours.hex()}]}}
    )["checked"]["values"]
    assert answer["built"] != ours.hex() and answer["built"].startswith("0c000000020161")
    with pytest.raises(ClarityDecodeError, match="keys in byte order"):
        clarity_wire.from_hex(answer["built"])
