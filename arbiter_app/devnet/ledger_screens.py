"""What the emulated Stacks app shows and signs: it parses a signing payload the way the
device does, builds the record of its review screens, and makes the signature reply.

Kept apart from the TCP server so that the parsing rules of the device (docs/stacks.md
§6.6) read in one place: a transaction must be signed by the key at the requested path
(``_check_pubkey_hash``); SIP-018 data is ``SIP018`` + a domain tuple of exactly ``name``,
``version`` (string-ascii) and ``chain-id`` (uint) + one message value using every
remaining byte. The device hashes the raw bytes it received, so the digest here is
computed from them directly (SIP-018 §5), not through the host's code.
"""

from __future__ import annotations

import hashlib
import struct
from dataclasses import dataclass
from typing import Any

import coincurve

from arbiter_app.errors import ArbiterError
from arbiter_app.stacks import c32, clarity_repr, clarity_wire, transaction
from arbiter_app.wallet import apdu, verify

STACKS_MESSAGE_PREFIX = b"\x17Stacks Signed Message:\n"
DOMAIN_FIELDS = {"chain-id": 0x01, "name": 0x0D, "version": 0x0D}  # field → Clarity type id


class Refusal(Exception):
    """The device refuses the payload (answered as 0x6984 with this ASCII text)."""


@dataclass(frozen=True)
class Review:
    """A parsed payload: what the screens show, the digest to sign, and its kind."""

    kind: str
    digest: bytes
    record: dict[str, Any]


def account(private_key: bytes, address_version: int) -> tuple[bytes, str]:
    """The compressed public key and c32 address of a device key."""

    public_key = coincurve.PrivateKey(private_key).public_key.format(compressed=True)
    return public_key, c32.encode_address(address_version, verify.hash160(public_key))


def path_text(path: tuple[int, ...]) -> str:
    """``m/44'/5757'/0'/0/N`` for a device path."""
    return "/".join(["m", *(f"{p & 0x7FFFFFFF}'" if p & 0x80000000 else str(p) for p in path)])


def review(payload: bytes, private_key: bytes) -> Review:
    """Parse a signing payload as the app does (LAPP ``parsed_obj.rs`` dispatch order).

    :raises Refusal: the payload is not something the app signs, or not for this key
    """
    if payload.startswith(STACKS_MESSAGE_PREFIX):
        raise Refusal("Byte-string messages are not supported by this emulator")
    if payload.startswith(apdu.SIP018_PREFIX):
        return _review_structured(payload[len(apdu.SIP018_PREFIX) :])
    return _review_transaction(payload, private_key)


def signature_reply(private_key: bytes, item: Review) -> bytes:
    """digest-or-postsign (32) || r || s || v || DER, as the device answers (docs/stacks.md
    §6.7)."""
    key = coincurve.PrivateKey(private_key)
    rsv = key.sign_recoverable(item.digest, hasher=None)
    der = key.sign(item.digest, hasher=None)
    first = item.digest
    if item.kind == "transaction":
        # docs/stacks.md §4 step 5: post-sign sighash over presign || key encoding (0x00) || VRS.
        first = sha512_256(item.digest + b"\x00" + rsv[64:] + rsv[:64])
    return first + rsv + der


def sha512_256(data: bytes) -> bytes:
    """SHA-512/256 (FIPS 180-4), the hash of Stacks sighashes and txids."""
    return hashlib.new("sha512_256", data).digest()


def _review_transaction(payload: bytes, private_key: bytes) -> Review:

    try:
        tx = transaction.deserialize(payload)
        described = transaction.describe(tx)
        _, signer = c32.decode_address(transaction.sender_address(tx))
        presign = transaction.presign_sighash(tx)
    except ArbiterError as e:
        raise Refusal(f"Cannot parse the transaction: {e}") from e
    public_key = coincurve.PrivateKey(private_key).public_key.format(compressed=True)
    if signer != verify.hash160(public_key):
        raise Refusal("Wrong signer: the origin is not the key at this path")
    return Review("transaction", presign, transaction_record(described))


def transaction_record(described: dict[str, Any]) -> dict[str, Any]:
    """The screen fields of a decoded transaction (``transaction.describe`` output)."""
    fields = ("network", "chain_id", "sender", "nonce", "fee", "post_condition_mode")
    record: dict[str, Any] = {"kind": "transaction", **{k: described[k] for k in fields}}
    record["payload"] = described["payload"]
    record["post_conditions"] = described["post_conditions"]
    return record


def _review_structured(data: bytes) -> Review:

    end = _domain_end(data)
    domain_bytes, message_bytes = data[:end], data[end:]
    try:
        domain = clarity_wire.deserialize(domain_bytes)
        message = clarity_wire.deserialize(message_bytes)
    except ArbiterError as e:
        raise Refusal(f"Cannot parse the structured message: {e}") from e
    # SIP-018 §"Message hash": sha256(prefix || sha256(domain) || sha256(message)).
    digest = hashlib.sha256(
        apdu.SIP018_PREFIX
        + hashlib.sha256(domain_bytes).digest()
        + hashlib.sha256(message_bytes).digest()
    ).digest()
    record = {
        "kind": "structured_message",
        "domain": clarity_repr.repr_value(domain),
        "message": clarity_repr.repr_value(message),
        "hash": digest.hex(),
    }
    return Review("structured_message", digest, record)


def _domain_end(data: bytes) -> int:
    """Where a three-field domain tuple ends; refuses any other domain shape
    (docs/stacks.md §6.6)."""
    if len(data) < 5 or data[0] != 0x0C or struct.unpack(">I", data[1:5])[0] != len(DOMAIN_FIELDS):
        raise Refusal("The domain must be a tuple of exactly name, version and chain-id")
    offset, seen = 5, []
    for _ in DOMAIN_FIELDS:
        if offset >= len(data):
            raise Refusal("The domain tuple is truncated")
        name = data[offset + 1 : offset + 1 + data[offset]].decode("ascii", "replace")
        offset += 1 + data[offset]
        type_id = data[offset] if offset < len(data) else None
        if DOMAIN_FIELDS.get(name) != type_id:
            raise Refusal(f"Unexpected domain field {name!r}")
        seen.append(name)
        if type_id == 0x01:
            offset += 17
        else:
            if offset + 5 > len(data):
                raise Refusal("The domain tuple is truncated")
            offset += 5 + struct.unpack(">I", data[offset + 1 : offset + 5])[0]
    if sorted(seen) != sorted(DOMAIN_FIELDS) or offset > len(data):
        raise Refusal("The domain must be a tuple of exactly name, version and chain-id")
    return offset
