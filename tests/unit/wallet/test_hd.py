"""BIP39 and BIP32 against the published test vectors, and bad mnemonics refused by name."""

from __future__ import annotations

import pytest

from arbiter_app.wallet import hd
from arbiter_app.wallet.signer import derivation_path, format_path

H = hd.HARDENED

# BIP32 "Test vector 1" (seed 000102…0f): path → private key.
BIP32_VECTOR_1 = [
    ((), "e8f32e723decf4051aefac8e2c93c9c5b214313817cdb01a1494b917c8436b35"),
    ((0 | H,), "edb2e14f9ee77d26dd93b4ecede8d16ed408ce149b6cd80b0715a2d911a0afea"),
    ((0 | H, 1), "3c6cb8d0f6a264c91ea8b5030fadaa8e538b020f0a387421a12de9319dc93368"),
    ((0 | H, 1, 2 | H), "cbce0d719ecf7431d88e6a89fa1483e02e35092af60c042b1df2ff59fa424dca"),
    ((0 | H, 1, 2 | H, 2), "0f479245fb19a38a1954c5c7c0ebab2f9bdfd96a17563ef28a6a4b1a2a764ef4"),
    (
        (0 | H, 1, 2 | H, 2, 1000000000),
        "471b76e389e528d6de6d816857e012c5455051cad6660850e58372a6c3e6e7c8",
    ),
]


@pytest.mark.parametrize("path, key", BIP32_VECTOR_1, ids=lambda v: str(v)[:24])
def test_bip32_vector_1(path: tuple[int, ...], key: str) -> None:
    root = hd.master_key(bytes.fromhex("000102030405060708090a0b0c0d0e0f"))
    assert root.derive(path).private_key.hex() == key


def test_bip32_vector_1_public_key_at_master() -> None:
    root = hd.master_key(bytes.fromhex("000102030405060708090a0b0c0d0e0f"))
    expected = "0339a36013301597daef41fbe593a02cc513d0b55527ec2df1050e2e8ff49c85c2"
    assert root.public_key.hex() == expected


def test_bip39_seed_vector_with_passphrase() -> None:
    # BIP39 reference vectors (trezor/python-mnemonic vectors.json), passphrase "TREZOR".
    seed = hd.mnemonic_to_seed("abandon " * 11 + "about", "TREZOR")
    assert seed.hex().startswith("c55257c360c07c72029aebc1b53c05ed0362ada38ead3e3e9efa3708e534")


@pytest.mark.parametrize(
    "entropy, words",
    [
        ("00" * 16, "abandon " * 11 + "about"),
        ("7f" * 16, "legal winner thank year wave sausage worth useful legal winner thank yellow"),
        ("ff" * 32, "zoo " * 23 + "vote"),
    ],
    ids=["zeros-12", "7f-12", "ff-24"],
)
def test_entropy_round_trips_through_the_mnemonic(entropy: str, words: str) -> None:
    assert hd.entropy_to_mnemonic(bytes.fromhex(entropy)) == words.strip()
    assert hd.check_mnemonic(words.upper()) == words.strip()


def test_clarinet_deployer_key_is_the_devnet_deployer() -> None:
    # Clarinet's public default devnet deployer → ST1PQHQKV0RJXZFY1DGX8MNSNYVE3VGZJSRTPGZGM.
    mnemonic = (
        "twice kind fence tip hidden tilt action fragile skin nothing glory cousin green "
        "tomorrow spring wrist shed math olympic multiply hip blue scout claw"
    )
    from arbiter_app.wallet.verify import hash160

    node = hd.master_key(hd.mnemonic_to_seed(mnemonic)).derive(derivation_path(0))
    assert hash160(node.public_key).hex() == "6d78de7b0625dfbfc16c3a8a5735f6dc3dc3f2ce"


@pytest.mark.parametrize(
    "mnemonic, message",
    [
        ("abandon " * 11 + "abandon", "checksum"),
        ("abandon " * 11 + "bitcoinz", "'bitcoinz' is not a BIP39"),
        ("abandon " * 10 + "about", "not 11"),
        ("", "not 1"),
    ],
    ids=["bad-checksum", "unknown-word", "eleven-words", "empty"],
)
def test_bad_mnemonics_are_refused_by_name(mnemonic: str, message: str) -> None:
    with pytest.raises(hd.MnemonicError, match=message):
        hd.mnemonic_to_seed(mnemonic)


@pytest.mark.parametrize("account", [0, 1, 2**31 - 1])
def test_stacks_path_text(account: int) -> None:
    assert format_path(derivation_path(account)) == f"m/44'/5757'/0'/0/{account}"


def test_wordlist_is_bip39_english_txt() -> None:
    import hashlib

    text = "\n".join(hd.wordlist()) + "\n"
    # SHA-256 of bitcoin/bips bip-0039/english.txt
    digest = "2f5eed53a4727b4bf8880d8f3f199efc90e58503646d9ff8eff3a2ed3b24dbda"
    assert hashlib.sha256(text.encode()).hexdigest() == digest
