"""Decision-log exports an auditor verifies offline: JSONL, and CSV for spreadsheets.

A JSONL export is one header line and one line per entry, every line canonical JSON. The header
carries the signed checkpoint, the SIP-018 attestation binding the log key to the arbiter's
address, the log key's handovers when it was rotated (each earlier checkpoint is checked against
the key that held the log at its size), the scope (whole log or one case), the exact entry
indices a one-case file holds, and an Ed25519 signature by the log key over all of that. A
whole-log export lists every entry in order and nothing more: :func:`verify_jsonl` rebuilds the
tree from them once and compares its root with the signed checkpoint. A one-case export is a
slice, so each of its lines also carries the entry's RFC 6962 inclusion proof (base64 hashes,
bottom-up, as in C2SP ``tlog-proof``). Verification needs no network. Any changed, deleted,
reordered or inserted line or field breaks a signature, a proof, the root, the index list or the
canonical form; the error names the first bad line, except an altered entry of a whole-log
export, which only the rebuilt root betrays (its error names the lines the root covers).
"""

from __future__ import annotations

import base64
import csv
import hashlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import IO, Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from arbiter_app.decisionlog import merkle
from arbiter_app.decisionlog.canonical import canonical_json, decode_canonical, parse_canonical
from arbiter_app.decisionlog.checkpoint import (
    Attestation,
    Checkpoint,
    verify_attestation,
    verify_checkpoint,
)
from arbiter_app.decisionlog.entry import ENTRY_KINDS, Entry
from arbiter_app.decisionlog.keychain import Handover, KeyChain, verify_chain
from arbiter_app.decisionlog.view import LogView
from arbiter_app.errors import InputError, VerificationError

SCHEMA = "arbiter-desk-log/3"  # 3: the header carries the log key's handovers ("keys")
SCHEMA_V2 = "arbiter-desk-log/2"  # 2: whole-log exports carry no per-entry proofs
# The first format: every line, whole-log exports too, carries its inclusion proof. Exports
# written by earlier versions of the app keep verifying, line by line.
SCHEMA_V1 = "arbiter-desk-log/1"
HEADER_KEYS = {"type", "schema", "scope", "case", "indices", "checkpoint", "attestation",
               "history", "signature"}
HEADER_KEYS_V3 = HEADER_KEYS | {"keys"}
LINE_KEYS = {"type", "entry", "proof"}
WHOLE_HEAD, WHOLE_TAIL = b'{"entry":', b',"type":"entry"}'  # a whole-log entry line's frame
ENTRY_KEYS = {"index", "kind", "case", "at", "data"}


@dataclass(frozen=True)
class ExportReport:
    """What a verified export holds: scope, case, entry count, checkpoint and the arbiter."""

    scope: str
    case: int | None
    entries: int
    checkpoint: Checkpoint
    arbiter: str | None
    history: dict[int, Checkpoint]
    chain: KeyChain


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def header_for(scope_case: int | None, indices: list[int], cp: Checkpoint,
               att: Attestation | None, history: list[dict[str, Any]],
               handovers: Sequence[Handover] = ()) -> dict[str, Any]:
    """The unsigned header of an export (indices are listed only for one-case exports)."""
    return {"type": "header", "schema": SCHEMA, "scope": "all" if scope_case is None else "case",
            "case": scope_case, "indices": None if scope_case is None else indices,
            "checkpoint": cp.to_json(), "attestation": att.to_json() if att else None,
            "history": history, "keys": [h.to_json() for h in handovers]}


def _history(view: LogView) -> list[dict[str, Any]]:
    """Every earlier checkpoint, each with its consistency proof to the view's checkpoint
    (RFC 6962 §2.1.2), so an auditor holding any of them can check that the log only grew."""
    cp = view.checkpoint
    return [{"checkpoint": old.to_json(),
             "consistency": [_b64(h) for h in view.tree.consistency_proof(old.size, cp.size)]}
            for old in view.earlier if 0 < old.size < cp.size]


