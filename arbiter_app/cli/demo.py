"""``arbiter-app demo``: the devnet, its seeded disputes, an emulated Ledger, and the app.

It starts the devnet (seeded) and the Ledger emulator holding ``arbiter_1``'s keys exactly as
``arbiter-app devnet`` does, builds settings that point at them (the case store in a fresh
temporary directory unless ``--data-dir``) and writes them to the settings file while it runs,
so other ``arbiter-app`` commands (``receipt verify --online``, ``disputes``) reach the demo's
devnet; the file that was there is put back (or the file removed) when the demo ends. It opens
the main window, which reads the signer and runs a first sync, and when the window closes
stops the emulator and the devnet (the devnet also dies with this process, see the launcher).
"""

from __future__ import annotations

import argparse
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from arbiter_app import config
from arbiter_app.cli import report
from arbiter_app.cli.settings import settings_path
from arbiter_app.devnet.stack import running
from arbiter_app.gui.display import check_display


def register(subparsers: Any) -> None:
    """Add the ``demo`` command."""
    parser = subparsers.add_parser(
        "demo", help="devnet + seeded disputes + emulated Ledger + the desktop app")
    parser.add_argument("--port", type=int, default=0, metavar="N",
                        help="devnet loopback port (default: a free one)")
    parser.add_argument("--data-dir", metavar="DIR",
                        help="keep the case store here (default: a fresh temporary directory)")
    parser.set_defaults(handler=run_demo)


def demo_settings(devnet: Any, ledger_port: int, data_dir: Path) -> Any:
    """Settings that point every service at ``devnet`` and sign on the emulator; the devnet's
    Kubo RPC is configured too, so the rationale and the receipt are published as on a real
    network.

    :param devnet: the running :class:`~arbiter_app.devnet.launcher.Devnet`
    :param ledger_port: the emulator's TCP port
    :param data_dir: where the case store and the IPFS cache go
    """
    ep = devnet.endpoints
    return config.Settings(
        network="devnet", stacks_api=ep["stacks_api"], escrow_contract=devnet.escrow_contract,
        ipfs_rpc=ep["ipfs_rpc"], ipfs_gateways=(ep["ipfs_gateway"],), signer="ledger",
        ledger=f"tcp:127.0.0.1:{ledger_port}", data_dir=str(data_dir))


@contextmanager
def lent_settings(settings: Any, path: Path) -> Iterator[None]:
    """Write ``settings`` to ``path`` for the demo's lifetime, then restore what was there."""
    previous = path.read_bytes() if path.exists() else None
    config.save(settings, path)
    report(f"the demo's settings are in {path} until it ends")
    try:
        yield
    finally:
        if previous is None:
            path.unlink(missing_ok=True)
        else:
            tmp = path.with_name(path.name + ".restore")
            tmp.write_bytes(previous)
            tmp.replace(path)


def run_demo(args: argparse.Namespace) -> int:
    """Start the devnet and the emulator, run the app on them, stop both when it closes."""
    check_display()  # before anything starts: Qt aborts the process without a display
    # Imported only now, as in run_gui: a missing Qt library is named by check_display.
    from arbiter_app.gui.app import run_on_settings

    with tempfile.TemporaryDirectory(prefix="arbiter-demo-") as scratch:
        data_dir = Path(args.data_dir) if args.data_dir else Path(scratch) / "data"
        report("starting the devnet and the emulated Ledger…")
        try:
            with running(port=args.port, log_path=Path(scratch) / "devnet.log") as stack:
                refuse = f"curl -d '{{\"mode\": \"reject\"}}' {stack.control.url}/mode"
                report(f"devnet at {stack.devnet.url}; Ledger emulator at {stack.ledger}; "
                       f"case store in {data_dir}; to make the device refuse: {refuse}")
                settings = demo_settings(stack.devnet, stack.emulator.port, data_dir)
                path = settings_path(args)
                with lent_settings(settings, path):
                    return run_on_settings(settings, path, sync_on_start=True)
        finally:
            report("demo stopped")
