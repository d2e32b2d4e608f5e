"""A sync first checks what it is pointed at: a malformed contract id, a contract that does
not exist, a contract that is not the escrow, and a node of another network each stop it
with a message naming the problem and exit 1, and nothing already stored changes."""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

import msgspec
import pytest

from arbiter_app import config
from arbiter_app.cli import main
from arbiter_app.devnet.launcher import Devnet
from arbiter_app.stacks import c32
from tests.integration.services.helpers import devnet_settings


def _dump(path: Path) -> list[str]:
    with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as conn:
        return list(conn.iterdump())


def _mainnet_twin(contract_id: str) -> str:
    """The same contract id with the deployer's address in its mainnet form."""
    address, _, name = contract_id.partition(".")
    _, hash160 = c32.decode_address(address)
    return f"{c32.encode_address(c32.MAINNET_SINGLE_SIG, hash160)}.{name}"


def _wrong(devnet: Devnet, case: str) -> dict[str, str]:
    deployer = devnet.accounts["deployer"]
    return {
        "malformed-id": {"escrow_contract": f"{deployer}.9-not-a-name"},
        "no-such-contract": {"escrow_contract": f"{deployer}.escrow-insecure"},
        "not-the-escrow": {"escrow_contract": f"{deployer}.sbtc-token"},
        "mainnet-address-on-devnet": {"escrow_contract": _mainnet_twin(devnet.escrow_contract)},
        "node-of-another-network": {"network": "mainnet",
                                    "escrow_contract": _mainnet_twin(devnet.escrow_contract)},
    }[case]


@pytest.mark.parametrize(
    ("case", "code", "words"),
    [
        # a malformed id is a bad setting: the settings themselves refuse it (usage, exit 2)
        ("malformed-id", 2, "escrow_contract"),
        ("no-such-contract", 1, "does not exist on this devnet node"),
        ("not-the-escrow", 1, "is not the escrow: it has no get-dispute"),
        ("mainnet-address-on-devnet", 1, "has a mainnet address, but the settings name devnet"),
        ("node-of-another-network", 1, "network id 0x80000000, but the settings name mainnet"),
    ],
)
def test_sync_against_the_wrong_target_stops_and_changes_nothing(
    devnet: Devnet, capsys: pytest.CaptureFixture[str], case: str, code: int, words: str
) -> None:
    good = devnet_settings(devnet, Path(os.environ["ARBITER_APP_DATA"]))
    config.save(good)
    arbiter = ["sync", "--arbiter", devnet.accounts["arbiter_1"]]
    assert main(arbiter) == 0
    store = Path(good.data_dir) / "cases.sqlite"
    before = _dump(store)
    config.save(msgspec.structs.replace(good, **_wrong(devnet, case)))
    capsys.readouterr()
    assert main(arbiter) == code
    message = capsys.readouterr().err.strip().splitlines()[-1]
    assert words in message, message
    assert _dump(store) == before
