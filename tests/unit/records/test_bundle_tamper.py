"""Tampered case bundles: change, drop, duplicate or add any block; re-make a part with a
changed proof line, signature, state, award or log root (re-hashed, so only the check that
reads it can catch it); or hand over something that is no bundle. ``bundle verify`` exits 1
each time, naming what is wrong, and never with a traceback."""

from __future__ import annotations

import base64
import dataclasses
import io
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from arbiter_app.cli import main
from arbiter_app.config import IpfsLimits
from arbiter_app.decisionlog.canonical import canonical_json
from arbiter_app.decisionlog.checkpoint import Checkpoint
from arbiter_app.ipfs.car import CARV2_PRAGMA, CarIndex, car_bytes, write_section
from arbiter_app.ipfs.cid import CID, DAG_CBOR, RAW
from arbiter_app.progress import run_to_end
from arbiter_app.records.bundle_car import encode_json_block, link
from arbiter_app.services import bundle
from arbiter_app.store.db import open_store
from tests.fixtures.bundle import ruled_case, session_for

Blocks = list[tuple[CID, bytes]]


@pytest.fixture(scope="module")
def made(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, bytes]:
    """The arbiter's address and an untouched bundle (a 60/40-like split)."""
    store = open_store(tmp_path_factory.mktemp("store") / "cases.sqlite")
    arbiter = ruled_case(store)
    _, data = run_to_end(bundle.build(session_for(store, arbiter), 1))
    store.close()
    return arbiter.address(), data


def blocks_of(data: bytes) -> Blocks:
    index = CarIndex(io.BytesIO(data), IpfsLimits())
    return [(s.cid, bytes(index.get(s.cid) or b"")) for s in index.sections.values()]


def names(data: bytes) -> dict[str, CID]:
    """Each block's part name, from the untouched bundle's index."""
    blocks = blocks_of(data)
    index = json.loads(blocks[0][1])
    found = {"the index": blocks[0][0]}
    for part in ("receipt", "rationale", "report", "log", "transaction"):
        found[f"the {part}"] = CID.parse(index[part]["/"], strict=False)
    found["the terms document"] = CID.parse(index["terms"]["/"])
    for item in index["evidence"]:
        found[f"evidence #{item['index']}'s manifest"] = CID.parse(item["manifest"]["/"])
    return found


def verdict(tmp_path: Path, data: bytes, arbiter: str,
            capsys: pytest.CaptureFixture[str]) -> str:
    """Run ``bundle verify`` on ``data``; it must exit 1. Returns its message."""
    path = tmp_path / "bundle.car"
    path.write_bytes(data)
    capsys.readouterr()
    assert main(["bundle", "verify", str(path), "--arbiter", arbiter]) == 1
    err = capsys.readouterr().err
    assert "Traceback" not in err and "unexpected error" not in err
    return err


PARTS = ["the index", "the receipt", "the rationale", "the report", "the log",
         "the transaction", "the terms document", "evidence #0's manifest",
         "evidence #1's manifest"]
SAID = {"the report": "the evidence report", "the log": "the decision-log slice"}