def export_jsonl(view: LogView, out: IO[bytes], sign: Callable[[bytes], bytes], *,
                 invoice_id: int | None = None) -> int:
    """Write a JSONL export of the entries of ``view`` under its checkpoint.

    :param view: the log under a fresh checkpoint (all entries, or those of ``invoice_id``)
    :param out: a binary stream to write to
    :param sign: the log key's Ed25519 signature of the header's canonical bytes
    :param invoice_id: the case the view holds, or ``None`` for the whole log
    :returns: the number of entries written
    """
    cp = view.checkpoint
    header = header_for(invoice_id, [e.index for e in view.entries], cp, view.attestation,
                        _history(view), view.handovers)
    header["signature"] = sign(canonical_json(header)).hex()
    out.write(canonical_json(header) + b"\n")
    for entry in view.entries:
        if invoice_id is None:
            out.write(WHOLE_HEAD + entry.body + WHOLE_TAIL + b"\n")
            continue
        proof = [_b64(h) for h in view.tree.inclusion_proof(entry.index, cp.size)]
        out.write(b'{"entry":' + entry.body + b',"proof":' + canonical_json(proof) +
                  b',"type":"entry"}\n')
    return len(view.entries)


def export_csv(entries: Sequence[Entry], out: IO[str]) -> int:
    """Write the entries as CSV (index, time, kind, case, leaf hash, data) for spreadsheets.

    The CSV is for reading, not for proof: verify the JSONL export.
    """
    writer = csv.writer(out)
    writer.writerow(["index", "time", "kind", "case", "leaf_sha256", "data"])
    for e in entries:
        writer.writerow([e.index, e.at, e.kind, "" if e.invoice_id is None else e.invoice_id,
                         e.leaf.hex(), canonical_json(e.data).decode()])
    return len(entries)


def _parse(line: bytes, number: int) -> dict[str, Any]:
    value = parse_canonical(line, f"line {number}")
    if not isinstance(value, dict):
        raise VerificationError(f"line {number}: not a JSON object")
    return value


def _hash(text: Any, number: int, encode: str = "b64") -> bytes:
    try:
        raw = base64.b64decode(text, validate=True) if encode == "b64" else bytes.fromhex(text)
    except (ValueError, TypeError) as e:
        raise VerificationError(f"line {number}: a hash is malformed") from e
    again = _b64(raw) if encode == "b64" else raw.hex()
    if again != text or len(raw) != 32:
        raise VerificationError(f"line {number}: a hash is malformed")
    return raw


def _header_shape(h: dict[str, Any]) -> None:
    """Refuse a header whose fields are not those of its schema."""
    fields = HEADER_KEYS_V3 if h.get("schema") == SCHEMA else HEADER_KEYS
    if set(h) != fields or h["type"] != "header" or \
            h["schema"] not in (SCHEMA, SCHEMA_V2, SCHEMA_V1):
        raise VerificationError(f"line 1: not an {SCHEMA} header")


def _check_header(h: dict[str, Any], attested: bool, log_key: bytes | None,
                  arbiter: str | None
                  ) -> tuple[Checkpoint, Attestation | None, dict[int, Checkpoint], KeyChain]:
    _header_shape(h)
    try:
        cp = Checkpoint.from_json(h["checkpoint"])
        att = Attestation.from_json(h["attestation"]) if h["attestation"] is not None else None
        signature = bytes.fromhex(h["signature"])
        keys = h.get("keys", [])
        if not isinstance(keys, list):
            raise InputError("the key handovers are not a list")
        handovers = [Handover.from_json(k) for k in keys]
    except (InputError, TypeError, ValueError) as e:
        raise VerificationError(f"line 1: {e}") from e
    if signature.hex() != h["signature"]:  # the one field its own signature cannot cover
        raise VerificationError("line 1: the header's signature is not lowercase hex")
    try:
        chain = verify_chain(handovers, cp.key, att.address if att else None)
    except VerificationError as e:
        raise VerificationError(f"line 1: {e}") from e
    if log_key is not None and log_key not in chain.periods:
        raise VerificationError(f"line 1: the log is signed by another log key "
                                f"({cp.key.hex()[:16]}…, expected {log_key.hex()[:16]}…)")
    try:
        verify_checkpoint(cp)
        unsigned = {k: v for k, v in h.items() if k != "signature"}
        Ed25519PublicKey.from_public_bytes(cp.key).verify(signature, canonical_json(unsigned))
    except (VerificationError, InvalidSignature) as e:
        raise VerificationError(f"line 1: the header is not signed by its log key ({e})") from e
    if att is not None:
        try:
            verify_attestation(att, cp.key)
        except VerificationError as e:
            raise VerificationError(f"line 1: {e}") from e
    history = _check_history(h["history"], cp, chain)
    if att is None and (attested or arbiter is not None):
        raise VerificationError("line 1: the log key is not bound to an arbiter address")
    if arbiter is not None and att is not None and att.address != arbiter:
        raise VerificationError(f"line 1: the log key is bound to {att.address}, not {arbiter}")
    return cp, att, history, chain


