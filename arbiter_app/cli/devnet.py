"""``arbiter-app devnet``: run the local devnet (docs/ARCHITECTURE.md §7) until interrupted.

``arbiter-app devnet [--port N] [--seed/--no-seed] [--json]`` starts the devnet service and
an emulated Ledger holding ``arbiter_1``'s mnemonic, with the emulator's HTTP control API
(:mod:`arbiter_app.devnet.ledger_control`: set approve/reject/locked, read the screens) on
127.0.0.1 beside it. When all are ready it prints one line: with ``--json`` a JSON object
``{"endpoints": {"stacks_api", "ipfs_rpc", "ipfs_gateway", "admin", "ledger",
"ledger_control"}, "ledger", "ledger_control", "accounts" (role → address),
"escrow_contract", "url", "pid", "log"}``; without it, the same in words. It then runs until
Ctrl-C or SIGTERM and stops all of them cleanly.
"""

from __future__ import annotations

import argparse
import json
import signal
import sys
import threading
from pathlib import Path
from types import FrameType
from typing import Any

from arbiter_app.cli import report
from arbiter_app.devnet.stack import running


def register(subparsers: Any) -> None:
    """Add the ``devnet`` command."""
    parser = subparsers.add_parser("devnet", help="run the local devnet until interrupted")
    parser.add_argument(
        "--port", type=int, default=0, metavar="N", help="loopback port (default: a free one)"
    )
    parser.add_argument(
        "--seed",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="create the seed scenario (default: yes)",
    )
    parser.add_argument("--log", metavar="FILE", help="keep the service's log here")
    parser.add_argument("--json", action="store_true", help="print the ready line as JSON")
    parser.set_defaults(handler=run_devnet)


def ready_document(devnet: Any, ledger_port: int | None,
                   ledger_control: str | None = None) -> dict[str, Any]:
    """The ready line's content.

    :param devnet: the running :class:`~arbiter_app.devnet.launcher.Devnet`
    :param ledger_port: the emulator's TCP port, or ``None`` when there is none
    :param ledger_control: the base URL of the emulator's control API, if one runs
    """
    ledger = f"tcp:127.0.0.1:{ledger_port}" if ledger_port is not None else None
    endpoints = dict(devnet.endpoints)
    if ledger is not None:
        endpoints["ledger"] = ledger
    if ledger_control is not None:
        endpoints["ledger_control"] = ledger_control
    return {
        "endpoints": endpoints,
        "ledger": ledger,
        "ledger_control": ledger_control,
        "accounts": devnet.accounts,
        "escrow_contract": devnet.escrow_contract,
        "url": devnet.url,
        "pid": devnet.pid,
        "log": str(devnet.log_path),
    }


def run_devnet(args: argparse.Namespace) -> int:
    """Start the devnet, the Ledger emulator and its control API, print the ready line, wait
    for a signal."""
    stop = threading.Event()

    def on_signal(signum: int, frame: FrameType | None) -> None:
        stop.set()

    previous = signal.signal(signal.SIGTERM, on_signal)
    report("starting the devnet…")
    log_path = Path(args.log) if args.log else None
    try:
        with running(port=args.port, seed=args.seed, log_path=log_path) as stack:
            devnet, control = stack.devnet, stack.control
            document = ready_document(devnet, stack.emulator.port, control.url)
            if args.json:
                sys.stdout.write(json.dumps(document, sort_keys=True) + "\n")
            else:
                print(f"devnet ready at {devnet.url} (Stacks API, Kubo RPC, gateway); "
                      f"Ledger emulator at {stack.ledger} (control API {control.url}); "
                      f"escrow {devnet.escrow_contract}")
                for role, address in sorted(devnet.accounts.items()):
                    print(f"  {role:10} {address}")
            sys.stdout.flush()
            return wait_for_stop(stop, devnet, report)
    finally:
        signal.signal(signal.SIGTERM, previous)
        report("devnet stopped")


def wait_for_stop(stop: threading.Event, devnet: Any, report: Any) -> int:
    """Wait for Ctrl-C or SIGTERM (exit 0), or for the devnet process to die (exit 1)."""
    try:
        while not stop.wait(0.5):
            if devnet.process.poll() is not None:
                status = devnet.process.returncode
                report(f"the devnet exited (status {status}); log: {devnet.log_path}")
                return 1
    except KeyboardInterrupt:
        pass
    return 0