@pytest.mark.parametrize("part", PARTS)
def test_a_changed_byte_in_any_block_is_named(made: tuple[str, bytes], part: str,
                                              tmp_path: Path,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    arbiter, data = made
    target = names(data)[part]
    changed = [(c, b[:-2] + bytes([b[-2] ^ 1]) + b[-1:] if c == target else b)
               for c, b in blocks_of(data)]
    err = verdict(tmp_path, car_bytes([names(data)["the index"]], changed), arbiter, capsys)
    assert f"block {target}" in err and "does not match its CID" in err
    assert SAID.get(part, part) in err


@pytest.mark.parametrize("part", PARTS)
def test_a_dropped_block_is_named(made: tuple[str, bytes], part: str, tmp_path: Path,
                                  capsys: pytest.CaptureFixture[str]) -> None:
    arbiter, data = made
    target = names(data)[part]
    kept = [(c, b) for c, b in blocks_of(data) if c != target]
    err = verdict(tmp_path, car_bytes([names(data)["the index"]], kept), arbiter, capsys)
    assert f"block {target}" in err and "is missing" in err and SAID.get(part, part) in err


def test_an_added_block_is_refused(made: tuple[str, bytes], tmp_path: Path,
                                   capsys: pytest.CaptureFixture[str]) -> None:
    arbiter, data = made
    extra = b"not part of the case"
    cid = CID.for_block(extra, RAW)
    err = verdict(tmp_path, data + section(cid, extra), arbiter, capsys)
    assert f"block {cid} is not part of the bundle" in err


def test_a_block_stored_twice_is_refused(made: tuple[str, bytes], tmp_path: Path,
                                         capsys: pytest.CaptureFixture[str]) -> None:
    arbiter, data = made
    blocks = blocks_of(data)
    err = verdict(tmp_path, car_bytes([blocks[0][0]], [*blocks, blocks[2]]), arbiter, capsys)
    assert "stored twice (duplicate)" in err


def remade(data: bytes, part: str, edit: Callable[[bytes], bytes] | None = None,
           index_edit: Callable[[Any], object] | None = None) -> bytes:
    """The bundle with ``part`` (a raw part's index key) replaced by ``edit(bytes)`` under its
    new CID, and the index edited and re-hashed: every block still matches its CID."""
    blocks = blocks_of(data)
    index = json.loads(blocks[0][1])
    rest = blocks[1:]
    if edit is not None:
        old = CID.parse(index[part]["/"], strict=False)
        new_bytes = edit(dict(rest)[old])
        new = CID.for_block(new_bytes, RAW)
        rest = [(new, new_bytes) if c == old else (c, b) for c, b in rest]
        index[part] = link(new)
    if index_edit is not None:
        index_edit(index)
    root, raw = encode_json_block(index)
    return car_bytes([root], [(root, raw), *rest])


def _json_edit(change: Callable[[Any], None]) -> Callable[[bytes], bytes]:
    def edit(raw: bytes) -> bytes:
        value = json.loads(raw)
        change(value)
        return canonical_json(value)
    return edit


def _line_edit(number: int, change: Callable[[dict[str, Any]], None]) -> Callable[[bytes], bytes]:
    def edit(raw: bytes) -> bytes:
        lines = raw.split(b"\n")
        value = json.loads(lines[number - 1])
        change(value)
        lines[number - 1] = canonical_json(value)
        return b"\n".join(lines)
    return edit


def _flip_b64(text: str) -> str:
    raw = bytearray(base64.b64decode(text))
    raw[0] ^= 1
    return base64.b64encode(bytes(raw)).decode()


def _flip_hex(text: str) -> str:
    return f"{int(text[0], 16) ^ 1:x}{text[1:]}"


def _set(path: list[Any], change: Callable[[Any], Any]) -> Callable[[Any], None]:
    def apply(value: Any) -> None:
        for key in path[:-1]:
            value = value[key]
        value[path[-1]] = change(value[path[-1]])
    return apply


def _resigned_note(checkpoint: dict[str, Any]) -> dict[str, Any]:
    """The checkpoint with its signature changed and its signed note written to match, so
    only the signature check can tell."""
    cp = Checkpoint.from_json(checkpoint)
    bad = dataclasses.replace(cp, signature=bytes([cp.signature[0] ^ 1]) + cp.signature[1:])
    return bad.to_json()


def _flip_tx_signature(raw: bytes) -> bytes:
    changed = bytearray(raw)
    changed[60] ^= 1  # inside the spending condition's signature
    return bytes(changed)


REMADE: dict[str, tuple[str, Callable[[bytes], bytes] | None, Callable[[Any], object] | None,
                        str]] = {
    "log-proof-line": ("log", _line_edit(2, _set(["proof", 0], _flip_b64)), None,
                       "the decision-log slice: line 2: entry"),
    "log-line-dropped": ("log", lambda raw: b"\n".join(
        raw.split(b"\n")[:1] + raw.split(b"\n")[2:]), None,
        "the decision-log slice: line 2: expected entry"),
    "log-checkpoint-signature": ("log", _line_edit(1, _set(
        ["checkpoint", "signature"], _flip_hex)), None,
        "the decision-log slice: line 1: malformed checkpoint: its signed note disagrees"),
    "log-header-signature": ("log", _line_edit(1, _set(["signature"], _flip_hex)), None,
                             "the decision-log slice: line 1: the header is not signed"),
    "receipt-signature": ("receipt", _json_edit(_set(["signature", "rsv"], _flip_hex)), None,
                          "the receipt: the receipt's signature does not match"),
    "receipt-checkpoint-signature": ("receipt", _json_edit(_set(
        ["receipt", "log", "checkpoint"], _resigned_note)), None,
        "the receipt: the checkpoint of size"),
    "receipt-checkpoint-note-only": ("receipt", _json_edit(_set(
        ["receipt", "log", "checkpoint", "signature"], _flip_hex)), None,
        "the receipt: receipt field 'log' is malformed"),
    "receipt-log-key-binding": ("receipt", _json_edit(_set(
        ["receipt", "log", "attestation", "signature"], _flip_hex)), None,
        "the receipt: the log key attestation is not signed by"),
    "log-log-key-binding": ("log", _line_edit(1, _set(
        ["attestation", "signature"], _flip_hex)), None,
        "the decision-log slice: line 1: the header is not signed by its log key"),
    "log-checkpoint-resigned": ("log", _line_edit(1, _set(["checkpoint"], _resigned_note)),
                                None, "line 1: the header is not signed by its log key (the "
                                      "checkpoint of size"),
    "receipt-proof-line": ("receipt", _json_edit(_set(
        ["receipt", "log", "entries", 0, "proof", 0], _flip_b64)), None,
        "the receipt: the receipt's 'ruling-finalized' log entry is not in the signed log"),
    "transaction-signature": ("transaction", _flip_tx_signature, None,
                              "the transaction's txid is"),
    "rationale-text": ("rationale", _json_edit(_set(["rationale"], lambda t: t + "!")), None,
                       "the rationale is not the document"),
    "report-state": ("report", _json_edit(_set(["evidence", 0, "state"],
                                               lambda s: "unavailable")), None,
                     "item #0: state 'unavailable' differs from the log"),
    "report-submitting-tx": ("report", _json_edit(_set(["evidence", 1, "submit_txid"],
                                                       lambda t: "6c" * 32)), None,
                             "item #1: 'submit_txid' differs"),
    "report-item-removed": ("report", _json_edit(lambda v: v["evidence"].pop()), None,
                            "lists other items than the log added"),
    "index-award": ("receipt", None, _set(["award", "payee", "amount"], lambda a: a + 1),
                    "the index's 'award' differs"),
    "index-award-text": ("receipt", None, _set(["award", "text"], lambda t: t + " (sic)"),
                         "the index's 'award' differs"),
    "index-log-root": ("receipt", None, _set(["log_root", "root"], _flip_hex),
                       "the transaction carries another log root"),
    "index-log-root-proof": ("receipt", None, _set(["log_root", "consistency", 0], _flip_b64),
                             "the index's 'log_root' is not a prefix of the signed log"),
    "index-unknown-field": ("receipt", None, lambda v: v.update(extra=1),
                            "the index's field(s) extra are unknown or missing"),
    "index-manifest-swapped": ("receipt", None, lambda v: v["evidence"].reverse() or [
        e.update(index=i) for i, e in enumerate(v["evidence"])],
        "the index links a manifest for evidence #0 that the report does not name"),
}


@pytest.mark.parametrize("case", sorted(REMADE))
def test_a_remade_part_fails_the_check_that_reads_it(
        made: tuple[str, bytes], case: str, tmp_path: Path,
        capsys: pytest.CaptureFixture[str]) -> None:
    arbiter, data = made
    part, edit, index_edit, message = REMADE[case]
    assert message in verdict(tmp_path, remade(data, part, edit, index_edit), arbiter, capsys)


def test_the_untouched_bundle_verifies(made: tuple[str, bytes], tmp_path: Path,
                                       capsys: pytest.CaptureFixture[str]) -> None:
    arbiter, data = made
    assert remade(data, "receipt") == data  # the re-making helper changes nothing by itself
    path = tmp_path / "bundle.car"
    path.write_bytes(data)
    assert main(["bundle", "verify", str(path), "--arbiter", arbiter]) == 0


BIG = b"x" * (2 * 1024 * 1024 + 1)


def section(cid: CID, block: bytes) -> bytes:
    """One CAR section, to append to a CAR."""
    out = io.BytesIO()
    write_section(out, cid, block)
    return out.getvalue()


def _cbor_root(data: bytes) -> bytes:
    blocks = blocks_of(data)
    return car_bytes([CID(1, DAG_CBOR, blocks[0][0].multihash)], blocks)


NOT_BUNDLES: dict[str, tuple[Callable[[bytes], bytes], str]] = {
    "random-bytes": (lambda d: b"\x05hello world", "the bundle is not a readable CAR file"),
    "empty-file": (lambda d: b"", "the bundle is not a readable CAR file"),
    "carv2": (lambda d: CARV2_PRAGMA + bytes(40) + d, "a CARv2 file; a case bundle is a CARv1"),
    "truncated": (lambda d: d[:-7], "the bundle is not a readable CAR file"),
    "two-roots": (lambda d: car_bytes([blocks_of(d)[0][0]] * 2, blocks_of(d)),
                  "must name one root, its DAG-JSON index block"),
    "dag-cbor-root": (_cbor_root, "must name one root, its DAG-JSON index block"),
    "block-over-2-MiB": (lambda d: d + section(CID.for_block(BIG), BIG), "block size"),
}


@pytest.mark.parametrize("case", sorted(NOT_BUNDLES))
def test_what_is_no_bundle_is_refused_by_name(made: tuple[str, bytes], case: str,
                                              tmp_path: Path,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    arbiter, data = made
    make, message = NOT_BUNDLES[case]
    assert message in verdict(tmp_path, make(data), arbiter, capsys)


def test_a_file_over_the_size_limit_is_refused_unread(made: tuple[str, bytes], tmp_path: Path,
                                                      capsys: pytest.CaptureFixture[str]
                                                      ) -> None:
    arbiter, _ = made
    path = tmp_path / "huge.car"
    with path.open("wb") as f:
        f.truncate(65 * 1024 * 1024)  # sparse: nothing is written, nothing should be read
    capsys.readouterr()
    assert main(["bundle", "verify", str(path), "--arbiter", arbiter]) == 1
    assert "case bundle size" in capsys.readouterr().err
