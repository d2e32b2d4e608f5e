"""The sealed decision-log key: it opens only with the secret of the device that sealed it,
and any change to what is stored refuses with a plain message."""

from __future__ import annotations

import dataclasses
import hashlib

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from arbiter_app import config
from arbiter_app.decisionlog.vault import (
    DeviceSecret,
    ForeignLogKey,
    Sealed,
    open_sealed,
    public_of,
    seal,
)
from arbiter_app.services.logkey import device_secret
from arbiter_app.wallet.software import SoftwareSigner

CHAIN = config.DEVNET.chain_id


def secret_of(label: bytes) -> DeviceSecret:
    signer = SoftwareSigner.from_private_key(hashlib.sha256(label).digest(), config.DEVNET)
    return device_secret(signer, CHAIN)


def test_a_sealed_key_opens_with_the_same_device_secret_and_holds_no_clear_bytes() -> None:
    key = Ed25519PrivateKey.generate()
    secret = secret_of(b"device a")
    sealed = seal(key, secret)
    assert key.private_bytes_raw() not in sealed.box
    assert secret_of(b"device a") == secret  # deterministic: the same device, the same secret
    opened = open_sealed(sealed, public_of(key), secret_of(b"device a"))
    assert opened.private_bytes_raw() == key.private_bytes_raw()


def test_the_same_address_with_another_signature_is_refused_as_another_device() -> None:
    key = Ed25519PrivateKey.generate()
    secret = secret_of(b"device a")
    forged = dataclasses.replace(secret, material=secret_of(b"device b").material)
    with pytest.raises(ForeignLogKey, match="belongs to another device"):
        open_sealed(seal(key, secret), public_of(key), forged)


def test_another_account_is_refused_naming_both_addresses() -> None:
    key = Ed25519PrivateKey.generate()
    mine, theirs = secret_of(b"device a"), secret_of(b"device b")
    with pytest.raises(ForeignLogKey, match=f"sealed by {mine.address}.*signer is "
                                            f"{theirs.address}"):
        open_sealed(seal(key, mine), public_of(key), theirs)


@pytest.mark.parametrize("change", ["box-bit-flipped", "salt-changed", "public-key-swapped",
                                    "chain-id-changed"])
def test_a_changed_sealed_key_is_refused(change: str) -> None:
    key = Ed25519PrivateKey.generate()
    secret = secret_of(b"device a")
    sealed, public = seal(key, secret), public_of(key)
    if change == "box-bit-flipped":
        sealed = dataclasses.replace(sealed, box=sealed.box[:-1] + bytes([sealed.box[-1] ^ 1]))
    elif change == "salt-changed":
        sealed = dataclasses.replace(sealed, salt=bytes(16))
    elif change == "public-key-swapped":
        public = public_of(Ed25519PrivateKey.generate())
    else:
        sealed = Sealed(sealed.salt, sealed.box, sealed.address, CHAIN + 1)
        secret = dataclasses.replace(secret, chain_id=CHAIN + 1)
    with pytest.raises(ForeignLogKey, match="belongs to another device"):
        open_sealed(sealed, public, secret)
