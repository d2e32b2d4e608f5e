"""Single-signature, standard-authorization Stacks transactions: build, encode, sign, verify.

Wire layout, sighash chain and signature rules follow SIP-005 and stacks-core
``stacks-codec/src/transaction.rs`` (docs/stacks.md §3–§4): version, chain id, auth (one
P2PKH or P2WPKH spending condition), anchor mode, post-condition mode and list, payload.
The signature is 65 bytes VRS over the presign sighash, low-S. The txid is SHA-512/256 of the
signed bytes. Sponsored and multisig transactions are refused by name when decoding.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import replace

import coincurve

from arbiter_app import config
from arbiter_app.errors import VerificationError
from arbiter_app.stacks import c32, payloads, postconditions
from arbiter_app.stacks.clarity import ClarityValue, InvalidValue
from arbiter_app.stacks.clarity_wire import Reader
from arbiter_app.stacks.payloads import ContractCall, Payload, SmartContract, TokenTransfer
from arbiter_app.stacks.postconditions import (
    FungiblePostCondition,
    NonFungiblePostCondition,
    PostCondition,
    PoxPostCondition,
    StakingPostCondition,
    StxPostCondition,
)
from arbiter_app.stacks.transaction_types import (
    ALLOW,
    AUTH_STANDARD,
    DENY,
    EMPTY_SIGNATURE,
    HASH_P2PKH,
    HASH_P2WPKH,
    KEY_COMPRESSED,
    KEY_UNCOMPRESSED,
    ORIGINATOR,
    AnchorMode,
    PostConditionMode,
    SpendingCondition,
    Transaction,
)
from arbiter_app.stacks.transaction_wire import read_transaction

__all__ = [
    "ALLOW",
    "DENY",
    "ORIGINATOR",
    "AnchorMode",
    "ContractCall",
    "FungiblePostCondition",
    "NonFungiblePostCondition",
    "PostConditionMode",
    "PoxPostCondition",
    "SmartContract",
    "SpendingCondition",
    "StakingPostCondition",
    "StxPostCondition",
    "TokenTransfer",
    "Transaction",
    "attach_signature",
    "describe",
    "deserialize",
    "make_contract_call",
    "payload_bytes",
    "presign_sighash",
    "recover_public_key",
    "sender_address",
    "serialize",
    "sign_with_private_key",
    "txid",
]

# secp256k1 group order / 2: nodes reject any s above it ("Invalid signature: high-S").
HALF_ORDER = 0x7FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF5D576E7357A4501DDFE92F46681B20A0
_WHAT = "transaction"


def make_contract_call(
    network: config.Network,
    contract_id: str,
    function_name: str,
    args: Sequence[ClarityValue],
    public_key: bytes,
    nonce: int,
    fee: int,
    post_conditions: Sequence[PostCondition] = (),
    post_condition_mode: PostConditionMode = DENY,
) -> Transaction:
    """An unsigned contract call from the P2PKH account of ``public_key``.

    :param contract_id: ``ADDRESS.contract-name``
    :param public_key: 33-byte compressed (or 65-byte uncompressed) secp256k1 key
    :param nonce: the account nonce (u64)
    :param fee: the total fee in µSTX (u64)
    :raises InvalidValue: a bad contract id, name, key or number
    """
    address, dot, name = contract_id.partition(".")
    if not dot:
        raise InvalidValue(f"{contract_id!r} is not a contract id (ADDRESS.contract-name)")
    if len(public_key) not in (33, 65):
        raise InvalidValue("a public key is 33 (compressed) or 65 (uncompressed) bytes")
    for number, label in ((nonce, "nonce"), (fee, "fee")):
        if type(number) is not int or not 0 <= number <= postconditions.U64_MAX:
            raise InvalidValue(f"the {label} must be a u64, not {number!r}")
    encoding = KEY_COMPRESSED if len(public_key) == 33 else KEY_UNCOMPRESSED
    auth = SpendingCondition(HASH_P2PKH, c32.hash160(public_key), nonce, fee, encoding)
    return Transaction(
        version=network.tx_version,
        chain_id=network.chain_id,
        auth=auth,
        anchor_mode=AnchorMode.ANY,
        post_condition_mode=PostConditionMode(post_condition_mode),
        post_conditions=tuple(post_conditions),
        payload=ContractCall(address, name, function_name, tuple(args)),
    )


def _auth_bytes(a: SpendingCondition) -> bytes:
    return (
        bytes([AUTH_STANDARD, a.hash_mode])
        + a.signer
        + a.nonce.to_bytes(8, "big")
        + a.fee.to_bytes(8, "big")
        + bytes([a.key_encoding])
        + a.signature
    )


def serialize(tx: Transaction) -> bytes:
    """The consensus wire form of ``tx``."""
    out = bytearray([tx.version]) + tx.chain_id.to_bytes(4, "big") + _auth_bytes(tx.auth)
    out += bytes([tx.anchor_mode, tx.post_condition_mode])
    out += len(tx.post_conditions).to_bytes(4, "big")
    for pc in tx.post_conditions:
        out += postconditions.encode(pc)
    out += payloads.encode(tx.payload)
    return bytes(out)


def payload_bytes(tx: Transaction) -> bytes:
    """The serialized payload alone (what ``/v2/fees/transaction`` asks for)."""
    return payloads.encode(tx.payload)


def sha512_256(data: bytes) -> bytes:
    """SHA-512/256 (FIPS 180-4), the hash of sighashes and txids."""
    return hashlib.new("sha512_256", data).digest()


def txid(tx: Transaction) -> str:
    """SHA-512/256 of the serialized transaction, 64 lowercase hex digits without ``0x``."""
    return sha512_256(serialize(tx)).hex()


def initial_sighash(tx: Transaction) -> bytes:
    """SIP-005 step 2-3: the hash of ``tx`` with nonce, fee and signature cleared."""
    cleared = replace(tx.auth, nonce=0, fee=0, signature=EMPTY_SIGNATURE)
    return sha512_256(serialize(replace(tx, auth=cleared)))


def presign_sighash(tx: Transaction) -> bytes:
    """The 32 bytes the origin signs: H(initial || 0x04 || fee || nonce) (docs/stacks.md §4)."""
    a = tx.auth
    return sha512_256(
        initial_sighash(tx)
        + bytes([AUTH_STANDARD])
        + a.fee.to_bytes(8, "big")
        + a.nonce.to_bytes(8, "big")
    )


def postsign_sighash(tx: Transaction) -> bytes:
    """H(presign || key encoding || VRS): what a Ledger returns beside the signature."""
    return sha512_256(presign_sighash(tx) + bytes([tx.auth.key_encoding]) + tx.auth.signature)


def attach_signature(tx: Transaction, vrs: bytes) -> Transaction:
    """``tx`` with the 65-byte VRS signature (recovery id first) in its spending condition.

    :raises InvalidValue: wrong length or a recovery id above 3
    """
    if len(vrs) != 65 or vrs[0] > 3:
        raise InvalidValue("a transaction signature is 65 bytes: recovery id 0-3, r, s")
    return replace(tx, auth=replace(tx.auth, signature=bytes(vrs)))


def sign_with_private_key(tx: Transaction, private_key: bytes) -> Transaction:
    """Sign ``tx`` as its origin (RFC 6979, low-S, libsecp256k1).

    :param private_key: 32 bytes, or 33 with the trailing ``01`` compressed flag
    :raises VerificationError: the key is not the one the spending condition names
    """
    key = coincurve.PrivateKey(private_key[:32])
    rsv = key.sign_recoverable(presign_sighash(tx), hasher=None)
    signed = attach_signature(tx, rsv[64:] + rsv[:64])
    recover_public_key(signed)
    return signed


def recover_public_key(tx: Transaction) -> bytes:
    """The public key that signed ``tx``, checked against the spending condition's signer.

    :returns: the key in the condition's encoding (33 bytes compressed, or 65)
    :raises VerificationError: unsigned, high-S, unrecoverable, or another key's signature
    """
    vrs = tx.auth.signature
    if vrs == EMPTY_SIGNATURE:
        raise VerificationError("the transaction is not signed")
    if vrs[0] > 3:
        raise VerificationError(f"the signature's recovery id is {vrs[0]}, not 0-3")
    if int.from_bytes(vrs[33:65], "big") > HALF_ORDER:
        raise VerificationError("the signature has a high S value, which nodes reject")
    try:
        key = coincurve.PublicKey.from_signature_and_message(
            vrs[1:] + vrs[:1], presign_sighash(tx), hasher=None
        )
    except ValueError as e:
        raise VerificationError("no public key can be recovered from the signature") from e
    encoded = key.format(compressed=tx.auth.key_encoding == KEY_COMPRESSED)
    if signer_hash(tx.auth.hash_mode, encoded) != tx.auth.signer:
        raise VerificationError("the signature was not made by the transaction's sender")
    return encoded


def signer_hash(hash_mode: int, public_key: bytes) -> bytes:
    """The 20-byte signer a spending condition names for ``public_key``.

    P2PKH hashes the key; P2WPKH hashes its P2SH-wrapped witness program
    ``0x00 0x14 hash160(key)`` (stacks-core ``to_bits_p2wpkh``; stacks.js ``hashP2WPKH``).
    """
    if hash_mode == HASH_P2WPKH:
        return c32.hash160(b"\x00\x14" + c32.hash160(public_key))
    return c32.hash160(public_key)


def sender_address(tx: Transaction) -> str:
    """The origin's address: single-sig version for P2PKH, the multisig one for P2WPKH."""
    net = config.MAINNET if tx.mainnet else config.TESTNET
    p2pkh = tx.auth.hash_mode == HASH_P2PKH
    version = net.single_sig_version if p2pkh else net.multi_sig_version
    return c32.encode_address(version, tx.auth.signer)


