"""Display parity (docs/reliability.md §3, T3.4): for each transaction shape the arbiter can be
asked to sign, what the emulated device shows equals what the reference decoder
(@stacks/transactions) reads from the same signed bytes: sender, nonce, fee, network,
contract, function, every argument, the post-condition mode and every post-condition."""

from __future__ import annotations

from typing import Any

import pytest

from arbiter_app import config
from arbiter_app.wallet.ledger import LedgerSigner
from tests.fixtures.ledger import EmulatorProcess
from tests.integration.wallet.conftest_helpers import ESCROW, TOKEN
from tests.integration.wallet.judge import judge

PAYER = "ST2CY5V39NHDPWSXMW9QDT3HC3GD6Q6XX4CFRK9AG"
MODES = {"allow": 1, "deny": 2}


def shapes() -> list[tuple[str, list[Any], list[Any], str]]:
    from arbiter_app.stacks import clarity
    from arbiter_app.stacks import postconditions as pcs

    asset = f"{TOKEN}::sbtc"
    return [
        (
            "resolve-dispute",
            [
                clarity.UInt(7),
                clarity.principal(TOKEN),
                clarity.Bool(True),
                clarity.Buffer(bytes(32)),
            ],
            [pcs.FungiblePostCondition(ESCROW, asset, "eq", 14_285_714)],
            "deny",
        ),
        (
            "submit-evidence",
            [clarity.UInt(2**128 - 1), clarity.StringAscii("bafkrei" + "a" * 52)],
            [],
            "deny",
        ),
        (
            "f",
            [
                clarity.Int(-(2**127)),
                clarity.Some(clarity.StringUtf8("ruling \u2713")),
                clarity.NONE,
                clarity.Ok(clarity.List((clarity.UInt(1), clarity.UInt(2)))),
            ],
            [
                pcs.StxPostCondition(PAYER, "lte", 10**6),
                pcs.FungiblePostCondition(ESCROW, asset, "gte", 1),
            ],
            "allow",
        ),
        (
            "g",
            [clarity.Tuple({"a": clarity.UInt(1), "b": clarity.Err(clarity.Bool(False))})],
            [pcs.NonFungiblePostCondition(ESCROW, f"{TOKEN}::nft", clarity.UInt(9), "sent")],
            "deny",
        ),
    ]


@pytest.mark.parametrize(
    "index",
    range(4),
    ids=["resolve-dispute", "ascii-and-max-uint", "mixed-values-stx-and-ft", "tuple-and-nft"],
)
def test_device_screens_equal_the_reference_decoding(ledger: EmulatorProcess, index: int) -> None:
    from arbiter_app.stacks import transaction

    function, args, post_conditions, mode = shapes()[index]
    signer = LedgerSigner.open(ledger.ledger, config.DEVNET, 0)
    try:
        unsigned = transaction.make_contract_call(
            config.DEVNET,
            ESCROW,
            function,
            args,
            signer.public_key(),
            nonce=index,
            fee=900 + index,
            post_conditions=post_conditions,
            post_condition_mode=getattr(transaction, mode.upper()),
        )
        signed = signer.sign_transaction(unsigned)
    finally:
        signer.close()
    (shown,) = ledger.display_log
    (reference,) = judge({"op": "tx", "hex": transaction.serialize(signed).hex()})
    assert reference["verified"], reference["error"]
    assert shown["sender"] == signer.address() and shown["network"] == "testnet"
    assert (shown["nonce"], shown["fee"]) == (int(reference["nonce"]), int(reference["fee"]))
    assert shown["chain_id"] == reference["chain_id"]
    assert shown["payload"]["contract_id"] == reference["contract"]
    assert shown["payload"]["function_name"] == reference["function"]
    assert [a["hex"] for a in shown["payload"]["args"]] == reference["args_hex"]
    assert MODES[shown["post_condition_mode"]] == reference["post_condition_mode"]
    assert len(shown["post_conditions"]) == len(reference["post_condition_list"])
    for ours, theirs in zip(
        shown["post_conditions"], reference["post_condition_list"], strict=True
    ):
        assert ours["principal"] == theirs["address"]
        assert ours["condition"] == theirs["condition"]
        if theirs["amount"] is not None:
            assert str(ours["amount"]) == theirs["amount"]
        if theirs["asset"] is not None:
            assert ours["asset"] == theirs["asset"]
        if theirs["asset_id"] is not None:
            assert ours["asset_id"]["hex"] == theirs["asset_id"]
