"""``make bench``: sync of 2,000 disputes on the devnet, beside a plain loop of the same HTTP
requests in the same run.

The devnet seeds 2,000 extra disputes for ``arbiter_1`` (``POST /admin/seed-bench``). The
sync runs once into an empty store while every request it makes is recorded; then a plain
sequential ``httpx`` loop sends exactly those requests again. The ratio says what the sync
costs beyond its HTTP traffic (decoding, verification, storing and logging).
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

import httpx

from arbiter_app import config
from arbiter_app.devnet.launcher import Devnet
from arbiter_app.progress import run_to_end
from arbiter_app.services.session import Session
from arbiter_app.services.sync import sync_disputes
from tests.bench import Row

DISPUTES = 2000

Recorded = tuple[str, str, dict[str, str], bytes]


def _recorder(log: list[Recorded]) -> object:
    def record(request: httpx.Request) -> None:
        headers = {k: v for k, v in request.headers.items()
                   if k.lower() in ("content-type", "accept")}
        log.append((request.method, str(request.url), headers, request.read()))
    return record


def _replay(requests: list[Recorded]) -> float:
    """Send the recorded requests one after another; return the wall time."""
    start = time.perf_counter()
    with httpx.Client(timeout=30.0, trust_env=False) as client:
        for method, url, headers, body in requests:
            client.request(method, url, headers=headers, content=body or None).read()
    return time.perf_counter() - start


def _sync(devnet: Devnet, data_dir: Path, log: list[Recorded]) -> tuple[float, int, int]:
    settings = config.Settings(
        network="devnet", stacks_api=devnet.endpoints["stacks_api"],
        escrow_contract=devnet.escrow_contract,
        ipfs_gateways=(devnet.endpoints["ipfs_gateway"],), data_dir=str(data_dir),
    )
    with Session(settings) as session:
        original = session.client

        def recording_client(base_url: str) -> httpx.Client:
            made = original(base_url)
            made.event_hooks["request"].append(_recorder(log))  # type: ignore[arg-type]
            return made

        session.client = recording_client  # type: ignore[method-assign]
        start = time.perf_counter()
        summary = run_to_end(sync_disputes(session, arbiter=devnet.accounts["arbiter_1"]))
        return time.perf_counter() - start, summary.disputes, summary.requests


def _seed(devnet: Devnet, disputes: int) -> None:
    """``POST /admin/seed-bench`` in one call (so every invoice gets its own terms document)
    with a generous timeout: thousands of transactions take a while on the simnet."""
    with httpx.Client(timeout=httpx.Timeout(1800.0, connect=10.0), trust_env=False) as admin:
        r = admin.post(f"{devnet.endpoints['admin']}/seed-bench", json={"disputes": disputes})
        r.raise_for_status()


def run() -> list[Row]:
    """Seed, sync, replay; one row for the time and one for the request count."""
    with tempfile.TemporaryDirectory() as tmp, \
            Devnet.start(seed=True, log_path=Path(tmp) / "devnet.log") as devnet:
        _seed(devnet, DISPUTES)
        log: list[Recorded] = []
        seconds, disputes, api_requests = _sync(devnet, Path(tmp) / "data", log)
        reference = _replay(log)
    return [
        Row(f"sync of {disputes} disputes: wall time", seconds, "s", reference,
            f"plain loop of the same {len(log)} requests", "ratio <= 2 (lower is better)"),
        Row("sync: HTTP requests made", float(len(log)), "requests", None, "",
            f"{api_requests} Stacks API + {len(log) - api_requests} IPFS (2 call-reads and "
            "1 terms fetch per dispute, event pages)"),
        Row("sync: disputes per second", disputes / seconds, "disputes/s",
            disputes / reference, "the plain loop's rate", "ratio >= 0.5"),
    ]
