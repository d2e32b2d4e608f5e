"""Verification throughput of a 256 MiB file read from a CAR, beside hashlib sha256 of it.

The CAR is built here by the Python importer in each profile (Kubo's defaults: CIDv0 with
256 KiB dag-pb leaves; Kubo's CIDv1: 256 KiB raw leaves; ``unixfs-v1-2025``: 1 MiB raw
leaves), written to a temporary file and then verified block by block from that file with
:func:`verify_car` (bytes discarded). The reference is ``hashlib.sha256`` over the same file
bytes read in 1 MiB chunks, timed in interleaved pairs with the verification on this
process's CPU time: verifying cannot be faster than hashing every byte once, so the target is
≥ 0.9× of it.
"""

from __future__ import annotations

import hashlib
import io
import os
import tempfile
from pathlib import Path

from arbiter_app.config import IpfsLimits
from arbiter_app.ipfs.car import write_car
from arbiter_app.ipfs.cid import CID
from arbiter_app.ipfs.importer import PROFILES, Profile, import_file
from arbiter_app.ipfs.verify import NullSink, verify_car
from arbiter_app.progress import run_to_end
from tests.bench import PAIRS, Row, cpu_interleaved, ratio_at_least

SIZE = 256 * 1024 * 1024
MB = 1_000_000


def _make_car(data: bytes, profile: Profile, path: Path) -> CID:
    blocks: list[tuple[CID, bytes]] = []
    root = import_file(io.BytesIO(data), profile, lambda c, b: blocks.append((c, b)))
    with path.open("wb") as f:
        write_car(f, [root], blocks)  # leaves first, root last, as ipfs-car writes
    return root


def _sha256_file(path: Path) -> None:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        while chunk := f.read(1 << 20):
            digest.update(chunk)


def run() -> list[Row]:
    """Build the CARs, then time verification and the hashing reference."""
    data = os.urandom(SIZE)
    limits = IpfsLimits(max_total_bytes=SIZE)
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        plain = Path(tmp) / "file.bin"
        plain.write_bytes(data)
        for profile in PROFILES:
            car = Path(tmp) / "file.car"
            root = _make_car(data, profile, car)

            def verify(car: Path = car, root: CID = root) -> None:
                with car.open("rb") as f:
                    run_to_end(verify_car(root, f, NullSink(), limits))

            verify_s, hash_s = cpu_interleaved(verify, lambda: _sha256_file(plain))
            rows.append(Row(f"CID verify 256 MiB from CAR ({profile.name})",
                            SIZE / MB / verify_s, "MB/s", SIZE / MB / hash_s,
                            "sha256 of the same bytes", (ratio_at_least(0.9),), PAIRS))
            car.unlink()
    return rows
