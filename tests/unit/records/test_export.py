"""Log exports: a good export verifies offline; any change, deletion, reordering, insertion or
bit flip is caught and the error names the first bad line (an altered entry of a whole-log
export, which only its rebuilt root betrays, names the lines the root covers); a log from
another key fails."""

from __future__ import annotations

import base64
import io
import json
import random
import socket
from pathlib import Path

import pytest

from arbiter_app.decisionlog.canonical import canonical_json
from arbiter_app.errors import VerificationError
from arbiter_app.records import export
from arbiter_app.services import logs
from arbiter_app.store import log
from arbiter_app.store.db import Store, open_store
from tests.fixtures.store import T0, fill, session_on, unlocked


def export_bytes(store: Store, invoice_id: int | None = None) -> bytes:
    out = io.BytesIO()
    logs.write_jsonl(session_on(store), out, invoice_id=invoice_id, now=T0 + 10_000)
    return out.getvalue()


def verify(data: bytes) -> export.ExportReport:
    return export.verify_jsonl(export.read_lines(data), require_attestation=False)


@pytest.fixture
def filled(fresh_store: Store) -> Store:
    fill(fresh_store, 40)
    return fresh_store


def test_whole_and_case_exports_verify(filled: Store) -> None:
    whole = verify(export_bytes(filled))
    assert (whole.scope, whole.entries, whole.checkpoint.size) == ("all", 40, 40)
    one = verify(export_bytes(filled, invoice_id=2))
    assert (one.scope, one.case, one.entries) == ("case", 2, 13)


def test_unbound_log_key_is_refused_by_default(filled: Store) -> None:
    with pytest.raises(VerificationError, match="line 1: the log key is not bound"):
        export.verify_jsonl(export.read_lines(export_bytes(filled)))


