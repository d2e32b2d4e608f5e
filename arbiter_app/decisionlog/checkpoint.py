"""Signed checkpoints of the decision log and the attestation binding the log key to an arbiter.

A checkpoint is a signed tree head in C2SP ``tlog-checkpoint`` form: a text note (origin line
naming the log key, tree size, base64 root, then the extension line ``time N``) signed with
the log's Ed25519 key, written as a C2SP ``signed-note`` (the note, a blank line, and the line
``— ORIGIN base64(key id || signature)``, key id = first 4 bytes of SHA-256(origin, newline,
0x01, public key)) so transparency-log tools can read it. The JSON form carries that note
beside the fields; JSON written before the note existed still verifies. The log key itself is
bound, once, to the arbiter's Stacks address by one SIP-018
structured-data signature from the arbiter's signer, so an auditor who trusts the
address can trust every checkpoint. Everything here is pure and verifies offline.
"""

from __future__ import annotations

import base64
import hashlib
from dataclasses import dataclass
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from arbiter_app.errors import InputError, VerificationError
from arbiter_app.stacks import clarity, sip018

ATTESTATION_DOMAIN = "Arbiter Desk Log Key"
ATTESTATION_PURPOSE = "bind decision log key"


@dataclass(frozen=True)
class Checkpoint:
    """A signed tree head: ``size`` leaves with ``root``, at time ``at``, by log key ``key``."""

    size: int
    root: bytes
    at: int
    key: bytes
    signature: bytes

    def to_json(self) -> dict[str, Any]:
        """The checkpoint's JSON form (hex fields)."""
        return {"size": self.size, "root": self.root.hex(), "time": self.at,
                "key": self.key.hex(), "signature": self.signature.hex(),
                "note": signed_note(self)}

    @classmethod
    def from_json(cls, data: Any) -> Checkpoint:
        """Parse the JSON form; :raises InputError: on a missing or malformed field."""
        try:
            cp = cls(int(data["size"]), bytes.fromhex(data["root"]), int(data["time"]),
                     bytes.fromhex(data["key"]), bytes.fromhex(data["signature"]))
        except (KeyError, TypeError, ValueError) as e:
            raise InputError(f"malformed checkpoint: {e!r}") from e
        if "note" in data and data["note"] != signed_note(cp):
            raise InputError("malformed checkpoint: its signed note disagrees with its fields")
        return cp


def note(size: int, root: bytes, at: int, key: bytes) -> bytes:
    """The signed text of a checkpoint (origin, size, base64 root, time; one per line)."""
    return f"{origin(key)}\n{size}\n{base64.b64encode(root).decode()}\ntime {at}\n".encode()


def origin(key: bytes) -> str:
    """The log's origin line (also the note's key name): names the log by its key."""
    return f"arbiter-desk/decision-log/{key.hex()[:16]}"


def key_id(name: str, key: bytes) -> bytes:
    """The signed-note key id of an Ed25519 key: SHA-256(name, newline, 0x01, key)[:4]."""
    return hashlib.sha256(name.encode() + b"\n\x01" + key).digest()[:4]


def signed_note(cp: Checkpoint) -> str:
    """The checkpoint as a C2SP signed note: the note text, a blank line, one signature line."""
    name = origin(cp.key)
    stamp = base64.b64encode(key_id(name, cp.key) + cp.signature).decode()
    return f"{note(cp.size, cp.root, cp.at, cp.key).decode()}\n\u2014 {name} {stamp}\n"


