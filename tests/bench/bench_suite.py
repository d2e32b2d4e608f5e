"""``make bench``: the whole test command on a fresh clone, as CI runs it.

The committed ``HEAD`` of this repository is cloned into a temporary directory and its
``.ci/run`` (exactly the README's ``make test``: venv, ``npm ci``, the Node tests, the
package build and every pytest test) runs there with ``CI=true``, timed by the wall clock.
One sample: a run takes minutes. Target (performance issue): under 10 minutes. A run whose
tests fail prints MISSED whatever its time, with the path of its kept output.
"""

from __future__ import annotations

import math
import os
import subprocess
import tempfile
import time
from pathlib import Path

from tests.bench import Row, Target

REPOSITORY = Path(__file__).resolve().parents[2]


def _fresh_clone_run(workdir: Path, log: Path) -> tuple[float, int]:
    """Clone ``HEAD`` into ``workdir`` and time its ``.ci/run``; ``(seconds, exit code)``."""
    clone = workdir / "clone"
    subprocess.run(["git", "clone", "--quiet", str(REPOSITORY), str(clone)], check=True)
    env = {**os.environ, "CI": "true"}
    started = time.perf_counter()
    with log.open("wb") as out:
        code = subprocess.run(["bash", ".ci/run"], cwd=clone, env=env, stdout=out,
                              stderr=subprocess.STDOUT).returncode
    return time.perf_counter() - started, code


def run() -> list[Row]:
    """Time ``.ci/run`` on a fresh clone of ``HEAD``."""
    log = Path(tempfile.mkdtemp(prefix="bench-suite-log-")) / "ci-run.log"
    with tempfile.TemporaryDirectory(prefix="bench-suite-") as tmp:
        seconds, code = _fresh_clone_run(Path(tmp), log)
    name = "make test on a fresh clone (.ci/run, CI=true)"
    if code != 0:
        return [Row(f"{name}: FAILED, exit {code}, output in {log}", math.inf, "s",
                    targets=(Target("<", 600, unit="s"),), samples=1)]
    log.unlink()
    log.parent.rmdir()
    return [Row(name, seconds, "s", targets=(Target("<", 600, unit="s"),), samples=1)]
