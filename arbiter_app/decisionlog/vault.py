"""The decision-log key at rest: sealed with a secret only the arbiter's device can give.

The device signs one fixed SIP-018 message (:func:`unlock_message`). Both signers sign with
RFC 6979 deterministic ECDSA (the Ledger's Stacks app and coincurve alike), so the same
device, account and network always give the same signature, and another seed gives another.
The signature's ``r || s`` is the input keying material of HKDF-SHA256 (RFC 5869), salted by a
random salt kept beside the sealed key and bound to the log key's public half, which gives
the AES-256-GCM key that encrypts the Ed25519 private key. The associated data names the
public key, the address and the chain id, so a sealed key moved to another row or account
does not open. Nothing here is secret once stored: without the device the sealed key is
noise. Pure: bytes in, bytes out (docs/log-key.md).
"""

from __future__ import annotations

import os
from dataclasses import dataclass

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from arbiter_app.errors import PolicyError
from arbiter_app.stacks import clarity, sip018

UNLOCK_DOMAIN = "Arbiter Desk Log Key Vault"
UNLOCK_PURPOSE = "unlock the decision log key on this computer"
_INFO = b"arbiter-desk/log-key-seal/v1"
_SALT, _NONCE = 16, 12


class LogKeyLocked(PolicyError):
    """The log key is needed but the device's secret was not given in this session."""


class ForeignLogKey(PolicyError):
    """The store's log key was sealed by another device, account or seed."""


@dataclass(frozen=True)
class DeviceSecret:
    """What the device gave: the account, the network, and the signature's ``r || s``."""

    address: str
    chain_id: int
    material: bytes


@dataclass(frozen=True)
class Sealed:
    """A sealed private key: the HKDF salt and ``nonce || AES-GCM ciphertext``."""

    salt: bytes
    box: bytes
    address: str
    chain_id: int


def unlock_message(chain_id: int) -> tuple[clarity.Tuple, clarity.Tuple]:
    """The fixed SIP-018 (domain, message) the device signs to unlock the log key."""
    domain = sip018.make_domain(UNLOCK_DOMAIN, "1", chain_id)
    return domain, clarity.Tuple({"purpose": clarity.StringAscii(UNLOCK_PURPOSE)})


def secret_from_signature(address: str, chain_id: int, rsv: bytes) -> DeviceSecret:
    """The device secret of a verified unlock signature (65 bytes, ``r || s || v``)."""
    return DeviceSecret(address, chain_id, rsv[:64])


def public_of(key: Ed25519PrivateKey) -> bytes:
    """The 32-byte raw public key of ``key``."""
    return key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)


def _aead(secret: DeviceSecret, salt: bytes, public: bytes) -> AESGCM:
    kdf = HKDF(algorithm=hashes.SHA256(), length=32, salt=salt, info=_INFO + public)
    return AESGCM(kdf.derive(secret.material))


def _aad(public: bytes, address: str, chain_id: int) -> bytes:
    return public + address.encode() + chain_id.to_bytes(4, "big")


def seal(key: Ed25519PrivateKey, secret: DeviceSecret) -> Sealed:
    """Encrypt ``key`` under the device's secret (a fresh salt and nonce each time)."""
    public, salt, nonce = public_of(key), os.urandom(_SALT), os.urandom(_NONCE)
    raw = key.private_bytes_raw()
    box = nonce + _aead(secret, salt, public).encrypt(
        nonce, raw, _aad(public, secret.address, secret.chain_id))
    return Sealed(salt, box, secret.address, secret.chain_id)


def other_account(sealed_by: str, signer: str) -> ForeignLogKey:
    """The refusal of a key sealed for another account than the connected signer's."""
    return ForeignLogKey(f"this store's decision-log key belongs to another device or "
                         f"account: it was sealed by {sealed_by}, and the connected signer "
                         f"is {signer}; connect the device that holds that account")


def open_sealed(sealed: Sealed, public: bytes, secret: DeviceSecret) -> Ed25519PrivateKey:
    """Decrypt a sealed key with the device's secret and check it is the key of ``public``.

    :raises ForeignLogKey: another account sealed it, or the device's secret does not open it
    """
    if secret.address != sealed.address or secret.chain_id != sealed.chain_id:
        raise other_account(f"{sealed.address} (chain id {sealed.chain_id})",
                            f"{secret.address} (chain id {secret.chain_id})")
    try:
        raw = _aead(secret, sealed.salt, public).decrypt(
            sealed.box[:_NONCE], sealed.box[_NONCE:], _aad(public, sealed.address,
                                                           sealed.chain_id))
        key = Ed25519PrivateKey.from_private_bytes(raw)
    except (InvalidTag, ValueError) as e:
        raise ForeignLogKey(
            f"this store's decision-log key belongs to another device: the signer "
            f"{secret.address} did not give the secret it was sealed with (the sealed key "
            "was altered, or this device does not sign deterministically)") from e
    if public_of(key) != public:
        raise ForeignLogKey("this store's decision-log key does not match its public key")
    return key