def parse_signed_note(text: str, key: bytes) -> Checkpoint:
    """Read a checkpoint from its signed note, signed by ``key`` (signature checked too).

    :raises VerificationError: naming what is malformed, or a bad signature
    """
    body, sep, signatures = text.partition("\n\n")
    lines = body.split("\n")
    name = origin(key)
    try:
        if not sep or len(lines) != 4 or lines[0] != name or not lines[3].startswith("time "):
            raise ValueError("not origin, size, root and time lines followed by a blank line")
        size, root, at = int(lines[1]), base64.b64decode(lines[2], validate=True), \
            int(lines[3][5:])
        mine = [line for line in signatures.split("\n") if line.startswith(f"\u2014 {name} ")]
        if not mine:
            raise ValueError(f"no signature line by {name}")
        stamp = base64.b64decode(mine[0].rsplit(" ", 1)[1], validate=True)
    except ValueError as e:
        raise VerificationError(f"the checkpoint note is malformed ({e})") from e
    if stamp[:4] != key_id(name, key):
        raise VerificationError("the checkpoint note's signature names another key id")
    cp = Checkpoint(size, root, at, key, stamp[4:])
    verify_checkpoint(cp, key)
    if signed_note(cp) != text:
        raise VerificationError("the checkpoint note is not in canonical form")
    return cp


def sign_checkpoint(private: Ed25519PrivateKey, size: int, root: bytes, at: int) -> Checkpoint:
    """Sign the tree head (``size``, ``root``) at ``at`` with the log key."""
    key = private.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
    return Checkpoint(size, root, at, key, private.sign(note(size, root, at, key)))


def verify_checkpoint(cp: Checkpoint, key: bytes | None = None) -> None:
    """Check the checkpoint's Ed25519 signature (and that it is by ``key`` when given).

    :raises VerificationError: if it is by another key or the signature does not match
    """
    if key is not None and cp.key != key:
        raise VerificationError(f"the checkpoint of size {cp.size} is signed by another log key "
                                f"({cp.key.hex()[:16]}…, expected {key.hex()[:16]}…)")
    if len(cp.root) != 32 or len(cp.key) != 32:
        raise VerificationError(f"the checkpoint of size {cp.size} has a malformed root or key")
    try:
        Ed25519PublicKey.from_public_bytes(cp.key).verify(
            cp.signature, note(cp.size, cp.root, cp.at, cp.key))
    except (InvalidSignature, ValueError) as e:
        raise VerificationError(f"the checkpoint of size {cp.size} has a bad signature") from e


@dataclass(frozen=True)
class Attestation:
    """The SIP-018 signature by ``address`` over (log key, purpose) on network ``chain_id``."""

    address: str
    chain_id: int
    log_key: bytes
    signature: bytes

    def to_json(self) -> dict[str, Any]:
        """The attestation's JSON form."""
        return {"address": self.address, "chain_id": self.chain_id,
                "log_key": self.log_key.hex(), "signature": self.signature.hex()}

    @classmethod
    def from_json(cls, data: Any) -> Attestation:
        """Parse the JSON form; :raises InputError: on a missing or malformed field."""
        try:
            return cls(str(data["address"]), int(data["chain_id"]),
                       bytes.fromhex(data["log_key"]), bytes.fromhex(data["signature"]))
        except (KeyError, TypeError, ValueError) as e:
            raise InputError(f"malformed log key attestation: {e!r}") from e


def attestation_message(log_key: bytes, chain_id: int) -> tuple[clarity.Tuple, clarity.Tuple]:
    """The SIP-018 (domain, message) pair an arbiter signs to bind ``log_key``."""
    domain = sip018.make_domain(ATTESTATION_DOMAIN, "1", chain_id)
    message = clarity.Tuple({"log-key": clarity.Buffer(log_key),
                             "purpose": clarity.StringAscii(ATTESTATION_PURPOSE)})
    return domain, message


def verify_attestation(att: Attestation, log_key: bytes | None = None) -> None:
    """Check that ``att.address`` signed the binding of ``att.log_key`` (equal to ``log_key``).

    :raises VerificationError: if the key differs or the signature is not by that address
    """
    if log_key is not None and att.log_key != log_key:
        raise VerificationError("the log key attestation binds another log key")
    domain, message = attestation_message(att.log_key, att.chain_id)
    try:
        good = sip018.verify(domain, message, att.signature, att.address)
    except (InputError, ValueError) as e:
        raise VerificationError(f"the log key attestation is malformed: {e}") from e
    if not good:
        raise VerificationError(f"the log key attestation is not signed by {att.address}")
