"""Decision-log figures: append, one fsynced transaction per entry, and the offline verify of
a whole export, each beside what it must hash, measured in the same run.

The reference is what any verifier of the log has to compute, done with bare ``hashlib``
calls and nothing else: the RFC 6962 leaf hash of every entry (``SHA-256(0x00 || body)``) and
the n-1 interior nodes of one tree over them (``SHA-256(0x01 || left || right)``). Appending
computes the same hashes (the leaf, and one node per carry of the compact range), so both
figures are entries per second beside that reference's entries per second, both timed on
this process's CPU time in interleaved pairs. The append figure includes SQLite's work and its
one commit (the commit's wait on the disk is not CPU time); the fsynced row is wall time.
"""

from __future__ import annotations

import hashlib
import tempfile
from pathlib import Path
from typing import Any

from arbiter_app import config
from arbiter_app.decisionlog.entry import make_entry
from arbiter_app.records import export
from arbiter_app.services import logs, receipts
from arbiter_app.store import log
from arbiter_app.store.db import Store, open_store
from tests.bench import PAIRS, Row, Target, cpu_interleaved, median_seconds, ratio_at_least
from tests.fixtures.store import session_on

COUNT = 100_000
MILLION = 1_000_000
SINGLE = 100
REFERENCE = "sha256 of the leaves and tree nodes (2n-1 hashes)"
DATA = {"decision": "release", "rationale_sha256": "ab" * 32, "cited": ["bafkrei" + "a" * 52]}


def hash_leaves_and_nodes(bodies: list[bytes]) -> bytes:
    """The reference: every leaf hash, then every interior node of one RFC 6962 tree."""
    sha256 = hashlib.sha256
    level = [sha256(b"\x00" + body).digest() for body in bodies]
    while len(level) > 1:
        above = [sha256(b"\x01" + level[i] + level[i + 1]).digest()
                 for i in range(0, len(level) - 1, 2)]
        if len(level) % 2:
            above.append(level[-1])
        level = above
    return level[0]


def _signer() -> Any:
    from arbiter_app.wallet.software import SoftwareSigner

    return SoftwareSigner.from_private_key(hashlib.sha256(b"bench arbiter").digest(),
                                           config.DEVNET)


def _fill(store: Store, count: int) -> None:
    with store.atomic():
        for i in range(count):
            log.append(store, "ruling-finalized", {**DATA, "n": i}, invoice_id=i % 500, at=i)


def _bound_store(path: Path) -> Store:
    """A store whose log key is bound, so its export verifies as an auditor's would."""
    store = open_store(path)
    receipts.bind_log_key(session_on(store, _signer()), now=0)
    return store


def _append_row(tmp: Path) -> Row:
    bodies = [make_entry(i, "ruling-finalized", i % 500, i, {**DATA, "n": i}).body
              for i in range(COUNT)]
    runs = iter(range(PAIRS))

    def append() -> None:
        with open_store(tmp / f"append-{next(runs)}.sqlite") as store:
            _fill(store, COUNT)

    seconds, reference = cpu_interleaved(append, lambda: hash_leaves_and_nodes(bodies))
    return Row(f"log append, {COUNT:,} entries in one transaction", COUNT / seconds,
               "entries/s", COUNT / reference, REFERENCE, (ratio_at_least(0.03),), PAIRS)


def _single_row(store: Store) -> Row:
    def append_each() -> None:
        for i in range(SINGLE):
            with store.atomic():
                log.append(store, "settings-changed", {"n": i}, at=i)

    seconds = median_seconds(append_each)
    return Row(f"log append, one fsynced transaction each ({SINGLE})", SINGLE / seconds,
               "entries/s", None, "", (Target(">", 20),), PAIRS)


def _export(store: Store) -> tuple[bytes, list[bytes]]:
    path = store.path.with_suffix(".jsonl")
    with path.open("wb") as out:
        logs.write_jsonl(session_on(store), out, now=1)
    return path.read_bytes(), [e.body for e in log.entries(store)]


def _verify_seconds(data: bytes, bodies: list[bytes], arbiter: str) -> tuple[float, float]:
    def verify() -> None:
        report = export.verify_jsonl(export.read_lines(data), arbiter=arbiter)
        if report.entries != len(bodies):
            raise RuntimeError(f"verified {report.entries} entries of {len(bodies)}")

    return cpu_interleaved(verify, lambda: hash_leaves_and_nodes(bodies))


def run() -> list[Row]:
    """Measure append, fsynced append, and whole-export verify at 100k and 1M entries."""
    arbiter = _signer().address()
    rows = []
    with tempfile.TemporaryDirectory() as name:
        tmp = Path(name)
        rows.append(_append_row(tmp))
        with _bound_store(tmp / "verify.sqlite") as store:
            _fill(store, COUNT - 1)  # the key binding is entry 0
            data, bodies = _export(store)
            rows.append(_single_row(store))
        seconds, reference = _verify_seconds(data, bodies, arbiter)
        rows.append(Row(f"whole-log verify offline, {len(bodies):,} entries",
                        len(bodies) / seconds, "entries/s", len(bodies) / reference,
                        REFERENCE, (ratio_at_least(0.06),), PAIRS))
        with _bound_store(tmp / "million.sqlite") as store:
            _fill(store, MILLION - 1)
            data, bodies = _export(store)
        seconds, reference = _verify_seconds(data, bodies, arbiter)
        rows.append(Row(f"whole-log verify offline, {len(bodies):,} entries", seconds, "s",
                        reference, REFERENCE, (Target("<", 30, unit="s"),), PAIRS))
    return rows
