"""The arbiter's list of suspicious addresses: add with a reason, remove, and share it as a
JSON or CSV file. Every change is a ``party-flagged`` log entry written with it; a dispute
whose payer or payee is on the list carries the suspicious-address review flag, which step 5
asks the arbiter to confirm by name.

A shared list is untrusted input: its size is bounded before it is parsed, every address is
checked (c32 with its checksum) and every reason is plain text of bounded length; one bad
row refuses the whole file, naming the row, and nothing is stored.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import msgspec

from arbiter_app.errors import InputError, UsageError
from arbiter_app.services.session import Session
from arbiter_app.stacks import c32
from arbiter_app.store import execution

MAX_FILE_BYTES = 4 * 1024 * 1024
MAX_ENTRIES = 20_000
MAX_REASON = 500
FORMATS = ("json", "csv")


@dataclass(frozen=True)
class Suspicious:
    """One listed address and why it is listed."""

    address: str
    reason: str


def listed(session: Session) -> list[Suspicious]:
    """The listed addresses, sorted."""
    rows = session.store.conn.execute(
        "SELECT address, note FROM parties WHERE suspicious = 1 ORDER BY address")
    return [Suspicious(str(a), str(n)) for a, n in rows]


def check_address(text: str) -> str:
    """The address in its canonical upper-case spelling.

    :raises UsageError: naming what is wrong with it
    """
    candidate = text.strip()
    try:
        version, hash160 = c32.decode_address(candidate)
    except c32.C32Error as e:
        raise UsageError(f"{candidate[:60]!r} is not a Stacks address: {e}") from e
    return c32.encode_address(version, hash160)


def _reason(text: str) -> str:
    reason = " ".join(text.split())
    if not reason:
        raise UsageError("a suspicious address needs a reason")
    if len(reason) > MAX_REASON or not reason.isprintable():
        raise UsageError(f"a reason is printable text of at most {MAX_REASON} characters")
    return reason


def flag(session: Session, address: str, reason: str, *, now: int) -> Suspicious:
    """List ``address`` as suspicious because of ``reason`` (logged).

    :raises UsageError: a malformed address or an empty reason
    """
    entry = Suspicious(check_address(address), _reason(reason))
    execution.flag_party(session.store, entry.address, suspicious=True, note=entry.reason,
                         now=now)
    return entry


def unflag(session: Session, address: str, *, now: int) -> None:
    """Take ``address`` off the list (logged).

    :raises UsageError: when it is not listed
    """
    canonical = check_address(address)
    if canonical not in {s.address for s in listed(session)}:
        raise UsageError(f"{canonical} is not on the suspicious list")
    execution.flag_party(session.store, canonical, suspicious=False, note="", now=now)


def import_list(session: Session, data: bytes, fmt: str, *, now: int) -> int:
    """Add every entry of a shared list (JSON or CSV, see :func:`export_list`), each logged,
    in one transaction; entries already listed with the same reason are skipped.

    :returns: how many were added or changed
    :raises UsageError: a file too large, malformed, or with a bad row (nothing is stored)
    """
    if len(data) > MAX_FILE_BYTES:
        raise UsageError(f"a suspicious-address list is at most {MAX_FILE_BYTES} bytes")
    rows = _parse(data, fmt)
    if len(rows) > MAX_ENTRIES:
        raise UsageError(f"a suspicious-address list holds at most {MAX_ENTRIES} entries")
    entries = []
    for n, (address, reason) in enumerate(rows, start=1):
        try:
            entries.append(Suspicious(check_address(address), _reason(reason)))
        except UsageError as e:
            raise UsageError(f"entry {n} of the list: {e}") from e
    have = set(listed(session))
    new = [entry for entry in entries if entry not in have]
    with session.store.atomic():
        for entry in new:
            execution.flag_party(session.store, entry.address, suspicious=True,
                                 note=entry.reason, now=now)
    return len(new)


def _parse(data: bytes, fmt: str) -> list[tuple[str, str]]:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        raise UsageError(f"the list is not UTF-8 text (byte {e.start})") from e
    if fmt == "json":
        try:
            doc = msgspec.json.decode(text, type=list[Suspicious])
        except msgspec.DecodeError as e:
            raise UsageError("the JSON list must be an array of {\"address\", \"reason\"} "
                             f"objects: {e}") from e
        return [(d.address, d.reason) for d in doc]
    if fmt == "csv":
        reader = csv.reader(io.StringIO(text))
        header = next(reader, None)
        if header != ["address", "reason"]:
            raise UsageError("the CSV list must start with the header line address,reason")
        rows = []
        for line in reader:
            if len(line) != 2:
                raise UsageError(f"CSV line {reader.line_num} has {len(line)} fields, not 2")
            rows.append((line[0], line[1]))
        return rows
    raise UsageError(f"the list format is one of {', '.join(FORMATS)}, not {fmt!r}")


def export_list(entries: Sequence[Suspicious], fmt: str) -> bytes:
    """The list as a shareable file: JSON (an array of ``{"address", "reason"}``) or CSV
    (header ``address,reason``)."""
    if fmt == "json":
        return msgspec.json.format(msgspec.json.encode(list(entries)), indent=2) + b"\n"
    if fmt == "csv":
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(["address", "reason"])
        writer.writerows([e.address, e.reason] for e in entries)
        return out.getvalue().encode()
    raise UsageError(f"the list format is one of {', '.join(FORMATS)}, not {fmt!r}")


def import_file(session: Session, path: Path, fmt: str | None, *, now: int) -> int:
    """:func:`import_list` of a file, read no further than the size a list may have.

    :raises InputError: when it cannot be read
    """
    fmt = format_of(str(path), fmt)
    try:
        with open(path, "rb") as f:
            data = f.read(MAX_FILE_BYTES + 1)
    except OSError as e:
        raise InputError(f"cannot read the list {path}: {e.strerror}") from e
    return import_list(session, data, fmt, now=now)


def export_file(session: Session, path: Path, fmt: str | None) -> int:
    """Write the list to ``path`` (a whole file or none: written beside it, then renamed).

    :returns: how many entries were written
    """
    entries = listed(session)
    data = export_list(entries, format_of(str(path), fmt))
    tmp = path.with_name(path.name + ".part")
    try:
        tmp.write_bytes(data)
        tmp.replace(path)
    except OSError as e:
        tmp.unlink(missing_ok=True)
        raise InputError(f"cannot write the list {path}: {e.strerror}") from e
    return len(entries)


def format_of(path: str, given: str | None) -> str:
    """The format named, or the file's extension (``.json``/``.csv``)."""
    if given:
        return given
    for fmt in FORMATS:
        if path.lower().endswith(f".{fmt}"):
            return fmt
    raise UsageError(f"say --format json or csv (the name {path!r} does not tell)")
