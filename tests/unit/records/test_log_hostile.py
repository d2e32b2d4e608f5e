"""``log verify`` against hostile exports: JSON edge cases and a forged size claim.

Every refusal must be exit 1 with a message naming the line and the reason, never the
"unexpected error" of a traceback, and a header claiming a checkpoint of 5·10^7 entries must
cost memory in proportion to the file, not to the claim.
"""

from __future__ import annotations

import json
import os
import tracemalloc
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from arbiter_app.cli import main
from arbiter_app.decisionlog import merkle
from arbiter_app.decisionlog.canonical import canonical_json
from arbiter_app.decisionlog.checkpoint import sign_checkpoint
from arbiter_app.errors import VerificationError
from arbiter_app.records import export
from arbiter_app.store.db import open_store
from tests.fixtures.store import T0, fill

EDGE_LINES = {
    "nan": b'{"entry":NaN}',
    "infinity": b'{"entry":Infinity}',
    "minus-infinity": b'{"entry":-Infinity}',
    "1e999": b'{"entry":1e999}',
    "nesting-200k-deep": b"[" * 200_000 + b"]" * 200_000,
    "nesting-40-deep": b'{"entry":' + b"[" * 40 + b"]" * 40 + b"}",
    "lone-surrogate": b'{"entry":"\\ud800"}',
    "not-utf8": b'{"entry":"\xff"}',
    "huge-integer": b'{"entry":' + b"9" * 5000 + b"}",
}
EDGE_REASONS = {
    "nan": "NaN", "infinity": "Infinity", "minus-infinity": "Infinity", "1e999": "too large",
    "nesting-200k-deep": "nested too deeply", "nesting-40-deep": "nested too deeply",
    "lone-surrogate": "lone surrogate", "not-utf8": "not UTF-8", "huge-integer": "not valid JSON",
}


@pytest.fixture
def exported(tmp_path: Path, log_device_settings: Path) -> Path:
    with open_store(Path(os.environ["ARBITER_APP_DATA"]) / "cases.sqlite") as store:
        fill(store, 6)
    out = tmp_path / "log.jsonl"
    assert main(["log", "export", "-o", str(out)]) == 0
    return out


def verify(path: Path, capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    capsys.readouterr()
    status = main(["log", "verify", str(path), "--allow-unbound"])
    return status, capsys.readouterr().err


@pytest.mark.parametrize("name", sorted(EDGE_LINES))
@pytest.mark.parametrize("number", [1, 3], ids=["as-header", "as-entry"])
def test_json_edge_case_line_exits_1_naming_line_and_reason(
    exported: Path, capsys: pytest.CaptureFixture[str], name: str, number: int
) -> None:
    lines = exported.read_bytes().split(b"\n")
    lines[number - 1] = EDGE_LINES[name]
    exported.write_bytes(b"\n".join(lines))
    status, err = verify(exported, capsys)
    assert status == 1, err
    assert f"line {number}: " in err and EDGE_REASONS[name] in err and "unexpected" not in err


@pytest.mark.parametrize("data", [[["n", 1]], "n=1", 7, None],
                         ids=["data-as-list", "data-as-string", "data-as-number", "data-null"])
def test_entry_whose_data_is_not_an_object_exits_1(
    exported: Path, capsys: pytest.CaptureFixture[str], data: object
) -> None:
    lines = exported.read_bytes().split(b"\n")
    line = json.loads(lines[2])
    line["entry"]["data"] = data
    lines[2] = canonical_json(line)
    exported.write_bytes(b"\n".join(lines))
    status, err = verify(exported, capsys)
    assert status == 1 and "line 3: the entry's fields are malformed" in err


def forged_export(size: int) -> list[bytes]:
    """A header correctly signed by a fresh key whose checkpoint claims ``size`` entries, and
    a well-formed entry 0 (a whole-log export carries no proofs: its root is checked once all
    the entries it claims have been read, so the size is what gives the forgery away)."""
    entry = {"at": T0, "case": None, "data": {}, "index": 0, "kind": "dispute-synced"}
    key = Ed25519PrivateKey.generate()
    header = export.header_for(None, [], sign_checkpoint(key, size, os.urandom(32), T0), None,
                               [])
    header["signature"] = key.sign(canonical_json(header)).hex()
    return [canonical_json(header), canonical_json({"entry": entry, "type": "entry"})]


def test_forged_checkpoint_size_5e7_is_refused_in_memory_bounded_by_the_file() -> None:
    lines = forged_export(50_000_000)
    tracemalloc.start()
    try:
        with pytest.raises(VerificationError, match="line 3: entry 1 is missing .the header "
                                                    "lists 50000000 entries"):
            export.verify_jsonl(lines, require_attestation=False)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 1024 * 1024, f"verifying a 1 kB file took {peak} bytes"


def test_forged_checkpoint_size_1e9_through_the_cli_exits_1(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "forged.jsonl"
    path.write_bytes(b"\n".join(forged_export(10**9)) + b"\n")
    status, err = verify(path, capsys)
    assert status == 1 and "line 3: entry 1 is missing (the header lists 1000000000" in err



@pytest.mark.parametrize(("field", "value"), [("at", -5), ("at", "noon"), ("at", True),
                                              ("case", -1), ("case", 2.5)],
                         ids=["time-negative", "time-as-text", "time-true", "case-negative",
                              "case-fraction"])
def test_self_signed_entry_with_nonsense_time_or_case_exits_1(field: str, value: object) -> None:
    entry = {"at": T0, "case": None, "data": {}, "index": 0, "kind": "dispute-synced",
             field: value}
    key = Ed25519PrivateKey.generate()
    cp = sign_checkpoint(key, 1, merkle.leaf_hash(canonical_json(entry)), T0)
    header = export.header_for(None, [], cp, None, [])
    header["signature"] = key.sign(canonical_json(header)).hex()
    lines = [canonical_json(header), canonical_json({"entry": entry, "type": "entry"})]
    with pytest.raises(VerificationError, match="line 2: the entry's time or case is not"):
        export.verify_jsonl(lines, require_attestation=False)
