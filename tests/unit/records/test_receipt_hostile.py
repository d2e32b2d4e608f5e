"""``receipt verify`` against hostile receipts: JSON edge cases, receipts signed by a
self-bound key whose fields make no sense, the identity left unchecked, and a receipt of
another chain checked online.

A forged receipt here is made the way an attacker holding their own key would: the body and
the logged entries are changed together, the Merkle proofs recomputed under a checkpoint
re-signed with the log key, and the body signed again by the arbiter's key — so every
signature holds and only the sense checks can refuse it.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from arbiter_app import config
from arbiter_app.cli import main
from arbiter_app.decisionlog import merkle
from arbiter_app.decisionlog.canonical import canonical_json
from arbiter_app.decisionlog.checkpoint import sign_checkpoint
from arbiter_app.errors import VerificationError
from arbiter_app.records import receipt as receipts
from arbiter_app.services import receipts as receipts_room
from arbiter_app.store import log, rows
from arbiter_app.store.db import Store
from tests.fixtures.store import T0, session_on
from tests.unit.records.test_receipt import KEY, executed_case, software_signer

Change = Callable[[dict[str, Any], dict[str, dict[str, Any]]], None]


@pytest.fixture
def signer() -> Any:
    return software_signer(KEY)


def forge(store: Store, signer: Any, change: Change) -> str:
    """A receipt whose body and logged entries ``change`` rewrote, with every proof and
    signature made again by the arbiter's own keys."""
    executed_case(store, signer)
    view = log.view(store, log.checkpoint(store, now=T0 + 20), invoice_id=1)
    body = receipts.build(rows.load_case(store, 1), view, network="devnet",
                          chain_id=signer.network.chain_id, now=T0 + 20,
                          escrow_contract=config.Settings().escrow_contract, sla_hours=72)
    items = body["log"]["entries"]
    change(body, {item["entry"]["kind"]: item["entry"] for item in items})
    size = body["log"]["checkpoint"]["size"]
    leaves = [e.leaf for e in log.entries(store, end=size)]
    for item in items:
        leaves[item["entry"]["index"]] = merkle.leaf_hash(canonical_json(item["entry"]))
    tree = merkle.Tree(leaves)
    for item in items:
        item["proof"] = [base64.b64encode(h).decode()
                         for h in tree.inclusion_proof(item["entry"]["index"], size)]
    cp = sign_checkpoint(log.private_key(store), size, tree.root(), T0 + 20)
    body["log"]["checkpoint"] = cp.to_json()
    rsv = signer.sign_structured_message(*receipts.signed_message(body), None)
    return canonical_json({"receipt": body, "signature": {"address": signer.address(),
                                                          "rsv": rsv.hex()}}).decode()


def both(field: str, value: Any) -> Change:
    """Set a receipt field and the logged entry field it must agree with."""
    kind, key = receipts.LOGGED_FIELDS[field]

    def change(body: dict[str, Any], entries: dict[str, dict[str, Any]]) -> None:
        body[field] = value
        entries[kind]["data"][key] = value
    return change


def body_only(field: str, value: Any) -> Change:
    return lambda body, entries: body.__setitem__(field, value)


NONSENSE: dict[str, tuple[Change, str]] = {
    "ruling-steal": (both("ruling", "steal"), "'ruling' must be release, refund or split"),
    "amount-negative": (both("amount", -5), "'amount' must be a whole number of at least 1"),
    "amount-zero": (both("amount", 0), "'amount'"),
    "amount-as-text": (both("amount", "100"), "'amount'"),
    "block-height-negative": (both("block_height", -1), "'block_height'"),
    "network-mainnet-with-testnet-chain-id": (body_only("network", "mainnet"),
                                              "'chain_id' .* is not the chain id of mainnet"),
    "network-unknown": (body_only("network", "moonnet"), "'network' must be one of"),
    "payee-mainnet-address-on-devnet": (both("payee", "SP2J6ZY48GV1EZ5V2V5RB9MP66SW86PYKKNRV9EJ7"),
                                        "'payee' .* another network"),
    "txid-uppercase": (both("txid", "7A" * 32), "'txid' must be 64 lowercase hex"),
    "token-an-account": (both("token", "ST1SJ3DTE5DN7X54YDH5D64R3BCB6A2AG2ZQ8YPD5"),
                         "'token' must name a contract"),
    "split-without-its-award": (both("ruling", "split"), "field\\(s\\) award are unknown, missing"),
}