def _name(cp: Checkpoint) -> str:
    return f"the checkpoint of size {cp.size} (root {cp.root.hex()[:16]}…, time {cp.at})"


def _check_history(history: Any, cp: Checkpoint, chain: KeyChain) -> dict[int, Checkpoint]:
    """Verify every earlier checkpoint (signed by the key of ``chain`` that held the log at
    its size) and its consistency with ``cp``; return them by size."""
    if not isinstance(history, list):
        raise VerificationError("line 1: the checkpoint history is malformed")
    kept: dict[int, Checkpoint] = {}
    for item in history:
        try:
            old = Checkpoint.from_json(item["checkpoint"])
            proof = [_hash(p, 1) for p in item["consistency"]]
        except (InputError, KeyError, TypeError) as e:
            raise VerificationError(f"line 1: the checkpoint history is malformed ({e})") from e
        try:
            chain.check(old)
            merkle.verify_consistency(old.size, cp.size, old.root, cp.root, proof)
        except VerificationError as e:
            raise VerificationError(f"line 1: {_name(old)} is not consistent with {_name(cp)} "
                                    f"({e})") from e
        kept[old.size] = old
    return kept


def check_previous(report: ExportReport, previous: Checkpoint) -> None:
    """Check that a checkpoint the auditor kept from an earlier audit is extended by this log.

    :raises VerificationError: naming both checkpoints on a split view or a rewritten history
    """
    report.chain.check(previous)
    current = report.checkpoint
    same = current if previous.size == current.size else report.history.get(previous.size)
    if same is None:
        raise VerificationError(f"{_name(previous)} is missing from the log's history under "
                                f"{_name(current)}: the log was rewritten")
    if same.root != previous.root:
        raise VerificationError(f"equivocation: {_name(previous)} and {_name(same)} are both "
                                "signed by the log key but differ")


def _expected_indices(h: dict[str, Any], size: int) -> Sequence[int]:
    """The entry indices the file must hold.

    A header may claim any checkpoint size, so the whole log's indices stay a lazy ``range``:
    what verification holds in memory grows with the file's lines, never with the claim.
    """
    if h["scope"] == "all" and h["case"] is None and h["indices"] is None:
        return range(size)
    if h["scope"] == "case" and isinstance(h["case"], int) and isinstance(h["indices"], list):
        indices = h["indices"]
        if all(isinstance(i, int) for i in indices) and indices == sorted(set(indices)) and \
                all(0 <= i < size for i in indices):
            return indices
    raise VerificationError("line 1: the export's scope or index list is malformed")


def _check_fields(e: Any, number: int, index: int) -> None:
    if not isinstance(e, dict) or set(e) != ENTRY_KEYS or e["kind"] not in ENTRY_KINDS or \
            not isinstance(e["data"], dict):
        raise VerificationError(f"line {number}: the entry's fields are malformed")
    if e["index"] != index:
        raise VerificationError(f"line {number}: expected entry {index}, found {e['index']} "
                                "(a line was removed, inserted or moved)")
    if not _whole(e["at"]) or not (e["case"] is None or _whole(e["case"])):
        raise VerificationError(f"line {number}: the entry's time or case is not a whole "
                                "number of at least 0")


def _whole(value: Any) -> bool:
    """A JSON integer of at least 0 (``true`` is not one)."""
    return type(value) is int and value >= 0


def _whole_log_leaf(line: bytes, number: int, index: int) -> bytes:
    """Check one line of a whole-log export; return its entry's leaf hash."""
    framed = line.startswith(WHOLE_HEAD) and line.endswith(WHOLE_TAIL)
    body = line[len(WHOLE_HEAD):-len(WHOLE_TAIL)] if framed else b""
    e = decode_canonical(body) if framed else None
    if e is None:  # the strict parser names what is wrong, or vouches for the line
        v = _parse(line, number)
        if set(v) != {"type", "entry"} or v["type"] != "entry":
            raise VerificationError(f"line {number}: not an entry line of a whole-log export")
        e, body = v["entry"], line[len(WHOLE_HEAD):-len(WHOLE_TAIL)]
    _check_fields(e, number, index)
    return hashlib.sha256(b"\x00" + body).digest()