def deserialize(data: bytes) -> Transaction:
    """Decode one transaction that spans all of ``data``.

    :raises ClarityDecodeError: naming the byte offset and what was expected there
    """
    return read_transaction(Reader(bytes(data), 0, _WHAT))


def deserialize_payload(data: bytes) -> Payload:
    """Decode a payload alone (as ``payload_bytes`` writes it), with nothing after it.

    :raises ClarityDecodeError: naming the byte offset
    """
    r = Reader(bytes(data), 0, "transaction payload")
    payload = payloads.decode(r)
    if r.remaining():
        raise r.fail("the end of the payload (trailing bytes)")
    return payload


def describe(tx: Transaction) -> dict[str, object]:
    """The review JSON of ``tx`` (the document ``arbiter-app tx decode`` prints).

    Keys: ``txid`` (64 hex, no ``0x``), ``network`` (``mainnet``/``testnet`` from the version
    byte), ``version``, ``chain_id``, ``sender``, ``nonce``, ``fee`` (µSTX), ``anchor_mode``
    (``on-chain-only``/``off-chain-only``/``any``), ``post_condition_mode``
    (``allow``/``deny``/``originator``), ``post_conditions`` (each with ``type``,
    ``principal``, ``condition``, amount or asset id, and a ``text`` sentence), ``payload``
    (``type``; for a contract call ``contract_id``, ``function_name`` and ``args`` as
    ``{repr, hex}``) and ``signature_valid`` (the signature recovers to the sender, low-S).
    """
    try:
        recover_public_key(tx)
        valid = True
    except VerificationError:
        valid = False
    return {
        "txid": txid(tx),
        "network": "mainnet" if tx.mainnet else "testnet",
        "version": tx.version,
        "chain_id": tx.chain_id,
        "sender": sender_address(tx),
        "nonce": tx.auth.nonce,
        "fee": tx.auth.fee,
        "anchor_mode": tx.anchor_mode.name.lower().replace("_", "-"),
        "post_condition_mode": tx.post_condition_mode.name.lower(),
        "post_conditions": [postconditions.describe(pc) for pc in tx.post_conditions],
        "payload": payloads.describe(tx.payload),
        "signature_valid": valid,
    }