@pytest.mark.parametrize("attack", sorted(NONSENSE))
def test_self_signed_receipt_with_nonsense_field_is_refused(
    fresh_store: Store, signer: Any, attack: str
) -> None:
    change, message = NONSENSE[attack]
    document = forge(fresh_store, signer, change)
    with pytest.raises(VerificationError, match=message):
        receipts.verify(document, arbiter=signer.address())


@pytest.mark.parametrize("data", [["decision", "release"], "release", None],
                         ids=["data-as-list", "data-as-string", "data-null"])
def test_self_signed_receipt_whose_entry_data_is_not_an_object_exits_1(
    fresh_store: Store, signer: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str],
    data: Any,
) -> None:
    def change(body: dict[str, Any], entries: dict[str, dict[str, Any]]) -> None:
        entries["rationale-published"]["data"] = data
    path = tmp_path / "receipt.json"
    path.write_text(forge(fresh_store, signer, change))
    assert main(["receipt", "verify", str(path), "--arbiter", signer.address()]) == 1
    err = capsys.readouterr().err
    assert "'rationale-published' log entry has 'data' that is not an object" in err


EDGE_DOCUMENTS = {
    "nan": ('{"receipt":NaN,"signature":{}}', "NaN"),
    "infinity": ('{"receipt":Infinity,"signature":{}}', "Infinity"),
    "1e999": ('{"receipt":{"amount":1e999},"signature":{}}', "too large"),
    "nesting-200k-deep": ("[" * 200_000 + "]" * 200_000, "nested too deeply"),
    "lone-surrogate": ('{"receipt":"\\udc00","signature":{}}', "lone surrogate"),
    "huge-integer": ('{"receipt":' + "7" * 5000 + "}", "not valid JSON"),
}


@pytest.mark.parametrize("name", sorted(EDGE_DOCUMENTS))
def test_json_edge_case_receipt_exits_1_with_the_reason(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], name: str
) -> None:
    text, reason = EDGE_DOCUMENTS[name]
    path = tmp_path / "receipt.json"
    path.write_text(text)
    assert main(["receipt", "verify", str(path)]) == 1
    err = capsys.readouterr().err
    assert "the receipt: " in err and reason in err and "unexpected" not in err


def test_receipt_by_a_self_bound_key_without_arbiter_says_who_signed_and_exits_1(
    fresh_store: Store, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    stranger = software_signer(bytes(31) + b"\x07")
    executed_case(fresh_store, stranger)
    path = tmp_path / "receipt.json"
    path.write_text(receipts_room.issue_receipt(session_on(fresh_store, stranger), 1, T0 + 20))
    assert main(["receipt", "verify", str(path)]) == 1
    err = capsys.readouterr().err
    assert f"NOT VERIFIED: the receipt is intact and signed by {stranger.address()}" in err
    assert "--arbiter ADDRESS or --online" in err
    assert main(["receipt", "verify", str(path), "--arbiter", stranger.address()]) == 0


def test_online_check_of_a_receipt_from_another_chain_gives_one_verdict_exit_1(
    fresh_store: Store, signer: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    executed_case(fresh_store, signer)
    path = tmp_path / "receipt.json"
    path.write_text(receipts_room.issue_receipt(session_on(fresh_store, signer), 1, T0 + 20))
    config.save(config.from_dict({"network": "mainnet"}))
    assert main(["receipt", "verify", str(path), "--online"]) == 1
    err = capsys.readouterr().err
    assert "chain id 2147483648, but the settings use mainnet" in err
    assert "ok" not in err.split()  and err.count("\n") == 1


def test_receipt_fixture_is_canonical_json(fresh_store: Store, signer: Any) -> None:
    document = forge(fresh_store, signer, lambda body, entries: None)
    assert receipts.verify(document, arbiter=signer.address()).invoice_id == 1
    assert json.loads(document)["receipt"]["network"] == "devnet"