def _check_entry(v: dict[str, Any], body: bytes, number: int, index: int, case: int | None,
                 cp: Checkpoint) -> None:
    if set(v) != LINE_KEYS or v["type"] != "entry" or not isinstance(v["entry"], dict) or \
            not isinstance(v["proof"], list):
        raise VerificationError(f"line {number}: not an entry line")
    e = v["entry"]
    _check_fields(e, number, index)
    if case is not None and e["case"] != case:
        raise VerificationError(f"line {number}: entry {index} belongs to another case")
    leaf = merkle.leaf_hash(body)
    proof = [_hash(p, number) for p in v["proof"]]
    try:
        merkle.verify_inclusion(index, cp.size, leaf, proof, cp.root)
    except VerificationError as err:
        raise VerificationError(f"line {number}: entry {index} is not in the signed log "
                                f"({err})") from err


def verify_header(line: bytes) -> Checkpoint:
    """Verify only an export's header line (signatures, history); return its checkpoint.

    :raises VerificationError: naming what is wrong with it
    """
    return _check_header(_parse(line, 1), False, None, None)[0]


def _entry_bytes(line: bytes) -> bytes:
    """The entry's canonical bytes, cut from a line already checked to be canonical.

    Keys sort as ``entry``, ``proof``, ``type``, and the proof holds only base64 strings, so
    the last ``,"proof":[`` ends the entry (one JSON encoding instead of two per line).
    """
    start, end = len(b'{"entry":'), line.rfind(b',"proof":[')
    return line[start:end] if line.startswith(b'{"entry":') and end > start else b""


def verify_jsonl(lines: Sequence[bytes], *, require_attestation: bool = True,
                 log_key: bytes | None = None, arbiter: str | None = None) -> ExportReport:
    """Verify a JSONL export offline.

    :param lines: the file's lines without their newline characters
    :param require_attestation: refuse a log key not bound to an arbiter address
    :param log_key: the log key the auditor expects (e.g. kept from an earlier audit)
    :param arbiter: the Stacks address the log key must be bound to
    :raises VerificationError: naming the first bad line and what is wrong with it
    """
    if not lines:
        raise VerificationError("line 1: the export is empty")
    h = _parse(lines[0], 1)
    cp, att, history, chain = _check_header(h, require_attestation, log_key, arbiter)
    expected = _expected_indices(h, cp.size)
    whole = merkle.GrowingRange() if h["scope"] == "all" and h["schema"] != SCHEMA_V1 else None
    count = 0
    for number, line in enumerate(lines[1:], start=2):
        if count >= len(expected):
            raise VerificationError(f"line {number}: more entries than the header lists")
        if whole is not None:
            whole.add(_whole_log_leaf(line, number, count))
        else:
            value = _parse(line, number)
            _check_entry(value, _entry_bytes(line), number, expected[count], h["case"], cp)
        count += 1
    if count < len(expected):
        raise VerificationError(f"line {count + 2}: entry {expected[count]} is missing "
                                f"(the header lists {len(expected)} entries)")
    if whole is not None and whole.root() != cp.root:
        raise VerificationError(f"lines 2-{count + 1}: these entries are not the log signed in "
                                f"line 1 ({_name(cp)}): one was altered or replaced, which a "
                                "whole-log export cannot pin to a line (a one-case export can)")
    return ExportReport(h["scope"], h["case"], count, cp, att.address if att else None, history,
                        chain)


def read_lines(data: bytes) -> list[bytes]:
    """Split an export file into lines; the file must end with one newline and hold no blanks.

    :raises VerificationError: naming the first blank or unterminated line
    """
    parts = data.split(b"\n")
    if parts[-1] != b"":
        raise VerificationError(f"line {len(parts)}: the file does not end with a newline")
    for number, part in enumerate(parts[:-1], start=1):
        if not part:
            raise VerificationError(f"line {number}: blank line")
    return parts[:-1]


def sha256_hex(data: bytes) -> str:
    """Hex SHA-256 (used for the receipt and export digests)."""
    return hashlib.sha256(data).hexdigest()
