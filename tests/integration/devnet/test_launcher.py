"""The devnet launcher: readiness, endpoints and accounts, fail-fast with the log, clean stop
of the whole process group (no orphans), the admin wrappers, and the ``devnet`` fixture."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from arbiter_app.devnet import launcher
from arbiter_app.devnet.launcher import Devnet, DevnetError, devnet_mnemonics

ROLES = {"deployer", "admin_1", "admin_2", "admin_3", "payer_1", "payer_2", "payer_3",
         "payee_1", "payee_2", "payee_3", "arbiter_1", "arbiter_2"}


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # a zombie is dead for our purpose; read its state from /proc where there is one
    stat = Path(f"/proc/{pid}/stat")
    return not (stat.exists() and stat.read_text().split(")")[-1].split()[0] == "Z")


def _group_members(pgid: int) -> list[int]:
    ps = ["ps", "-e", "-o", "pid=,pgid="]
    out = subprocess.run(ps, capture_output=True, text=True, check=True)
    return [int(p) for p, g in (line.split() for line in out.stdout.splitlines()) if int(g) == pgid]


def test_shared_devnet_is_seeded_and_reports_its_endpoints(devnet: Devnet) -> None:
    assert set(devnet.accounts) == ROLES
    assert devnet.accounts["deployer"] == "ST1PQHQKV0RJXZFY1DGX8MNSNYVE3VGZJSRTPGZGM"
    assert devnet.escrow_contract == "ST1PQHQKV0RJXZFY1DGX8MNSNYVE3VGZJSRTPGZGM.escrow-secure"
    assert set(devnet.endpoints) == {"stacks_api", "ipfs_rpc", "ipfs_gateway", "admin"}
    assert devnet.url.startswith("http://127.0.0.1:")
    info = httpx.get(devnet.endpoints["stacks_api"] + "/v2/info", timeout=10).json()
    assert info["network_id"] == 0x80000000
    summary = devnet.seed_summary()
    assert summary["seeded"] is True
    assert len([d for d in summary["disputes"].values() if d["arbiter"] == "arbiter_1"]) >= 4


def test_mnemonics_derive_the_reported_addresses(devnet: Devnet) -> None:
    mnemonics = devnet_mnemonics()
    assert set(mnemonics) == ROLES
    assert mnemonics["deployer"].startswith("twice kind fence")


def test_faults_and_mining_through_the_launcher(devnet: Devnet) -> None:
    state = devnet.set_faults(fail_next=1, path_prefix="/v2/info")
    assert state["fail_next"] == 1
    with httpx.Client(base_url=devnet.url, timeout=10, trust_env=False) as client:
        assert client.get("/v2/info").status_code == 500
        assert client.get("/v2/info").status_code == 200
        before = client.get("/v2/info").json()["stacks_tip_height"]
        assert devnet.mine(3) == before + 3
    with pytest.raises(DevnetError, match="unknown fault switch"):
        devnet.set_faults(explode=True)


def test_stop_ends_the_whole_process_group(tmp_path: Path) -> None:
    log = tmp_path / "devnet.log"
    net = Devnet.start(seed=False, log_path=log)
    pid = net.pid
    assert os.getpgid(pid) == pid  # its own group, so stop() can end every member
    members = _group_members(pid)
    assert pid in members
    net.stop()
    net.stop()  # twice is harmless
    assert not any(_alive(p) for p in members)
    assert _group_members(pid) == []
    assert "ready on http://127.0.0.1:" in log.read_text()


def test_leaving_the_context_on_an_error_stops_the_service(tmp_path: Path) -> None:
    with pytest.raises(RuntimeError, match="test body failed"), \
            Devnet.start(seed=False, log_path=tmp_path / "devnet.log") as net:
        pid = net.pid
        raise RuntimeError("test body failed")
    assert not _alive(pid)
    assert _group_members(pid) == []


def test_stop_after_the_service_crashed_is_clean(tmp_path: Path) -> None:
    net = Devnet.start(seed=False, log_path=tmp_path / "devnet.log")
    os.kill(net.pid, signal.SIGKILL)
    net.stop()
    assert net.process.returncode == -signal.SIGKILL
    assert _group_members(net.pid) == []


def test_start_fails_fast_with_the_log_when_the_process_dies(tmp_path: Path) -> None:
    with socket.socket() as blocker:  # the port is taken, so the service dies at its listen
        blocker.bind(("127.0.0.1", 0))
        blocker.listen()
        started = time.monotonic()
        with pytest.raises(DevnetError, match="exited with status") as err:
            Devnet.start(port=blocker.getsockname()[1], seed=False,
                         log_path=tmp_path / "devnet.log")
    assert time.monotonic() - started < launcher.READY_TIMEOUT_S
    assert "EADDRINUSE" in str(err.value)


def test_start_without_node_is_a_plain_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(launcher.shutil, "which", lambda name: None)
    with pytest.raises(DevnetError, match="Node.js"):
        Devnet.start()


def test_cli_prints_one_ready_line_and_stops_on_sigterm(tmp_path: Path) -> None:
    import json

    command = [sys.executable, "-m", "arbiter_app", "devnet", "--json", "--no-seed",
               "--log", str(tmp_path / "d.log")]
    with open(tmp_path / "stderr.txt", "wb") as errors, subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=errors, text=True
    ) as proc:
        try:
            assert proc.stdout is not None
            ready = json.loads(proc.stdout.readline())
            assert set(ready["endpoints"]) == {
                "stacks_api", "ipfs_rpc", "ipfs_gateway", "admin", "ledger", "ledger_control"
            }
            assert ready["ledger"].startswith("tcp:127.0.0.1:")
            assert ready["ledger_control"].startswith("http://127.0.0.1:")
            assert set(ready["accounts"]) == ROLES
            assert ready["escrow_contract"].endswith(".escrow-secure")
            node_pid = ready["pid"]
            info = httpx.get(ready["endpoints"]["stacks_api"] + "/v2/info", timeout=10)
            assert info.status_code == 200
            proc.send_signal(signal.SIGTERM)
            assert proc.wait(timeout=30) == 0
            assert not _alive(node_pid)
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()


def test_fresh_devnet_is_pristine_and_separate(devnet: Devnet, fresh_devnet: Devnet) -> None:
    def tip(net: Devnet) -> int:
        height: int = httpx.get(net.url + "/v2/info", timeout=10).json()["stacks_tip_height"]
        return height

    assert fresh_devnet.url != devnet.url
    shared_before = tip(devnet)
    fresh_devnet.mine(7)
    assert tip(devnet) == shared_before
    assert fresh_devnet.seed_summary()["seeded"] is True


def test_the_service_stops_when_its_parent_is_killed(tmp_path: Path) -> None:
    script = (
        "import sys\n"
        "from pathlib import Path\n"
        "from arbiter_app.devnet.launcher import Devnet\n"
        f"net = Devnet.start(seed=False, log_path=Path({str(tmp_path / 'd.log')!r}))\n"
        "print(net.pid, flush=True)\n"
        "sys.stdin.read()\n"
    )
    with subprocess.Popen(
        [sys.executable, "-c", script], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    ) as parent:
        assert parent.stdout is not None and parent.stdin is not None
        node_pid = int(parent.stdout.readline())
        assert _alive(node_pid)
        parent.kill()  # no chance to run stop()
        parent.wait()
        parent.stdin.close()
        parent.stdout.close()
    deadline = time.monotonic() + 20
    while _alive(node_pid) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not _alive(node_pid), "the devnet outlived the process that started it"
