"""``arbiter-app ledger``: talk to the Ledger's Stacks app from the command line.

``arbiter-app ledger address [--confirm] [--account N] [--device ADDR] [--json]`` prints
the account's Stacks address and compressed public key as the device derives them;
``--confirm`` also shows the address on the device and waits for the user to confirm it,
which is how an arbiter checks that the address registered in the escrow is really theirs.
The device is the ``ledger`` setting (``hid`` or ``tcp:HOST:PORT``) unless ``--device`` is
given. ``--json`` prints ``{"address", "public_key", "path", "network", "app_version",
"confirmed"}``.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from arbiter_app import config
from arbiter_app.cli import print_json
from arbiter_app.wallet.ledger import LedgerSigner
from arbiter_app.wallet.signer import StderrPrompt, format_path


def register(subparsers: Any) -> None:
    """Add the ``ledger`` group and its ``address`` command."""
    group = subparsers.add_parser("ledger", help="use the Ledger's Stacks app")
    commands = group.add_subparsers(dest="ledger_command", metavar="COMMAND", required=True)
    address = commands.add_parser(
        "address", help="print the account's address and public key as the device derives them"
    )
    address.add_argument(
        "--confirm", action="store_true", help="show the address on the device too"
    )
    address.add_argument("--account", type=int, metavar="N", help="account N of m/44'/5757'/0'/0/N")
    address.add_argument(
        "--device", metavar="ADDR", help="'hid' or 'tcp:HOST:PORT' (default: setting)"
    )
    address.add_argument("--json", action="store_true", help="print a JSON object")
    address.set_defaults(handler=run_address)


def run_address(args: argparse.Namespace) -> int:
    """Read (and with ``--confirm``, show) the address; print it with the public key."""
    settings = config.load(Path(args.config) if args.config else None)
    changes = {
        k: v for k, v in (("account", args.account), ("ledger", args.device)) if v is not None
    }
    settings = settings.replace(**changes)
    signer = LedgerSigner.open(settings.ledger, settings.chain, settings.account)
    try:
        if args.confirm:
            signer.confirm_address(StderrPrompt())
        document = {
            "address": signer.address(),
            "public_key": signer.public_key().hex(),
            "path": format_path(signer.path),
            "network": settings.chain.name,
            "app_version": str(signer.version),
            "confirmed": bool(args.confirm),
        }
    finally:
        signer.close()
    if args.json:
        print_json(document)
    else:
        print(document["address"])
        print(f"public key {document['public_key']} ({document['path']}, {document['network']})")
    return 0
