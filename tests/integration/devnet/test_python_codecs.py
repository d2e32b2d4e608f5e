"""The app's own Stacks codecs against the devnet: transactions built and signed in Python
(``arbiter_app.stacks.transaction``, keys from the devnet mnemonics) are decoded and
signature-checked by stacks.js and executed by the Clarity VM behind the devnet's API; the
txid the node answers equals the one computed here; post-conditions written in Python hold
or abort the call as the chain judges them; call-read values round-trip through the codec.
"""

from __future__ import annotations

import itertools
from typing import Any

import httpx
import pytest

from arbiter_app import config
from arbiter_app.devnet.launcher import Devnet, devnet_mnemonics
from arbiter_app.stacks import clarity, clarity_wire, transaction
from arbiter_app.stacks.postconditions import ORIGIN, FungiblePostCondition
from arbiter_app.wallet.software import SoftwareSigner

FEE = 5000
AMOUNT = 123_456
_ids = itertools.count(7000)


def _signer(role: str) -> SoftwareSigner:
    return SoftwareSigner.from_mnemonic(devnet_mnemonics()[role], config.DEVNET)


def _client(devnet: Devnet) -> httpx.Client:
    return httpx.Client(base_url=devnet.url, timeout=30, trust_env=False)


def _send(
    devnet: Devnet, role: str, function: str, args: list[Any], **kw: Any
) -> tuple[int, Any, str]:
    """Build, sign and broadcast; returns (status, body, locally computed txid)."""
    signer = _signer(role)
    with _client(devnet) as client:
        account = client.get(f"/v2/accounts/{signer.address()}", params={"proof": "0"})
        nonce = account.json()["nonce"]
        tx = transaction.make_contract_call(
            config.DEVNET, devnet.escrow_contract, function, args, signer.public_key(),
            nonce, FEE, **kw,
        )
        signed = signer.sign_transaction(tx)
        r = client.post("/v2/transactions", content=transaction.serialize(signed),
                        headers={"content-type": "application/octet-stream"})
        return r.status_code, r.json(), transaction.txid(signed)


def _read_tx(devnet: Devnet, txid: str) -> dict[str, Any]:
    with _client(devnet) as client:
        doc: dict[str, Any] = client.get(f"/extended/v3/transactions/0x{txid}",
                                         params={"include": "result"}).json()
        return doc


def _call_read(devnet: Devnet, contract: str, function: str, args: list[Any]) -> Any:
    address, name = contract.split(".")
    arguments = [clarity.to_hex(a) for a in args]
    body = {"sender": devnet.accounts["arbiter_1"], "arguments": arguments}
    with _client(devnet) as client:
        doc = client.post(f"/v2/contracts/call-read/{address}/{name}/{function}", json=body).json()
    assert doc["okay"] is True
    return clarity_wire.from_hex(doc["result"])


def _create_invoice(devnet: Devnet, payer: str) -> int:
    invoice_id = next(_ids)
    with _client(devnet) as client:
        tip = client.get("/v2/info").json()["stacks_tip_height"]
    args = [
        clarity.UInt(invoice_id), clarity.principal(devnet.accounts["payee_1"]),
        clarity.UInt(AMOUNT),
        clarity.principal(f"{devnet.accounts['deployer']}.sbtc-token"),
        clarity.principal(devnet.accounts["arbiter_1"]), clarity.UInt(tip + 100), clarity.NONE,
    ]
    status, body, txid = _send(devnet, payer, "create-invoice", args)
    assert (status, body) == (200, txid)
    record = _read_tx(devnet, txid)
    assert record["status"] == "success"
    assert record["result"]["repr"] == f"(ok u{invoice_id})"
    assert clarity_wire.from_hex(record["result"]["hex"]) == clarity.Ok(clarity.UInt(invoice_id))
    return invoice_id


def _balance(devnet: Devnet, role: str) -> Any:
    token = f"{devnet.accounts['deployer']}.sbtc-token"
    return _call_read(devnet, token, "get-balance", [clarity.principal(devnet.accounts[role])])


def test_a_python_built_call_is_accepted_with_the_txid_computed_here(devnet: Devnet) -> None:
    invoice_id = _create_invoice(devnet, "payer_3")
    invoice = _call_read(devnet, devnet.escrow_contract, "get-invoice", [clarity.UInt(invoice_id)])
    assert isinstance(invoice, clarity.Some)
    assert invoice.value["payer"] == clarity.principal(devnet.accounts["payer_3"])
    assert invoice.value["amount"] == clarity.UInt(AMOUNT)


@pytest.mark.parametrize(
    ("condition", "amount", "status"),
    [("eq", AMOUNT, "success"), ("eq", AMOUNT - 1, "abort_by_post_condition"),
     ("lte", AMOUNT, "success"), ("lt", AMOUNT, "abort_by_post_condition")],
    ids=["exact-amount-holds", "one-less-aborts", "at-most-holds", "less-than-aborts"],
)
def test_python_post_conditions_are_judged_by_the_chain(
    devnet: Devnet, condition: str, amount: int, status: str
) -> None:
    invoice_id = _create_invoice(devnet, "payer_3")
    before = _balance(devnet, "payer_3")
    asset = f"{devnet.accounts['deployer']}.sbtc-token::sbtc"
    pc = FungiblePostCondition(ORIGIN, asset, condition, amount)
    token = clarity.principal(f"{devnet.accounts['deployer']}.sbtc-token")
    args = [clarity.UInt(invoice_id), token]
    code, body, txid = _send(devnet, "payer_3", "deposit-funds", args, post_conditions=[pc])
    assert (code, body) == (200, txid)
    assert _read_tx(devnet, txid)["status"] == status
    after = _balance(devnet, "payer_3")
    moved = before.value.value - after.value.value
    assert moved == (AMOUNT if status == "success" else 0)


def test_a_corrupted_python_signature_is_refused(devnet: Devnet) -> None:
    signer = _signer("payer_3")
    with _client(devnet) as client:
        account = client.get(f"/v2/accounts/{signer.address()}", params={"proof": "0"})
        tx = transaction.make_contract_call(
            config.DEVNET, devnet.escrow_contract, "propose-pause", [], signer.public_key(),
            account.json()["nonce"], FEE,
        )
        raw = bytearray(transaction.serialize(signer.sign_transaction(tx)))
        raw[60] ^= 0x01  # inside the 65-byte signature (it starts at byte 44)
        r = client.post("/v2/transactions", content=bytes(raw),
                        headers={"content-type": "application/octet-stream"})
    assert r.status_code == 400
    assert r.json()["reason"] == "SignatureValidation"
