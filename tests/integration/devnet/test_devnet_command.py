"""``arbiter-app devnet`` as a user runs it, in its own process: the ready line names the
Ledger emulator's control API as ``ledger_control``; setting ``reject`` through that URL makes
the emulated device refuse a signing request and ``approve`` lets it sign again; SIGTERM
stops the devnet, the emulator and the control API (their ports close)."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest

from arbiter_app import config
from arbiter_app.devnet.ledger_control import EmulatorControl
from arbiter_app.errors import DeviceRejected
from arbiter_app.stacks import clarity, sip018
from arbiter_app.wallet.ledger import LedgerSigner

REPO = Path(__file__).resolve().parents[3]
READY_TIMEOUT = 180


@pytest.fixture
def devnet_command(tmp_path: Path) -> Iterator[tuple[subprocess.Popen[str], dict[str, Any]]]:
    """``arbiter-app devnet --json`` running, with its ready line parsed."""
    stderr = (tmp_path / "devnet-command.err").open("w")
    process = subprocess.Popen(
        [sys.executable, "-m", "arbiter_app", "devnet", "--json", "--no-seed",
         "--log", str(tmp_path / "devnet.log")],
        cwd=REPO, stdout=subprocess.PIPE, stderr=stderr, text=True, start_new_session=True)
    try:
        assert process.stdout is not None
        line = process.stdout.readline()  # blocks until ready, or "" if the command died
        assert line, (tmp_path / "devnet-command.err").read_text()
        yield process, json.loads(line)
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(30)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()
        if process.stdout is not None:
            process.stdout.close()
        stderr.close()


def _listening(url: str) -> bool:
    parts = urlsplit(url if "://" in url else "tcp://" + url.removeprefix("tcp:"))
    with socket.socket() as s:
        s.settimeout(2)
        return s.connect_ex((parts.hostname or "", parts.port or 0)) == 0


def sign_something(signer: LedgerSigner) -> bytes:
    domain = sip018.make_domain("Arbiter Desk Test", "1", config.DEVNET.chain_id)
    return signer.sign_structured_message(domain, clarity.StringAscii("hello"))


def test_the_ready_line_names_the_control_api_and_it_steers_the_device(
        devnet_command: tuple[subprocess.Popen[str], dict[str, Any]]) -> None:
    process, ready = devnet_command
    url = ready["ledger_control"]
    assert url.startswith("http://127.0.0.1:") and ready["endpoints"]["ledger_control"] == url
    control = EmulatorControl(url)
    try:
        status = control.status()
        assert status["ledger"] == ready["ledger"] and status["mode"] == "approve"
        assert status["address"] == ready["accounts"]["arbiter_1"]
        signer = LedgerSigner.open(ready["ledger"], config.DEVNET)
        try:
            control.set_mode("reject")
            assert control.status()["mode"] == "reject"
            with pytest.raises(DeviceRejected):
                sign_something(signer)
            control.set_mode("approve")
            assert len(sign_something(signer)) == 65
        finally:
            signer.close()
        assert control.display_log(), "the control API saw no screens"
    finally:
        control.close()
    os.killpg(process.pid, signal.SIGTERM)
    assert process.wait(30) == 0
    assert not _listening(url) and not _listening(ready["ledger"])


def test_an_unknown_mode_is_refused_by_the_running_command(
        devnet_command: tuple[subprocess.Popen[str], dict[str, Any]]) -> None:
    _, ready = devnet_command
    reply = httpx.post(ready["ledger_control"] + "/mode", json={"mode": "sometimes"},
                       trust_env=False)
    assert reply.status_code == 400
    assert httpx.get(ready["ledger_control"] + "/mode", trust_env=False).json() == {
        "mode": "approve"}
