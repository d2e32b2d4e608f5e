"""``arbiter-app demo`` as a user runs it: the devnet and the emulated Ledger start, the window
opens and syncs the seeded disputes into the case store, and closing the app (here by
SIGTERM, which closes the window like the user) stops both services: nothing is left
answering on their ports and the process exits 0. While it runs its settings are where other
commands find them (``config show`` names its devnet); afterwards the user's file is back."""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from arbiter_app.store import rows
from arbiter_app.store.db import open_store

REPO = Path(__file__).resolve().parents[2]


def answers(port: int) -> bool:
    with socket.socket() as s:
        s.settimeout(1.0)
        return s.connect_ex(("127.0.0.1", port)) == 0


def synced_cases(store_path: Path) -> int:
    if not store_path.exists():
        return 0
    with open_store(store_path, migrate=False) as store:
        try:
            return len(rows.list_cases(store))
        except Exception:  # noqa: BLE001 - the schema is still being created
            return 0


@pytest.mark.slow
def test_demo_syncs_then_stops_everything_on_close(tmp_path: Path) -> None:
    from arbiter_app import config

    data = tmp_path / "demo-data"
    saved = config.default_config_path()
    config.save(config.Settings(network="testnet", stacks_api="https://api.testnet.hiro.so"),
                saved)
    before = saved.read_bytes()
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    log = (tmp_path / "demo.err").open("w+")
    process = subprocess.Popen([sys.executable, "-m", "arbiter_app", "demo", "--data-dir",
                                str(data)], cwd=REPO, env=env, stdout=subprocess.DEVNULL,
                               stderr=log, start_new_session=True)
    try:
        ready = None
        deadline = time.monotonic() + 90
        while ready is None and time.monotonic() < deadline and process.poll() is None:
            time.sleep(0.5)
            log.seek(0)
            ready = re.search(r"devnet at http://127\.0\.0\.1:(\d+); Ledger emulator at "
                              r"tcp:127\.0\.0\.1:(\d+)", log.read())
        assert ready is not None, "the demo never reported its services"
        devnet_port, ledger_port = int(ready[1]), int(ready[2])
        while synced_cases(data / "cases.sqlite") < 5 and time.monotonic() < deadline:
            time.sleep(0.5)
        assert synced_cases(data / "cases.sqlite") >= 5  # the seed's disputes of arbiter_1
        assert answers(devnet_port) and answers(ledger_port)
        shown = subprocess.run([sys.executable, "-m", "arbiter_app", "config", "show", "--json"],
                               cwd=REPO, capture_output=True, text=True, check=True).stdout
        assert json.loads(shown)["stacks_api"] == f"http://127.0.0.1:{devnet_port}"
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=60) == 0
        assert not answers(devnet_port) and not answers(ledger_port)
        log.seek(0)
        assert "demo stopped" in log.read()
        assert saved.read_bytes() == before
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
        log.close()
