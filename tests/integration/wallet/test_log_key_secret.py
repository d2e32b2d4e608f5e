"""The secret that seals the decision-log key, as the app derives it from a signer: the
emulated Ledger gives the same secret every time and the same as the software signer for
the same seed; another account or another seed gives another secret, which does not open
the key (the message says it belongs to another device)."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from arbiter_app import config
from arbiter_app.decisionlog.vault import ForeignLogKey, open_sealed, public_of, seal
from arbiter_app.devnet.ledger_control import devnet_mnemonic
from arbiter_app.services.logkey import device_secret
from arbiter_app.wallet.ledger import LedgerSigner
from arbiter_app.wallet.software import SoftwareSigner
from tests.fixtures.ledger import EmulatorProcess

CHAIN = config.DEVNET.chain_id


@pytest.fixture
def emulator(ledger: EmulatorProcess) -> Iterator[LedgerSigner]:
    opened = LedgerSigner.open(ledger.ledger, config.DEVNET, 0, timeout=30)
    yield opened
    opened.close()


def test_emulator_and_software_signer_give_the_same_secret_twice(
        emulator: LedgerSigner) -> None:
    software = SoftwareSigner.from_mnemonic(devnet_mnemonic("arbiter_1"), config.DEVNET)
    first, second = device_secret(emulator, CHAIN), device_secret(emulator, CHAIN)
    assert first == second == device_secret(software, CHAIN) == device_secret(software, CHAIN)
    key = Ed25519PrivateKey.generate()
    sealed = seal(key, first)  # sealed through the emulator, opened through the software key
    assert open_sealed(sealed, public_of(key), device_secret(software, CHAIN)
                       ).private_bytes_raw() == key.private_bytes_raw()


def test_another_account_of_the_device_gives_another_secret(ledger: EmulatorProcess,
                                                            emulator: LedgerSigner) -> None:
    other = LedgerSigner.open(ledger.ledger, config.DEVNET, 1, timeout=30)
    try:
        mine, theirs = device_secret(emulator, CHAIN), device_secret(other, CHAIN)
    finally:
        other.close()
    assert mine.material != theirs.material and mine.address != theirs.address
    key = Ed25519PrivateKey.generate()
    with pytest.raises(ForeignLogKey, match="belongs to another device or account"):
        open_sealed(seal(key, mine), public_of(key), theirs)


def test_another_seed_gives_another_secret_which_does_not_open_the_key(
        emulator: LedgerSigner) -> None:
    stranger = SoftwareSigner.from_private_key(hashlib.sha256(b"another seed").digest(),
                                               config.DEVNET)
    mine, theirs = device_secret(emulator, CHAIN), device_secret(stranger, CHAIN)
    assert mine.material != theirs.material
    key = Ed25519PrivateKey.generate()
    with pytest.raises(ForeignLogKey, match="belongs to another device"):
        open_sealed(seal(key, mine), public_of(key), theirs)
