"""``make bench``: devnet start-to-ready, seeded, beside the floor measured in interleaved
pairs in the same run (a Node process that only starts clarinet-sdk's simnet with the same
contracts and V8 flags). Target: a seeded devnet ready in under 10 s.
"""

from __future__ import annotations

import subprocess
import tempfile
import time
from pathlib import Path

from arbiter_app.devnet.launcher import WASM_TIERING, Devnet, service_dir
from tests.bench import PAIRS, Row, Target, interleaved_figures, seconds_of

SIMNET_ONLY = (
    "import { initSimnet } from '@hirosystems/clarinet-sdk';"
    "await initSimnet('../contracts/Clarinet.toml');"
)


def _simnet_floor() -> None:
    subprocess.run(
        ["node", WASM_TIERING, "--input-type=module", "-e", SIMNET_ONLY],
        cwd=service_dir(), check=True, capture_output=True,
    )


def _seeded_start(log_dir: Path) -> float:
    """Seconds from launch to a ready, seeded devnet (the stop after it is not timed)."""
    started = time.perf_counter()
    devnet = Devnet.start(seed=True, log_path=log_dir / "devnet.log")
    seconds = time.perf_counter() - started
    devnet.stop()
    return seconds


def run() -> list[Row]:
    """Measure a seeded start to ready beside the simnet floor."""
    with tempfile.TemporaryDirectory(prefix="bench-devnet-") as tmp:
        seeded, floor = interleaved_figures(lambda: _seeded_start(Path(tmp)),
                                            seconds_of(_simnet_floor))
    return [Row("devnet start to ready, seeded", seeded, "s", floor,
                "node + simnet init only", (Target("<", 10, unit="s"),), PAIRS)]
