"""Our BIP39/BIP32 derivation gives the keys and addresses @stacks/wallet-sdk gives, for the
devnet's mnemonics and for random ones, on the first accounts of m/44'/5757'/0'/0/N."""

from __future__ import annotations

import os
import tomllib
from pathlib import Path

from arbiter_app import config
from arbiter_app.wallet import hd
from arbiter_app.wallet.signer import derivation_path
from arbiter_app.wallet.software import SoftwareSigner
from tests.integration.wallet.judge import REPO, judge

DEVNET_TOML = REPO / "resources/contracts/settings/Devnet.toml"


def devnet_mnemonics(path: Path = DEVNET_TOML) -> dict[str, str]:
    with path.open("rb") as f:
        return {name: a["mnemonic"] for name, a in tomllib.load(f)["accounts"].items()}


def test_keys_and_addresses_match_wallet_sdk() -> None:
    mnemonics = list(devnet_mnemonics().values())
    # Random ones too: 12- and 24-word, from the OS CSPRNG, so this is not a fixed table.
    mnemonics += [hd.entropy_to_mnemonic(os.urandom(n)) for n in (16, 32, 20)]
    answers = judge(*({"op": "wallet", "mnemonic": m, "count": 3} for m in mnemonics))
    for mnemonic, accounts in zip(mnemonics, answers, strict=True):
        for n, expected in enumerate(accounts):
            key = hd.private_key_at(mnemonic, derivation_path(n))
            assert key.hex() == expected["private_key"], (mnemonic, n)
            signer = SoftwareSigner.from_private_key(key, config.DEVNET)
            assert signer.address() == expected["address"], (mnemonic, n)


def test_arbiter_accounts_exist_in_devnet_settings() -> None:
    names = devnet_mnemonics()
    assert {"arbiter_1", "arbiter_2", "deployer"} <= set(names)
