"""SIP-018 signed structured data: the domain tuple, the message hash, signing and verifying.

messageHash = SHA-256("SIP018" || SHA-256(domain bytes) || SHA-256(message bytes)), where
the bytes are the Clarity consensus serializations (tuple keys in byte order); signatures are
65 bytes RSV (recovery id last), as Clarity's ``secp256k1-recover?`` expects (docs/stacks.md §5).
"""

from __future__ import annotations

import hashlib

import coincurve

from arbiter_app import config
from arbiter_app.errors import VerificationError
from arbiter_app.stacks import c32, clarity
from arbiter_app.stacks.clarity import ClarityValue

PREFIX = b"SIP018"
# secp256k1 group order / 2: a signature with a larger s is malleable and refused.
HALF_ORDER = 0x7FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF5D576E7357A4501DDFE92F46681B20A0


def make_domain(name: str, version: str, chain_id: int) -> clarity.Tuple:
    """The domain tuple ``{name, version, chain-id}`` of SIP-018.

    :param chain_id: 1 on mainnet, 0x80000000 on testnet (the network's chain id)
    """
    return clarity.Tuple(
        {
            "name": clarity.StringAscii(name),
            "version": clarity.StringAscii(version),
            "chain-id": clarity.UInt(chain_id),
        }
    )


def structured_data_hash(value: ClarityValue) -> bytes:
    """SHA-256 of the value's consensus serialization."""
    return hashlib.sha256(clarity.serialize(value)).digest()


def message_hash(domain: ClarityValue, message: ClarityValue) -> bytes:
    """The 32 bytes that are signed for ``message`` under ``domain``."""
    return hashlib.sha256(
        PREFIX + structured_data_hash(domain) + structured_data_hash(message)
    ).digest()


def sign_with_private_key(domain: ClarityValue, message: ClarityValue, private_key: bytes) -> bytes:
    """A 65-byte RSV signature of the message hash (RFC 6979, low-S).

    :param private_key: 32 bytes, or 33 with the trailing ``01`` compressed flag
    """
    key = coincurve.PrivateKey(private_key[:32])
    return key.sign_recoverable(message_hash(domain, message), hasher=None)


def recover_public_key(domain: ClarityValue, message: ClarityValue, signature_rsv: bytes) -> bytes:
    """The compressed public key that made ``signature_rsv``.

    :raises VerificationError: wrong length, bad recovery id, high S, or nothing recoverable
    """
    if len(signature_rsv) != 65 or signature_rsv[64] > 3:
        raise VerificationError("a structured-data signature is 65 bytes: r, s, recovery id 0-3")
    if int.from_bytes(signature_rsv[32:64], "big") > HALF_ORDER:
        raise VerificationError("the signature has a high S value")
    try:
        key = coincurve.PublicKey.from_signature_and_message(
            bytes(signature_rsv), message_hash(domain, message), hasher=None
        )
    except ValueError as e:
        raise VerificationError("no public key can be recovered from the signature") from e
    return key.format(compressed=True)


def recover_address(
    domain: ClarityValue, message: ClarityValue, signature_rsv: bytes, network: config.Network
) -> str:
    """The single-sig address on ``network`` of the key that signed.

    :raises VerificationError: as :func:`recover_public_key`
    """
    key = recover_public_key(domain, message, signature_rsv)
    return c32.encode_address(network.single_sig_version, c32.hash160(key))


def verify(domain: ClarityValue, message: ClarityValue, signature_rsv: bytes, address: str) -> bool:
    """Whether ``signature_rsv`` was made by the single-sig ``address`` over the message.

    A malformed or high-S signature is simply not valid (``False``).
    """
    _, hash160 = c32.decode_address(address)
    try:
        key = recover_public_key(domain, message, signature_rsv)
    except VerificationError:
        return False
    return c32.hash160(key) == hash160
