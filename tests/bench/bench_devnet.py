"""``make bench``: devnet start-to-ready, seeded and bare, beside the floor measured in the
same run (a Node process that only starts clarinet-sdk's simnet with the same contracts),
and the rate at which the devnet mines signed, checked transactions (``/admin/seed-bench``).
Target: a seeded devnet ready in under 10 s.
"""

from __future__ import annotations

import subprocess
import tempfile
import time
from pathlib import Path

from arbiter_app.devnet.launcher import SERVICE_DIR, Devnet
from tests.bench import Row

SIMNET_ONLY = (
    "import { initSimnet } from '@hirosystems/clarinet-sdk';"
    "await initSimnet('../contracts/Clarinet.toml');"
)
BENCH_DISPUTES = 200
TXS_PER_DISPUTE = 3  # create-invoice, deposit-funds, raise-dispute


def _start_seconds(seed: bool, log_dir: Path) -> tuple[float, Devnet]:
    started = time.perf_counter()
    devnet = Devnet.start(seed=seed, log_path=log_dir / f"devnet-{seed}.log")
    return time.perf_counter() - started, devnet


def _simnet_floor() -> float:
    started = time.perf_counter()
    subprocess.run(
        ["node", "--input-type=module", "-e", SIMNET_ONLY],
        cwd=SERVICE_DIR, check=True, capture_output=True,
    )
    return time.perf_counter() - started


def run() -> list[Row]:
    """Measure start-to-ready and the mining rate."""
    floor = _simnet_floor()
    with tempfile.TemporaryDirectory(prefix="bench-devnet-") as tmp:
        bare, devnet = _start_seconds(False, Path(tmp))
        devnet.stop()
        seeded, devnet = _start_seconds(True, Path(tmp))
        try:
            started = time.perf_counter()
            devnet.seed_bench(BENCH_DISPUTES)
            tx_rate = BENCH_DISPUTES * TXS_PER_DISPUTE / (time.perf_counter() - started)
        finally:
            devnet.stop()
    floor_name = "node + simnet init only"
    return [
        Row("devnet start to ready, no seed", bare, "s", floor, floor_name, "< 10 s"),
        Row("devnet start to ready, seeded", seeded, "s", floor, floor_name, "< 10 s"),
        Row("devnet signed txs mined (seed-bench)", tx_rate, "tx/s", None, "", "-"),
    ]
