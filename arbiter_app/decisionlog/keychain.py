"""Rotation of the decision-log key: handovers from each old key to the next, and their chain.

A rotation writes a handover: a text statement naming the old key, the new key, the log size
from which the new key signs (the handover's own entry is the old key's last) and the time,
signed with the *old* Ed25519 key, carrying the device's SIP-018 binding of the new key to the
arbiter's address. The chain of handovers, oldest first, ends at the key that signs the
current checkpoint; every checkpoint ever signed is then verifiable by the key that held the
log at its size, and the exports that carry the chain let an auditor follow it offline
(docs/log-key.md). Pure.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from arbiter_app.decisionlog.checkpoint import (
    Attestation,
    Checkpoint,
    verify_attestation,
    verify_checkpoint,
)
from arbiter_app.decisionlog.vault import public_of
from arbiter_app.errors import InputError, VerificationError

HANDOVER_KEYS = {"old_key", "new_key", "size", "time", "signature", "attestation"}


@dataclass(frozen=True)
class Handover:
    """The old key's signed word that ``new`` signs the log from ``size`` entries on."""

    old: bytes
    new: bytes
    size: int
    at: int
    signature: bytes
    attestation: Attestation | None

    def statement(self) -> bytes:
        """The text the old key signs."""
        return handover_statement(self.old, self.new, self.size, self.at)

    def to_json(self) -> dict[str, Any]:
        """The handover's JSON form (hex keys and signature)."""
        return {"old_key": self.old.hex(), "new_key": self.new.hex(), "size": self.size,
                "time": self.at, "signature": self.signature.hex(),
                "attestation": None if self.attestation is None else self.attestation.to_json()}

    @classmethod
    def from_json(cls, data: Any) -> Handover:
        """Parse the JSON form; :raises InputError: on a missing or malformed field."""
        try:
            if not isinstance(data, dict) or set(data) != HANDOVER_KEYS:
                raise ValueError("not the fields of a key handover")
            att = data["attestation"]
            made = cls(bytes.fromhex(data["old_key"]), bytes.fromhex(data["new_key"]),
                       data["size"], data["time"], bytes.fromhex(data["signature"]),
                       None if att is None else Attestation.from_json(att))
        except (KeyError, TypeError, ValueError) as e:
            raise InputError(f"malformed log key handover: {e}") from e
        if type(made.size) is not int or type(made.at) is not int or made.size < 1:
            raise InputError("malformed log key handover: its size or time is not a number")
        return made


def handover_statement(old: bytes, new: bytes, size: int, at: int) -> bytes:
    """``arbiter-desk/decision-log key handover``, then one line each: old, new, size, time."""
    return (f"arbiter-desk/decision-log key handover\nold {old.hex()}\nnew {new.hex()}\n"
            f"size {size}\ntime {at}\n").encode()


def sign_handover(old: Ed25519PrivateKey, new: bytes, size: int, at: int,
                  attestation: Attestation | None) -> Handover:
    """The handover from ``old`` to ``new`` at log size ``size``, signed by ``old``."""
    old_public = public_of(old)
    return Handover(old_public, new, size, at,
                    old.sign(handover_statement(old_public, new, size, at)), attestation)


@dataclass(frozen=True)
class KeyChain:
    """Each log key with the sizes it signed: ``periods[key] = (first, last)`` (last is
    ``None`` for the current key)."""

    periods: dict[bytes, tuple[int, int | None]]
    current: bytes

    def check(self, cp: Checkpoint) -> None:
        """Check that ``cp`` is signed by the key that held the log at its size.

        :raises VerificationError: another key, or a size outside that key's period
        """
        period = self.periods.get(cp.key)
        if period is None:
            raise VerificationError(f"the checkpoint of size {cp.size} is signed by a key "
                                    f"outside the log's key chain ({cp.key.hex()[:16]}…)")
        first, last = period
        if cp.size < first or (last is not None and cp.size > last):
            raise VerificationError(f"the checkpoint of size {cp.size} is signed by the key "
                                    f"{cp.key.hex()[:16]}…, which held the log only from size "
                                    f"{first}" + ("" if last is None else f" to {last}"))
        verify_checkpoint(cp)


def verify_chain(handovers: Sequence[Handover], current: bytes,
                 address: str | None = None) -> KeyChain:
    """Check a chain of handovers ending at ``current`` and return each key's period.

    :param address: the arbiter every new key must be bound to (the current binding's)
    :raises VerificationError: a broken link, a bad signature, sizes that go back, or a new
        key bound to nobody or to another address
    """
    periods: dict[bytes, tuple[int, int | None]] = {}
    first = 0
    for number, h in enumerate(handovers, start=1):
        where = f"key handover {number}"
        if number > 1 and handovers[number - 2].new != h.old:
            raise VerificationError(f"{where} starts from another key than the last one ended")
        if h.old in periods or h.old == h.new or h.size <= first:
            raise VerificationError(f"{where} repeats a key or goes back in the log")
        try:
            Ed25519PublicKey.from_public_bytes(h.old).verify(h.signature, h.statement())
        except (InvalidSignature, ValueError) as e:
            raise VerificationError(f"{where} is not signed by its old key") from e
        _check_binding(h, address, where)
        periods[h.old] = (first, h.size)
        first = h.size
    if handovers and handovers[-1].new != current:
        raise VerificationError("the key chain does not end at the key that signs the log")
    if current in periods:
        raise VerificationError("the key chain returns to an earlier key")
    periods[current] = (first, None)
    return KeyChain(periods, current)


def _check_binding(h: Handover, address: str | None, where: str) -> None:
    if h.attestation is None:
        if address is not None:
            raise VerificationError(f"{where}: the new key is not bound to {address}")
        return
    try:
        verify_attestation(h.attestation, h.new)
    except VerificationError as e:
        raise VerificationError(f"{where}: {e}") from e
    if address is not None and h.attestation.address != address:
        raise VerificationError(f"{where}: the new key is bound to {h.attestation.address}, "
                                f"not {address}")
