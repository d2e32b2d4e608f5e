"""``arbiter-app disputes [--json]``: list the case store's disputes.

The text form is a table for people; ``--json`` prints a JSON array whose rows follow the
documented schema :data:`arbiter_app.services.listing.DISPUTES_SCHEMA` (stable: keys are
only ever added).
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path
from typing import Any

from arbiter_app import config
from arbiter_app.cli import print_json
from arbiter_app.services import listing
from arbiter_app.store import rows
from arbiter_app.store.db import open_store


def register(subparsers: Any) -> None:
    """Add the ``disputes`` command."""
    parser = subparsers.add_parser(
        "disputes", help="list the case store's disputes",
        description="List the disputes in the case store with status, amount, parties, SLA "
                    "remaining and step progress. Run 'arbiter-app sync' first.",
    )
    parser.add_argument("--json", action="store_true",
                        help="print a JSON array (schema in the README)")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    """List the disputes; exit 0."""
    settings = config.load(Path(args.config) if args.config else None)
    now = int(time.time())
    with open_store(Path(settings.data_dir) / "cases.sqlite") as store:
        cases = rows.list_cases(store)
    if args.json:
        print_json([listing.dispute_row(c, settings.sla_hours, now) for c in cases])
    elif cases:
        print(listing.text_table(cases, settings.sla_hours, now))
    else:
        print("no disputes in the case store; run 'arbiter-app sync'")
    return 0
