"""``make bench``: sync of 2,000 and 10,000 disputes on the devnet, beside a plain sequential
loop of the same HTTP requests in the same run.

The devnet seeds disputes for ``arbiter_1`` (``POST /admin/seed-bench``, so every invoice gets
its own terms document). Each first sync runs into an empty data directory while every request
it makes is recorded; the reference is a plain sequential ``httpx`` loop sending exactly the
requests of the latest recorded sync, timed in interleaved pairs with the sync:

- straight to the devnet, for the request count and the client CPU (``time.process_time`` of
  this process, all threads; the devnet and the proxy run in processes of their own);
- through :mod:`tests.bench.slow_proxy` adding 50 ms to every request, for the wall time a
  far-away API gives (both sides go through the same proxy).

An incremental sync of the unchanged disputes follows a first sync; its figure counts the
requests it makes about cases, per dispute: beyond the few any sync makes once (the node's
network, the contract's interface, the contract's event pages).
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from arbiter_app import config
from arbiter_app.devnet.launcher import Devnet
from arbiter_app.progress import run_to_end
from arbiter_app.services.session import Session
from arbiter_app.services.sync import sync_disputes
from tests.bench import PAIRS, Row, Target, interleaved_figures, median_seconds, ratio_at_most
from tests.fixtures.recording import record_requests

DISPUTES = 2000
MANY = 10_000
DELAY_MS = 50
# What a sync asks once whatever the number of disputes: the node's network, the contract's
# interface and the contract's event pages; every other request is about a case.
PER_SYNC = ("/v2/info", "/v2/contracts/interface/", "/logs")

Recorded = tuple[str, str, dict[str, str], bytes]


@dataclass
class _Bench:
    """The devnet, the arbiter, and the requests of the latest sync."""

    devnet: Devnet
    tmp: Path
    arbiter: str
    recorded: list[Recorded] = field(default_factory=list)
    runs: int = 0

    def settings(self, base: str, data_dir: Path) -> config.Settings:
        """Settings for a sync of this devnet's escrow through ``base``."""
        return config.Settings(network="devnet", stacks_api=base,
                               escrow_contract=self.devnet.escrow_contract,
                               ipfs_gateways=(base,), data_dir=str(data_dir))

    def sync(self, base: str, data_dir: Path | None = None) -> tuple[float, float, int]:
        """One sync through ``base`` (a fresh data directory unless given), recording its
        requests; returns (wall seconds, CPU seconds, disputes)."""
        if data_dir is None:
            self.runs += 1
            data_dir = self.tmp / f"data-{self.runs}"
        log: list[Recorded] = []
        with Session(self.settings(base, data_dir)) as session:
            record_requests(session, _recorder(log))
            wall, cpu = time.perf_counter(), time.process_time()
            summary = run_to_end(sync_disputes(session, arbiter=self.arbiter))
            wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
        self.recorded = log
        return wall, cpu, summary.disputes


def _recorder(log: list[Recorded]) -> Callable[[httpx.Request], None]:
    def record(request: httpx.Request) -> None:
        headers = {k: v for k, v in request.headers.items()
                   if k.lower() in ("content-type", "accept")}
        log.append((request.method, request.url.raw_path.decode(), headers, request.read()))
    return record


def _replay(base: str, requests: list[Recorded]) -> tuple[float, float]:
    """Send the recorded requests one after another; return (wall, CPU) seconds."""
    wall, cpu = time.perf_counter(), time.process_time()
    with httpx.Client(base_url=base, timeout=30.0, trust_env=False) as client:
        for method, path, headers, body in requests:
            client.request(method, path, headers=headers, content=body or None).read()
    return time.perf_counter() - wall, time.process_time() - cpu


def _seed(devnet: Devnet, disputes: int) -> None:
    """``POST /admin/seed-bench`` (at most 5,000 a call) with a generous timeout: thousands of
    transactions take a while on the simnet."""
    timeout = httpx.Timeout(1800.0, connect=10.0)
    with httpx.Client(timeout=timeout, trust_env=False) as admin:
        while disputes > 0:
            batch = min(disputes, 5000)
            answer = admin.post(f"{devnet.endpoints['admin']}/seed-bench",
                                json={"disputes": batch})
            answer.raise_for_status()
            disputes -= batch


def _slow_proxy(upstream: str) -> tuple[subprocess.Popen[str], str]:
    proxy = subprocess.Popen([sys.executable, "-m", "tests.bench.slow_proxy", upstream,
                              str(DELAY_MS)], stdout=subprocess.PIPE, text=True)
    assert proxy.stdout is not None
    return proxy, f"http://127.0.0.1:{int(proxy.stdout.readline())}"


def _first_sync_rows(bench: _Bench, base: str) -> list[Row]:
    """Requests per dispute, client CPU beside the plain loop, and the incremental sync."""
    wall: list[float] = []
    counts: list[tuple[int, int]] = []

    def sync_cpu() -> float:
        seconds, cpu, disputes = bench.sync(base)
        wall.append(seconds)
        counts.append((len(bench.recorded), disputes))
        return cpu

    sync_cpu_s, loop_cpu_s = interleaved_figures(sync_cpu, lambda: _replay(base, bench.recorded)[1])
    requests, disputes = counts[0]
    bench.sync(base, bench.tmp / f"data-{bench.runs}")
    again = [r for r in bench.recorded if not any(p in r[1].split("?")[0] for p in PER_SYNC)]
    return [
        Row(f"first sync, {disputes:,} disputes: requests per dispute", requests / disputes,
            "req/dispute", None, "", (Target("<=", 1.5),)),
        Row(f"incremental sync, {disputes:,} unchanged disputes: requests per dispute (beyond "
            "network check and event pages)", len(again) / disputes, "req/dispute", None, "",
            (Target("<=", 0),)),
        Row(f"sync client CPU, {disputes:,} disputes", sync_cpu_s, "s", loop_cpu_s,
            f"plain loop of the same {requests:,} requests", (ratio_at_most(1.5),), PAIRS),
    ]


def _proxy_row(bench: _Bench, base: str) -> Row:
    def sync_wall() -> float:
        return bench.sync(base)[0]

    sync_s, loop_s = interleaved_figures(sync_wall, lambda: _replay(base, bench.recorded)[0])
    return Row(f"first sync, {DISPUTES:,} disputes, through a proxy adding {DELAY_MS} ms",
               sync_s, "s", loop_s, f"plain loop of the same {len(bench.recorded):,} requests "
               "through the proxy", (ratio_at_most(0.15),), PAIRS)


def run() -> list[Row]:
    """Seed, sync and replay straight and through the proxy; then 10,000 disputes."""
    with tempfile.TemporaryDirectory() as name, \
            Devnet.start(seed=True, log_path=Path(name) / "devnet.log") as devnet:
        bench = _Bench(devnet, Path(name), devnet.accounts["arbiter_1"])
        _seed(devnet, DISPUTES)
        rows = _first_sync_rows(bench, devnet.url)
        proxy, slow = _slow_proxy(devnet.url)
        try:
            rows.append(_proxy_row(bench, slow))
        finally:
            proxy.kill()
            proxy.wait()
        _seed(devnet, MANY - DISPUTES)
        seconds = median_seconds(lambda: bench.sync(devnet.url))
        rows.append(Row(f"first sync of {MANY:,} disputes on the devnet", seconds, "s", None, "",
                        (Target("<=", 60, unit="s"),), PAIRS))
    return rows
