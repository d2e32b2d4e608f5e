"""Decision-log figures: appending 100,000 entries, exporting them, verifying the export offline,
each beside raw SHA-256 of the same leaves measured in the same run (reliability.md T1.5)."""

from __future__ import annotations

import hashlib
import io
import tempfile
import time
from pathlib import Path
from typing import Any

from arbiter_app import config
from arbiter_app.records import export
from arbiter_app.store import log
from arbiter_app.store.db import open_store
from tests.bench import Row

COUNT = 100_000
SINGLE = 500


def _raw_sha256_rate(bodies: list[bytes]) -> float:
    start = time.perf_counter()
    for body in bodies:
        hashlib.sha256(b"\x00" + body).digest()
    return len(bodies) / (time.perf_counter() - start)


def _signer() -> Any:
    from arbiter_app.wallet.software import SoftwareSigner

    return SoftwareSigner.from_private_key(hashlib.sha256(b"bench arbiter").digest(),
                                           config.DEVNET)


def run() -> list[Row]:
    """Measure append, one-transaction-per-entry append, export and offline verification."""
    with tempfile.TemporaryDirectory() as tmp:
        store = open_store(Path(tmp) / "bench.sqlite")
        signer = _signer()
        log.bind_key(store, signer, now=0)  # so the export verifies as an auditor would
        data = {"decision": "release", "rationale_sha256": "ab" * 32,
                "cited": ["bafkrei" + "a" * 52]}
        start = time.perf_counter()
        with store.atomic():
            for i in range(COUNT):
                log.append(store, "ruling-finalized", {**data, "n": i}, invoice_id=i % 500, at=i)
        append_rate = COUNT / (time.perf_counter() - start)
        bodies = [e.body for e in log.entries(store)]
        reference = _raw_sha256_rate(bodies)
        start = time.perf_counter()
        for i in range(SINGLE):
            with store.atomic():
                log.append(store, "settings-changed", {"n": i}, at=i)
        single_rate = SINGLE / (time.perf_counter() - start)
        out = io.BytesIO()
        start = time.perf_counter()
        written = export.export_jsonl(store, out, now=COUNT)
        export_rate = written / (time.perf_counter() - start)
        start = time.perf_counter()
        report = export.verify_jsonl(export.read_lines(out.getvalue()), arbiter=signer.address())
        verify_rate = report.entries / (time.perf_counter() - start)
        store.close()
    mb = len(out.getvalue()) / 1e6
    return [
        Row(f"log append, {COUNT:,} entries in one transaction", append_rate, "entries/s",
            reference, "raw sha256 of the same leaves", "ratio >= 0.02"),
        Row(f"log append, one fsynced transaction each ({SINGLE})", single_rate, "entries/s",
            reference, "raw sha256 of the same leaves", "> 20 entries/s"),
        Row(f"log export JSONL with proofs ({written:,} entries, {mb:.0f} MB)", export_rate,
            "entries/s", reference, "raw sha256 of the same leaves", "ratio >= 0.02"),
        Row(f"log verify offline ({report.entries:,} entries)", verify_rate, "entries/s",
            reference, "raw sha256 of the same leaves",
            f"<= 10 s in all ({report.entries / verify_rate:.1f} s); ratio 0.05-0.2"),
    ]
