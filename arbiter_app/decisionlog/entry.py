"""Decision-log entries: one canonical JSON object per action, the leaves of the Merkle tree.

Each entry holds its own index, kind, case, time and data, encoded as canonical JSON (sorted
keys, no whitespace, UTF-8); its leaf hash is ``SHA-256(0x00 || body)``.
"""

from __future__ import annotations

import decimal
import json
from dataclasses import dataclass
from typing import Any

import msgspec

from arbiter_app.decisionlog import merkle, strict
from arbiter_app.errors import VerificationError

# One kind per action an arbiter takes or the app records for a case (plus the framework's
# reopenings, the key binding, and the contract's governance events as read from the chain).
ENTRY_KINDS = frozenset({
    "dispute-synced", "evidence-added", "evidence-opened", "evidence-unavailable",
    "step-completed", "step-reopened", "ruling-finalized", "rationale-published",
    "transaction-signed", "transaction-broadcast", "transaction-confirmed",
    "transaction-failed", "receipt-issued", "settings-changed", "network-changed",
    "log-key-bound", "party-flagged", "governance-event", "conflict-declared", "notes-saved",
    "document-pinned", "signature-failed",
})


MAX_FAST_NESTING = 16
"""Documents with more brackets than this take the strict parser, which bounds their depth
(at twice this, so the fast path never vouches for a document the strict one refuses)."""

# Floats decode as Decimal, which msgspec encodes as a JSON string: a float never re-encodes
# to the same bytes, so documents holding one always go to the json module.
_DECODE = msgspec.json.Decoder(float_hook=decimal.Decimal)
_ENCODE = msgspec.json.Encoder(order="sorted")


def canonical_json(value: Any) -> bytes:
    """Canonical JSON: sorted keys, no whitespace, UTF-8 (not ASCII-escaped)."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False,
                      allow_nan=False).encode("utf-8")


def decode_canonical(raw: bytes) -> Any | None:
    """The value of ``raw`` when the fast path can vouch that it is canonical JSON, else ``None``.

    For JSON without floats, msgspec with sorted keys writes exactly :func:`canonical_json`'s
    bytes (same escapes, same key order, big integers included), so a value whose msgspec
    encoding equals ``raw`` is canonical, at a tenth of the json module's cost. ``None``
    promises nothing: the caller's strict parser then decides and names any problem.
    """
    if raw.count(b"[") + raw.count(b"{") > MAX_FAST_NESTING:
        return None
    try:
        value = _DECODE.decode(raw)
    except (msgspec.DecodeError, ValueError, RecursionError):  # bad UTF-8 is a ValueError
        return None
    return value if _ENCODE.encode(value) == raw else None


@dataclass(frozen=True)
class Entry:
    """One log entry: its position, kind, case (or ``None``), time, data and exact bytes."""

    index: int
    kind: str
    invoice_id: int | None
    at: int
    data: dict[str, Any]
    body: bytes

    @property
    def leaf(self) -> bytes:
        """The entry's RFC 6962 leaf hash."""
        return merkle.leaf_hash(self.body)

    @classmethod
    def from_body(cls, body: bytes) -> Entry:
        """Parse an entry from its canonical bytes.

        :raises VerificationError: if the bytes are not a canonical entry
        """
        fast = decode_canonical(body)
        v = strict.parse_canonical(body, "a log entry") if fast is None else fast
        try:
            if not isinstance(v["data"], dict):
                raise TypeError("its data is not an object")
            return cls(int(v["index"]), str(v["kind"]),
                       None if v["case"] is None else int(v["case"]), int(v["at"]),
                       v["data"], body)
        except (ValueError, KeyError, TypeError) as e:
            raise VerificationError(f"a log entry is malformed: {e!r}") from e


def make_entry(index: int, kind: str, invoice_id: int | None, at: int,
               data: dict[str, Any]) -> Entry:
    """Build an entry with its canonical bytes (no I/O)."""
    if kind not in ENTRY_KINDS:
        raise ValueError(f"unknown log entry kind {kind!r}")
    body = canonical_json({"index": index, "kind": kind, "case": invoice_id, "at": at,
                           "data": data})
    return Entry(index, kind, invoice_id, at, data, body)
