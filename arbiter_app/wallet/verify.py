"""The checks every signer runs on a signature before anything may use it.

Whatever produced a signature (the Ledger, the software key), the host recomputes the
digest it should cover — the transaction's presign sighash (SIP-005, docs/stacks.md §4)
or the SIP-018 message hash (§5) — recovers the public key from the signature, and requires
it to be the account's key, with a low-S ``s`` as nodes demand. A failure raises
:class:`VerificationError`; the Ledger signer re-raises it as a device reply error.
"""

from __future__ import annotations

import hashlib
from typing import TYPE_CHECKING

import coincurve

from arbiter_app import config
from arbiter_app.errors import PolicyError, VerificationError
from arbiter_app.stacks import c32, transaction

if TYPE_CHECKING:
    from arbiter_app.stacks.transaction import Transaction

HALF_ORDER = 0x7FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF5D576E7357A4501DDFE92F46681B20A0


def hash160(public_key: bytes) -> bytes:
    """RIPEMD-160 of SHA-256: the 20 bytes an address and a spending condition carry."""
    return hashlib.new("ripemd160", hashlib.sha256(public_key).digest()).digest()


def address_of(public_key: bytes, network: config.Network) -> str:
    """The single-sig c32 address of a compressed public key on ``network``."""

    return c32.encode_address(network.single_sig_version, hash160(public_key))


def check_rsv(digest: bytes, rsv: bytes, public_key: bytes) -> None:
    """Require ``rsv`` to be a low-S signature of ``digest`` by ``public_key``.

    :param digest: the 32 bytes that were signed (no further hashing)
    :param rsv: r (32), s (32), recovery id (1)
    :raises VerificationError: wrong length, high S, or another key recovered
    """
    if len(rsv) != 65 or rsv[64] > 3:
        raise VerificationError("the signature is not a 65-byte recoverable signature")
    if int.from_bytes(rsv[32:64], "big") > HALF_ORDER:
        raise VerificationError("the signature has a high S value, which nodes reject")
    try:
        recovered = coincurve.PublicKey.from_signature_and_message(rsv, digest, hasher=None)
    except ValueError as e:
        raise VerificationError("no public key can be recovered from the signature") from e
    if recovered.format(compressed=True) != public_key:
        raise VerificationError("the signature was not made by this account's key")


def check_signed_transaction(unsigned: Transaction, signed: Transaction, public_key: bytes) -> None:
    """Require ``signed`` to be ``unsigned`` plus a valid origin signature by ``public_key``.

    The presign sighash is recomputed from the *unsigned* transaction we asked to sign, so a
    signature over any other transaction cannot pass.

    :raises VerificationError: the signature does not verify or the signer differs
    """

    presign = transaction.presign_sighash(unsigned)
    if transaction.presign_sighash(signed) != presign:
        raise VerificationError("the signed transaction is not the transaction that was reviewed")
    recovered = transaction.recover_public_key(signed)
    if recovered != public_key:
        raise VerificationError("the transaction's signature was not made by this account's key")


def check_network(tx: Transaction, network: config.Network) -> None:
    """Refuse a transaction built for another network than the signer's (reliability §3,
    "wrong network / chain id").

    :raises PolicyError: the version byte or chain id is not ``network``'s
    """
    if (tx.version, tx.chain_id) != (network.tx_version, network.chain_id):
        raise PolicyError(
            f"the transaction is for version 0x{tx.version:02x}, chain id 0x{tx.chain_id:08x}; "
            f"the signer is on {network.name} (0x{network.tx_version:02x}, "
            f"0x{network.chain_id:08x})"
        )


def sign_digest(private_key: bytes, digest: bytes) -> bytes:
    """A low-S RFC 6979 recoverable signature of a 32-byte digest, as RSV (libsecp256k1)."""
    return coincurve.PrivateKey(private_key).sign_recoverable(digest, hasher=None)


def rsv_to_vrs(rsv: bytes) -> bytes:
    """Move the recovery id to the front, as transactions carry it (§4 step 6)."""
    return rsv[64:] + rsv[:64]