def test_verification_makes_no_network_call(filled: Store, monkeypatch: pytest.MonkeyPatch
                                            ) -> None:
    data = export_bytes(filled)

    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("network used during offline verification")
    monkeypatch.setattr(socket, "socket", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    assert verify(data).entries == 40


def _tampered_field(line: bytes) -> list[tuple[str, bytes]]:
    """Every field of a line changed once (values of every key, recursively one level)."""
    value = json.loads(line)
    changed = []
    targets = value["entry"] if value["type"] == "entry" else value
    for key in sorted(targets):
        copy = json.loads(line)
        where = copy["entry"] if copy["type"] == "entry" else copy
        old = where[key]
        where[key] = (old + 1 if isinstance(old, int) and not isinstance(old, bool)
                      else {"x": 1} if old is None or isinstance(old, dict) and not old
                      else {**old, "x": 1} if isinstance(old, dict)
                      else [*old, 0] if isinstance(old, list) else str(old) + "0")
        changed.append((key, canonical_json(copy)))
    if value["type"] == "entry":
        for i in range(len(value.get("proof", []))):
            copy = json.loads(line)
            copy["proof"][i] = copy["proof"][i][::-1]
            changed.append((f"proof[{i}]", canonical_json(copy)))
        copy = json.loads(line)
        copy["extra"] = 1
        changed.append(("inserted-field", canonical_json(copy)))
    return changed


def _where(number: int, what: str, lines: list[bytes], scope: int | None) -> str:
    """Where the error must point: the line, or for a whole-log entry's content (still a
    well-formed entry with its own index) the lines its root covers."""
    content = what in ("at", "case", "data")
    if scope is None and number > 1 and content:
        return f"^lines 2-{len(lines)}: these entries are not the log signed in line 1"
    return f"^line {number}:"


@pytest.mark.parametrize("scope", [None, 3], ids=["whole-log", "one-case"])
def test_every_field_of_every_line_changed_is_caught_at_that_line(filled: Store,
                                                                  scope: int | None) -> None:
    lines = export.read_lines(export_bytes(filled, scope))
    for number, line in enumerate(lines, start=1):
        for what, bad in _tampered_field(line):
            tampered = [*lines[:number - 1], bad, *lines[number:]]
            with pytest.raises(VerificationError, match=_where(number, what, lines, scope)):
                export.verify_jsonl(tampered, require_attestation=False)
                pytest.fail(f"changing {what} of line {number} went unnoticed")


def test_a_header_signature_in_uppercase_hex_is_refused(filled: Store) -> None:
    lines = export.read_lines(export_bytes(filled))
    header = json.loads(lines[0])
    header["signature"] = header["signature"].upper()
    with pytest.raises(VerificationError, match="^line 1: the header's signature is not lower"):
        export.verify_jsonl([canonical_json(header), *lines[1:]], require_attestation=False)


def test_whole_log_export_lines_carry_no_proofs_and_case_lines_do(filled: Store) -> None:
    whole = export.read_lines(export_bytes(filled))[1:]
    one = export.read_lines(export_bytes(filled, 2))[1:]
    assert all(set(json.loads(line)) == {"entry", "type"} for line in whole)
    assert all(set(json.loads(line)) == {"entry", "proof", "type"} for line in one)


def first_format(store: Store, data: bytes) -> bytes:
    """The same whole-log export as the app's first format wrote it: schema /1, a proof on
    every line, the header signed by the log key."""
    lines = export.read_lines(data)
    header = json.loads(lines[0])
    del header["signature"], header["keys"]  # the first format had no key handovers
    header["schema"] = export.SCHEMA_V1
    size = header["checkpoint"]["size"]
    tree = log.tree(store, size)
    header["signature"] = log.private_key(store).sign(canonical_json(header)).hex()
    out = [canonical_json(header)]
    for line in lines[1:]:
        entry = json.loads(line)["entry"]
        proof = [base64.b64encode(h).decode() for h in tree.inclusion_proof(entry["index"], size)]
        out.append(canonical_json({"entry": entry, "proof": proof, "type": "entry"}))
    return b"\n".join(out) + b"\n"


def test_an_export_of_the_first_format_still_verifies_line_by_line(filled: Store) -> None:
    old = first_format(filled, export_bytes(filled))
    report = verify(old)
    assert (report.scope, report.entries, report.checkpoint.size) == ("all", 40, 40)
    lines = export.read_lines(old)
    value = json.loads(lines[5])
    value["entry"]["at"] += 1
    with pytest.raises(VerificationError, match="^line 6: entry 4 is not in the signed log"):
        export.verify_jsonl([*lines[:5], canonical_json(value), *lines[6:]],
                            require_attestation=False)


@pytest.mark.parametrize("case", [None, 2], ids=["whole-log", "one-case"])
def test_an_export_of_the_second_format_still_verifies(filled: Store, case: int | None) -> None:
    """Schema /2, written before the key handovers existed: no ``keys`` field."""
    lines = export.read_lines(export_bytes(filled, case))
    header = json.loads(lines[0])
    del header["signature"], header["keys"]
    header["schema"] = export.SCHEMA_V2
    header["signature"] = log.private_key(filled).sign(canonical_json(header)).hex()
    report = verify(b"\n".join([canonical_json(header), *lines[1:]]) + b"\n")
    assert report.case == case and report.entries == (40 if case is None else 13)
    header["keys"] = []  # a /2 header with the /3 field is neither
    with pytest.raises(VerificationError, match="not an arbiter-desk-log/3 header"):
        verify(b"\n".join([canonical_json(header), *lines[1:]]) + b"\n")


def test_a_whole_log_line_with_a_proof_is_refused(filled: Store) -> None:
    lines = export.read_lines(export_bytes(filled))
    value = json.loads(lines[3])
    value["proof"] = []
    with pytest.raises(VerificationError, match="^line 4: not an entry line of a whole-log"):
        export.verify_jsonl([*lines[:3], canonical_json(value), *lines[4:]],
                            require_attestation=False)


def test_whole_log_entries_holding_floats_or_deep_nesting_take_the_strict_parser(
        fresh_store: Store) -> None:
    with fresh_store.atomic():
        log.append(fresh_store, "settings-changed", {"ratio": 1e16, "x": 0.5}, at=T0)
        log.append(fresh_store, "settings-changed", {"deep": [[[[[[[[[[1]]]]]]]]]] * 4}, at=T0)
    assert verify(export_bytes(fresh_store)).entries == 2


@pytest.mark.parametrize("scope", [None, 1], ids=["whole-log", "one-case"])
def test_deleting_moving_or_inserting_any_line_is_caught(filled: Store,
                                                         scope: int | None) -> None:
    lines = export.read_lines(export_bytes(filled, scope))
    other = export.read_lines(export_bytes(filled, 2))
    n = len(lines)
    for k in range(n):  # k is 0-based; line numbers are k + 1
        cases = {
            "deleted": [*lines[:k], *lines[k + 1:]],
            "duplicated": [*lines[:k + 1], lines[k], *lines[k + 1:]],
            "foreign-line": [*lines[:k + 1], other[1], *lines[k + 1:]],
        }
        if k + 1 < n:
            cases["swapped"] = [*lines[:k], lines[k + 1], lines[k], *lines[k + 2:]]
        for what, tampered in cases.items():
            # The first bad line is the first one that differs from the genuine file.
            pairs = enumerate(zip(tampered, lines, strict=False))
            first_bad = next((i for i, (a, b) in pairs if a != b), min(len(tampered), n)) + 1
            with pytest.raises(VerificationError, match=f"^line {first_bad}:"):
                export.verify_jsonl(tampered, require_attestation=False)
                pytest.fail(f"line {k + 1} {what} went unnoticed")


def test_two_thousand_random_bit_flips_are_all_caught(fresh_store: Store) -> None:
    fill(fresh_store, 100)
    data = export_bytes(fresh_store)
    rng = random.Random(6962)
    for _ in range(2000):
        position, bit = rng.randrange(len(data)), rng.randrange(8)
        flipped = bytearray(data)
        flipped[position] ^= 1 << bit
        with pytest.raises(VerificationError, match=r"^lines? \d+"):
            verify(bytes(flipped))
            pytest.fail(f"flip of bit {bit} at byte {position} went unnoticed")


def test_a_log_from_another_key_fails(filled: Store, tmp_path: Path) -> None:
    other = unlocked(open_store(tmp_path / "other.sqlite"))
    fill(other, 41)
    theirs = export.read_lines(export_bytes(other))
    lines = export.read_lines(export_bytes(filled))
    header = json.loads(lines[0])
    header["checkpoint"] = json.loads(theirs[0])["checkpoint"]
    with pytest.raises(VerificationError, match="^line 1: the header is not signed"):
        export.verify_jsonl([canonical_json(header), *lines[1:]], require_attestation=False)
    with pytest.raises(VerificationError, match="^line 42: entry 40 is missing"):
        export.verify_jsonl([theirs[0], *lines[1:]], require_attestation=False)
    ours = log.public_key(filled)
    assert verify(export_bytes(filled)).checkpoint.key == ours
    with pytest.raises(VerificationError, match="^line 1: the log is signed by another log key"):
        export.verify_jsonl(theirs, require_attestation=False, log_key=ours)
    other.close()


@pytest.mark.parametrize(("data", "message"), [
    (b"", "line 1: the export is empty"),
    (b"{}", "line 1: the file does not end"),
    (b"\n", "line 1: blank line"),
    (b"{}\n", "line 1: not an arbiter-desk-log/3 header"),
    (b"[1]\n", "line 1: not a JSON object"),
    (b"\xff\n", "line 1: not valid JSON"),
], ids=["empty-file", "no-final-newline", "blank-line", "empty-object", "json-array", "not-utf8"])
def test_malformed_files_are_refused_with_a_line_number(data: bytes, message: str) -> None:
    with pytest.raises(VerificationError, match=message):
        verify(data)


def test_csv_export_lists_every_entry(filled: Store) -> None:
    out = io.StringIO()
    assert export.export_csv(log.entries(filled), out) == 40
    rows = out.getvalue().splitlines()
    assert rows[0] == "index,time,kind,case,leaf_sha256,data" and len(rows) == 41
    assert rows[1].startswith(f"0,{T0},dispute-synced,1,")


def test_a_later_export_proves_it_extends_every_earlier_checkpoint(fresh_store: Store,
                                                                   tmp_path: Path) -> None:
    fill(fresh_store, 10)
    first = export.verify_header(export.read_lines(export_bytes(fresh_store))[0])
    fill(fresh_store, 15)
    later = verify(export_bytes(fresh_store))
    assert sorted(later.history) == [10] and later.checkpoint.size == 25
    export.check_previous(later, first)
    export.check_previous(later, later.checkpoint)


def test_split_views_and_rewritten_history_are_named(fresh_store: Store) -> None:
    from arbiter_app.decisionlog.checkpoint import sign_checkpoint

    fill(fresh_store, 10)
    log.checkpoint(fresh_store, now=T0)
    fill(fresh_store, 5)
    report = verify(export_bytes(fresh_store))
    key = log.private_key(fresh_store)
    forked = sign_checkpoint(key, 10, bytes(32), T0 + 1)  # same key, same size, other root
    with pytest.raises(VerificationError, match="equivocation: the checkpoint of size 10 .* and "
                                                "the checkpoint of size 10"):
        export.check_previous(report, forked)
    unknown = sign_checkpoint(key, 7, bytes(32), T0 + 2)
    with pytest.raises(VerificationError, match="size 7 .* missing from the log's history"):
        export.check_previous(report, unknown)


def test_a_history_entry_that_does_not_extend_is_named(fresh_store: Store) -> None:
    fill(fresh_store, 10)
    log.checkpoint(fresh_store, now=T0)
    fill(fresh_store, 5)
    lines = export.read_lines(export_bytes(fresh_store))
    header = json.loads(lines[0])
    proof = header["history"][0]["consistency"]
    proof[0] = proof[1]
    header["signature"] = log.private_key(fresh_store).sign(canonical_json(
        {k: v for k, v in header.items() if k != "signature"})).hex()
    with pytest.raises(VerificationError, match="line 1: the checkpoint of size 10 .* is not "
                                                "consistent with the checkpoint of size 15"):
        export.verify_jsonl([canonical_json(header), *lines[1:]], require_attestation=False)
