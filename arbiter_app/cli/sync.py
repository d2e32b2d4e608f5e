"""``arbiter-app sync``: fetch this arbiter's disputes and evidence into the case store.

Progress goes to stderr; the summary (what was new, what was flagged) to stdout. Exit 0 when
the sync completed (flagged items are reported, not failures), 1 when it stopped on an error:
the next run resumes from the last complete one.
"""

from __future__ import annotations

import argparse
import dataclasses
from pathlib import Path
from typing import Any

from arbiter_app import config
from arbiter_app.cli import print_json, report
from arbiter_app.progress import Progress, run_to_end
from arbiter_app.services.session import Session
from arbiter_app.services.sync import sync_disputes


def register(subparsers: Any) -> None:
    """Add the ``sync`` command."""
    parser = subparsers.add_parser(
        "sync", help="fetch disputes and evidence into the case store",
        description="Read the escrow contract's events for disputes naming this arbiter, "
                    "read their state, verify terms and evidence from IPFS, and store "
                    "everything in the case store (incremental).",
    )
    parser.add_argument("--arbiter", metavar="ADDRESS",
                        help="the arbiter address (default: the signer's address)")
    parser.add_argument("--json", action="store_true", help="print the summary as JSON")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    """Run one sync and print its summary."""
    settings = config.load(Path(args.config) if args.config else None)

    def show(p: Progress) -> None:
        total = f"/{p.total}" if p.total else ""
        report(f"{p.label} ({p.done}{total})")

    with Session(settings) as session:
        summary = run_to_end(sync_disputes(session, arbiter=args.arbiter), show)
    if args.json:
        print_json(dataclasses.asdict(summary))
    else:
        print(summary.describe())
    return 0
