"""The software signer: the SIP-018 known-answer vector, checked signatures, the keystore
round trip, and each refusal (mainnet, wrong password, damaged file, other network)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from arbiter_app import config, errors
from arbiter_app.wallet import keystore
from arbiter_app.wallet.configured import signer_from_settings
from arbiter_app.wallet.signer import Signer
from arbiter_app.wallet.software import MainnetRefused, SoftwareSigner

# SIP-018 "Test vectors" (docs/stacks.md §5).
SIP018_KEY = bytes.fromhex("753b7cc01a1a2e86221266a154af739463fce51219d97e4f856cd7200c3bd2a601")
SIP018_RSV = (
    "8b94e45701d857c9f1d1d70e8b2ca076045dae4920fb0160be0642a68cd78de0"
    "72ab527b5c5277a593baeb2a8b657c216b99f7abb5d14af35b4bf12ba6460ba401"
)
DEPLOYER = (
    "twice kind fence tip hidden tilt action fragile skin nothing glory cousin green tomorrow "
    "spring wrist shed math olympic multiply hip blue scout claw"
)


def test_sip018_vector() -> None:
    from arbiter_app.stacks import clarity, sip018

    signer = SoftwareSigner.from_private_key(SIP018_KEY, config.DEVNET)
    domain = sip018.make_domain("Test App", "1.0.0", 1)
    assert (
        signer.sign_structured_message(domain, clarity.StringAscii("Hello World")).hex()
        == SIP018_RSV
    )


def test_deployer_mnemonic_gives_the_deployer_address() -> None:
    signer = SoftwareSigner.from_mnemonic(DEPLOYER, config.DEVNET)
    assert signer.address() == "ST1PQHQKV0RJXZFY1DGX8MNSNYVE3VGZJSRTPGZGM"
    assert isinstance(signer, Signer)


def test_signed_transaction_recovers_to_the_key() -> None:
    from arbiter_app.stacks import clarity, transaction

    signer = SoftwareSigner.from_mnemonic(DEPLOYER, config.DEVNET)
    tx = transaction.make_contract_call(
        config.DEVNET,
        f"{signer.address()}.escrow-secure",
        "get-invoice",
        [clarity.UInt(1)],
        signer.public_key(),
        nonce=0,
        fee=200,
    )
    signed = signer.sign_transaction(tx)
    assert transaction.recover_public_key(signed) == signer.public_key()


def test_transaction_of_another_key_is_refused() -> None:
    from arbiter_app.stacks import clarity, transaction

    signer = SoftwareSigner.generate(config.TESTNET)
    other = SoftwareSigner.generate(config.TESTNET)
    tx = transaction.make_contract_call(
        config.TESTNET, f"{other.address()}.x", "f", [clarity.UInt(1)], other.public_key(), 0, 1
    )
    with pytest.raises(errors.VerificationError, match="sender"):
        signer.sign_transaction(tx)


@pytest.mark.parametrize(
    "make",
    [
        lambda: SoftwareSigner.from_mnemonic(DEPLOYER, config.MAINNET),
        lambda: SoftwareSigner.from_private_key(SIP018_KEY, config.MAINNET),
        lambda: SoftwareSigner.generate(config.MAINNET),
    ],
    ids=["from-mnemonic", "from-private-key", "generate"],
)
def test_mainnet_is_refused_with_a_clear_message(make: object) -> None:
    with pytest.raises(MainnetRefused, match="cannot be used on mainnet: sign with a Ledger"):
        make()  # type: ignore[operator]


def test_keystore_round_trip_and_refusals(tmp_path: Path) -> None:
    path = tmp_path / "arbiter.keystore"
    signer = SoftwareSigner.generate(config.DEVNET)
    signer.save(path, "pw-1")
    opened = SoftwareSigner.from_keystore(path, "pw-1", config.DEVNET)
    assert opened.address() == signer.address() == keystore.read_header(path).address
    with pytest.raises(keystore.WrongPassword, match="wrong password"):
        SoftwareSigner.from_keystore(path, "pw-2", config.DEVNET)
    with pytest.raises(errors.KeystoreError, match="holds a devnet key; the app is set to testnet"):
        SoftwareSigner.from_keystore(path, "pw-1", config.TESTNET)
    with pytest.raises(MainnetRefused):
        SoftwareSigner.from_keystore(path, "pw-1", config.MAINNET)
    doc = json.loads(path.read_text())
    doc["ciphertext"] = "00" + doc["ciphertext"][2:]
    path.write_text(json.dumps(doc))
    with pytest.raises(keystore.DamagedKeystore, match="damaged"):
        SoftwareSigner.from_keystore(path, "pw-1", config.DEVNET)


def test_signer_from_settings_opens_the_keystore(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "k.json"
    SoftwareSigner.from_mnemonic(DEPLOYER, config.DEVNET).save(path, "pw")
    settings = config.Settings(signer="software", keystore=str(path))
    monkeypatch.setenv("ARBITER_APP_KEYSTORE_PASSWORD", "pw")
    assert signer_from_settings(settings).address() == "ST1PQHQKV0RJXZFY1DGX8MNSNYVE3VGZJSRTPGZGM"
    monkeypatch.delenv("ARBITER_APP_KEYSTORE_PASSWORD")
    with pytest.raises(errors.KeystoreError, match="needs a password"):
        signer_from_settings(settings)
    with pytest.raises(errors.UsageError, match="needs a keystore file"):
        signer_from_settings(config.Settings(signer="software"))


def test_transaction_for_another_network_is_refused() -> None:
    from arbiter_app.stacks import clarity, transaction

    signer = SoftwareSigner.from_mnemonic(DEPLOYER, config.DEVNET)
    tx = transaction.make_contract_call(
        config.MAINNET,
        "SP000000000000000000002Q6VF78.pox-4",
        "f",
        [clarity.UInt(1)],
        signer.public_key(),
        0,
        1,
    )
    with pytest.raises(errors.PolicyError, match="chain id 0x00000001"):
        signer.sign_transaction(tx)
