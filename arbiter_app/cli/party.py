"""``arbiter-app party flag|unflag|list|import|export``: the list of suspicious addresses.

A dispute whose payer or payee is listed carries the ``suspicious-address`` review flag,
which step 5 (``rule --confirm suspicious-address``) must confirm. Every change is logged.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import Any

from arbiter_app import config
from arbiter_app.cli import print_json
from arbiter_app.services import suspicious
from arbiter_app.services.session import Session
from arbiter_app.text import display_name


def register(subparsers: Any) -> None:
    """Add the ``party`` command group."""
    parser = subparsers.add_parser(
        "party", help="manage the suspicious-address list",
        description="List addresses as suspicious (with a reason), take them off, and share "
                    "the list as JSON or CSV. Every change goes into the decision log.")
    sub = parser.add_subparsers(dest="party_command", metavar="ACTION", required=True)
    flag = sub.add_parser("flag", help="list an address as suspicious")
    flag.add_argument("address", metavar="ADDRESS")
    flag.add_argument("--reason", required=True, metavar="TEXT", help="why it is listed")
    flag.set_defaults(handler=run_flag)
    unflag = sub.add_parser("unflag", help="take an address off the list")
    unflag.add_argument("address", metavar="ADDRESS")
    unflag.set_defaults(handler=run_unflag)
    listing = sub.add_parser("list", help="print the listed addresses and reasons")
    listing.add_argument("--json", action="store_true", help="print a JSON array")
    listing.set_defaults(handler=run_list)
    imported = sub.add_parser("import", help="add every entry of a shared list")
    imported.add_argument("file", metavar="FILE", help="a .json or .csv list (- for stdin)")
    imported.add_argument("--format", choices=("json", "csv"),
                          help="the file's format (default: from its name)")
    imported.set_defaults(handler=run_import)
    exported = sub.add_parser("export", help="write the list to share it")
    exported.add_argument("-o", "--output", required=True, metavar="FILE",
                          help="a .json or .csv file (- for standard output)")
    exported.add_argument("--format", choices=("json", "csv"),
                          help="the file's format (default: from its name)")
    exported.set_defaults(handler=run_export)


def _session(args: argparse.Namespace) -> Session:
    return Session(config.load(Path(args.config) if args.config else None))


def run_flag(args: argparse.Namespace) -> int:
    """List one address."""
    with _session(args) as session:
        entry = suspicious.flag(session, args.address, args.reason, now=int(time.time()))
    print(f"listed {entry.address} as suspicious: {entry.reason}")
    return 0


def run_unflag(args: argparse.Namespace) -> int:
    """Take one address off the list."""
    with _session(args) as session:
        suspicious.unflag(session, args.address, now=int(time.time()))
    print(f"{suspicious.check_address(args.address)} is no longer listed")
    return 0


def run_list(args: argparse.Namespace) -> int:
    """Print the list."""
    with _session(args) as session:
        entries = suspicious.listed(session)
    if args.json:
        print_json([{"address": e.address, "reason": e.reason} for e in entries])
    elif not entries:
        print("no address is listed as suspicious")
    for e in [] if args.json else entries:
        print(f"{e.address}  {display_name(e.reason, 200)}")
    return 0


def run_import(args: argparse.Namespace) -> int:
    """Add a shared list's entries."""
    now = int(time.time())
    with _session(args) as session:
        if args.file == "-":
            data = sys.stdin.buffer.read(suspicious.MAX_FILE_BYTES + 1)
            fmt = suspicious.format_of(args.file, args.format)
            added = suspicious.import_list(session, data, fmt, now=now)
        else:
            added = suspicious.import_file(session, Path(args.file), args.format, now=now)
    print(f"{added} address(es) listed or changed from {args.file}")
    return 0


def run_export(args: argparse.Namespace) -> int:
    """Write the list."""
    with _session(args) as session:
        if args.output == "-":
            fmt = suspicious.format_of(args.output, args.format)
            sys.stdout.buffer.write(suspicious.export_list(suspicious.listed(session), fmt))
            return 0
        count = suspicious.export_file(session, Path(args.output), args.format)
    print(f"wrote {count} address(es) to {args.output}", file=sys.stderr)
    return 0
