"""The strict reader of single-signature, standard-authorization transactions (docs/stacks.md §3).

Each field is checked where it is read, so a refusal names the byte offset and what was
expected: version 0x00/0x80, standard auth (0x04; sponsored 0x05 refused by name), a
single-sig hash mode (P2PKH 0x00 or P2WPKH 0x02; multisig modes refused by name), key
encoding, anchor mode, post-condition mode, a post-condition count that fits the bytes
left, the payload, and nothing after it.
"""

from __future__ import annotations

from typing import TypeVar

from arbiter_app.stacks import payloads, postconditions
from arbiter_app.stacks.clarity_wire import Reader
from arbiter_app.stacks.transaction_types import (
    AUTH_STANDARD,
    HASH_P2PKH,
    HASH_P2WPKH,
    KEY_COMPRESSED,
    KEY_UNCOMPRESSED,
    AnchorMode,
    PostConditionMode,
    SpendingCondition,
    Transaction,
)

_Mode = TypeVar("_Mode", AnchorMode, PostConditionMode)
_MULTISIG = {
    0x01: "P2SH multisig",
    0x03: "P2WSH multisig",
    0x05: "order-independent multisig",
    0x07: "order-independent P2WSH multisig",
}
# type byte + origin principal byte + condition code: the smallest post-condition is
# longer than this, which is enough to refuse impossible counts before reading them.
_MIN_POST_CONDITION = 3


def read_transaction(r: Reader) -> Transaction:
    """Read a whole transaction; trailing bytes are an error.

    :raises ClarityDecodeError: naming the offset
    """
    version = r.byte("a version byte")
    if version not in (0x00, 0x80):
        raise r.fail(f"version 0x00 (mainnet) or 0x80 (testnet), not 0x{version:02x}", 0)
    chain_id = r.uint(4, "a 4-byte chain id")
    auth = _read_auth(r)
    anchor = _enum(r, AnchorMode, "anchor mode")
    mode = _enum(r, PostConditionMode, "post-condition mode")
    count_at = r.pos
    count = r.uint(4, "a 4-byte post-condition count")
    if count * _MIN_POST_CONDITION > r.remaining():
        raise r.fail(f"room for {count} post-conditions, only {r.remaining()} bytes left", count_at)
    conditions = tuple(postconditions.decode(r) for _ in range(count))
    payload = payloads.decode(r)
    if r.remaining():
        raise r.fail("the end of the transaction (trailing bytes)")
    return Transaction(version, chain_id, auth, anchor, mode, conditions, payload)


def _enum(r: Reader, kind: type[_Mode], label: str) -> _Mode:
    at = r.pos
    value = r.byte(f"a {label} byte")
    try:
        return kind(value)
    except ValueError:
        known = ", ".join(f"0x{m.value:02x} {m.name.lower()}" for m in kind)
        raise r.fail(f"a {label} ({known}), not 0x{value:02x}", at) from None


def _read_auth(r: Reader) -> SpendingCondition:
    at = r.pos
    auth_type = r.byte("an authorization type byte")
    if auth_type == 0x05:
        raise r.fail("standard authorization 0x04 (sponsored transactions are not supported)", at)
    if auth_type != AUTH_STANDARD:
        raise r.fail(f"authorization type 0x04 (standard), not 0x{auth_type:02x}", at)
    at = r.pos
    mode = r.byte("a hash mode byte")
    if mode in _MULTISIG:
        raise r.fail(f"a single-signature hash mode, not {_MULTISIG[mode]} (0x{mode:02x})", at)
    if mode not in (HASH_P2PKH, HASH_P2WPKH):
        raise r.fail(f"hash mode 0x00 (P2PKH) or 0x02 (P2WPKH), not 0x{mode:02x}", at)
    signer = r.take(20, "a 20-byte signer hash")
    nonce = r.uint(8, "an 8-byte nonce")
    fee = r.uint(8, "an 8-byte fee")
    at = r.pos
    encoding = r.byte("a public key encoding byte")
    if encoding not in (KEY_COMPRESSED, KEY_UNCOMPRESSED):
        expected = "key encoding 0x00 (compressed) or 0x01 (uncompressed)"
        raise r.fail(f"{expected}, not 0x{encoding:02x}", at)
    if mode == HASH_P2WPKH and encoding != KEY_COMPRESSED:
        raise r.fail("a compressed key (0x00) for a P2WPKH spending condition", at)
    at = r.pos
    signature = r.take(65, "a 65-byte signature")
    if signature[0] > 3:
        raise r.fail(f"a signature recovery id 0-3, not {signature[0]}", at)
    return SpendingCondition(mode, signer, nonce, fee, encoding, signature)
