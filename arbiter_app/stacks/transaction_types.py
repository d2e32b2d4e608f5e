"""A Stacks transaction's fields: the immutable data and the wire constants, shared by the
writer and signer (:mod:`arbiter_app.stacks.transaction`) and the reader
(:mod:`arbiter_app.stacks.transaction_wire`), so neither imports the other's back.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum

from arbiter_app.stacks.payloads import Payload
from arbiter_app.stacks.postconditions import PostCondition

AUTH_STANDARD = 0x04
HASH_P2PKH, HASH_P2WPKH = 0x00, 0x02
KEY_COMPRESSED, KEY_UNCOMPRESSED = 0x00, 0x01
EMPTY_SIGNATURE = bytes(65)


class AnchorMode(IntEnum):
    """Where the transaction may be mined (docs/stacks.md §3.7: stacks.js v7 always writes ANY)."""

    ON_CHAIN_ONLY = 0x01
    OFF_CHAIN_ONLY = 0x02
    ANY = 0x03


class PostConditionMode(IntEnum):
    """Whether unlisted asset movements abort the transaction (ORIGINATOR is SIP-040)."""

    ALLOW = 0x01
    DENY = 0x02
    ORIGINATOR = 0x03


ALLOW = PostConditionMode.ALLOW
DENY = PostConditionMode.DENY
ORIGINATOR = PostConditionMode.ORIGINATOR


@dataclass(frozen=True)
class SpendingCondition:
    """The origin's single-sig spending condition (103 bytes on the wire, docs/stacks.md §3.2)."""

    hash_mode: int
    signer: bytes
    nonce: int
    fee: int
    key_encoding: int
    signature: bytes = EMPTY_SIGNATURE


@dataclass(frozen=True)
class Transaction:
    """A decoded or built transaction; every field is immutable."""

    version: int
    chain_id: int
    auth: SpendingCondition
    anchor_mode: AnchorMode
    post_condition_mode: PostConditionMode
    post_conditions: tuple[PostCondition, ...]
    payload: Payload

    @property
    def mainnet(self) -> bool:
        """Whether the version byte says mainnet (the node looks only at bit 0x80)."""
        return not self.version & 0x80

    @property
    def signed(self) -> bool:
        """Whether a signature is attached."""
        return self.auth.signature != EMPTY_SIGNATURE
