"""Decision-log entries: one canonical JSON object per action, the leaves of the Merkle tree.

Each entry holds its own index, kind, case, time and data, encoded as canonical JSON (sorted
keys, no whitespace, UTF-8: :mod:`arbiter_app.decisionlog.canonical`); its leaf hash is
``SHA-256(0x00 || body)``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from arbiter_app.decisionlog import merkle
from arbiter_app.decisionlog.canonical import canonical_json, decode_canonical, parse_canonical
from arbiter_app.errors import VerificationError

# One kind per action an arbiter takes or the app records for a case (plus the framework's
# reopenings, the key binding, and the contract's governance events as read from the chain).
ENTRY_KINDS = frozenset({
    "dispute-synced", "evidence-added", "evidence-opened", "evidence-unavailable",
    "step-completed", "step-reopened", "ruling-finalized", "rationale-published",
    "transaction-signed", "transaction-broadcast", "transaction-confirmed",
    "transaction-failed", "receipt-issued", "settings-changed", "network-changed",
    "log-key-bound", "party-flagged", "governance-event", "conflict-declared", "notes-saved",
    "document-pinned", "signature-failed", "log-key-rotated",
})


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
        v = parse_canonical(body, "a log entry") if fast is None else fast
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
