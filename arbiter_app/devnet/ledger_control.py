"""Run the Ledger emulator as its own process, with a small loopback HTTP control API.

Like speculos's REST API, it lets another process (the devnet command, the demo, a test)
set the emulated user's behaviour and read what the device screen showed:

    GET    /status    {"ledger": "tcp:127.0.0.1:P", "mode": ..., "address": ..., "version": ...}
    GET    /mode      {"mode": "approve"}
    POST   /mode      body {"mode": "reject"}; 400 for an unknown mode
    GET    /display   the display records, oldest first
    DELETE /display   forget them

``python -m arbiter_app.devnet.ledger_control --port N --control-port M [--mnemonic-file F]
[--account arbiter_1]`` prints one JSON line (``ledger``, ``control``, ``address``) once both
ports listen, then serves until SIGINT/SIGTERM. The mnemonic defaults to the devnet account
``arbiter_1`` of ``resources/contracts/settings/Devnet.toml``.
"""

from __future__ import annotations

import argparse
import json
import signal
import sys
import threading
import tomllib
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx

from arbiter_app.assets import asset
from arbiter_app.devnet.ledger_emulator import LedgerEmulator

DEFAULT_ACCOUNT = "arbiter_1"


def devnet_mnemonic(account: str = DEFAULT_ACCOUNT, path: Path | None = None) -> str:
    """The mnemonic of a devnet account in a Clarinet ``Devnet.toml``.

    :param path: the settings file (default: the shipped devnet's)
    :raises KeyError: the file has no such account
    """
    path = path or asset("contracts", "settings", "Devnet.toml")
    with path.open("rb") as f:
        accounts = tomllib.load(f)["accounts"]
    if account not in accounts:
        raise KeyError(f"{path} has no account {account!r}")
    return str(accounts[account]["mnemonic"])


def read_mnemonic(path: Path | None, account: str) -> str:
    """A mnemonic from a ``.toml`` devnet settings file (by account) or a plain text file."""
    if path is None:
        return devnet_mnemonic(account)
    if path.suffix == ".toml":
        return devnet_mnemonic(account, path)
    return path.read_text("utf-8").strip()


class ControlServer:
    """The HTTP control API of one emulator, on 127.0.0.1."""

    def __init__(self, emulator: LedgerEmulator, port: int = 0) -> None:
        self.emulator = emulator
        handler = type("Handler", (_Handler,), {"emulator": emulator})
        self._httpd = ThreadingHTTPServer(("127.0.0.1", port), handler)
        self.port: int = self._httpd.server_address[1]
        self._thread = threading.Thread(target=self._httpd.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        """Base URL of the control API."""
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> ControlServer:
        """Start serving; returns ``self``."""
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving and close the port."""
        self._httpd.shutdown()
        self._httpd.server_close()


class _Handler(BaseHTTPRequestHandler):
    emulator: LedgerEmulator

    def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
        if self.path == "/status":
            version = ".".join(map(str, self.emulator.state.version))
            self._reply(
                200,
                {
                    "ledger": f"tcp:127.0.0.1:{self.emulator.port}",
                    "mode": self.emulator.mode,
                    "address": self.emulator.address(0),
                    "version": version,
                },
            )
        elif self.path == "/mode":
            self._reply(200, {"mode": self.emulator.mode})
        elif self.path == "/display":
            self._reply(200, self.emulator.display_log)
        else:
            self._reply(404, {"error": f"no such path {self.path}"})

    def do_POST(self) -> None:  # noqa: N802
        if self.path != "/mode":
            return self._reply(404, {"error": f"no such path {self.path}"})
        try:
            body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", "0"))))
            self.emulator.mode = body["mode"]
        except (ValueError, KeyError, TypeError) as e:
            return self._reply(400, {"error": str(e)})
        self._reply(200, {"mode": self.emulator.mode})

    def do_DELETE(self) -> None:  # noqa: N802
        if self.path != "/display":
            return self._reply(404, {"error": f"no such path {self.path}"})
        self.emulator.clear_display_log()
        self._reply(200, [])

    def _reply(self, status: int, document: Any) -> None:
        body = json.dumps(document).encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
        """Quiet: the emulator's stderr is for failures only."""


class EmulatorControl:
    """A client of the control API, for processes that did not start the emulator."""

    def __init__(self, url: str, client: httpx.Client | None = None) -> None:
        self._client = client or httpx.Client(base_url=url, timeout=5.0, trust_env=False)

    def status(self) -> dict[str, Any]:
        """The emulator's address, APDU endpoint, mode and app version."""
        return self._get("/status")  # type: ignore[no-any-return]

    def set_mode(self, mode: str) -> None:
        """Switch the emulated behaviour (``approve``, ``reject``, ``locked``, ...)."""
        self._client.post("/mode", json={"mode": mode}).raise_for_status()

    def display_log(self) -> list[dict[str, Any]]:
        """The display records so far."""
        return self._get("/display")  # type: ignore[no-any-return]

    def clear_display_log(self) -> None:
        """Forget the display records."""
        self._client.delete("/display").raise_for_status()

    def close(self) -> None:
        """Close the HTTP client."""
        self._client.close()

    def _get(self, path: str) -> Any:
        response = self._client.get(path)
        response.raise_for_status()
        return response.json()


def main(argv: list[str] | None = None) -> int:
    """Run an emulator and its control API until interrupted."""
    parser = argparse.ArgumentParser(prog="python -m arbiter_app.devnet.ledger_control")
    parser.add_argument("--port", type=int, default=0, help="APDU port (speculos framing)")
    parser.add_argument("--control-port", type=int, default=0, help="HTTP control API port")
    parser.add_argument("--mnemonic-file", type=Path, help="mnemonic text file or Devnet.toml")
    parser.add_argument("--account", default=DEFAULT_ACCOUNT, help="devnet account to read")
    args = parser.parse_args(argv)
    emulator = LedgerEmulator(read_mnemonic(args.mnemonic_file, args.account), args.port).start()
    control = ControlServer(emulator, args.control_port).start()
    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    line = {
        "ledger": f"tcp:127.0.0.1:{emulator.port}",
        "control": control.url,
        "address": emulator.address(0),
    }
    print(json.dumps(line), flush=True)
    stop.wait()
    control.stop()
    emulator.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
