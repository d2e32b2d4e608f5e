"""``arbiter-app search TEXT [--json]``: past cases by rationale, evidence titles and parties.

Words are matched through the case store's full-text index (no query syntax: every word must
appear); a word that is a party's address finds the cases of that payer or payee.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from arbiter_app import config
from arbiter_app.cli import print_json
from arbiter_app.services import queries
from arbiter_app.services.session import Session
from arbiter_app.text import display_name


def register(subparsers: Any) -> None:
    """Add the ``search`` command."""
    parser = subparsers.add_parser(
        "search", help="find past cases by rationale, evidence titles or parties",
        description="Search the case store: rationales and evidence titles by words, parties "
                    "by address.")
    parser.add_argument("text", metavar="TEXT", help="words, or a party's address")
    parser.add_argument("--json", action="store_true", help="print a JSON array")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    """Print the hits (case, where it matched, the snippet)."""
    with Session(config.load(Path(args.config) if args.config else None)) as session:
        hits = queries.search(session, args.text)
    if args.json:
        print_json([{"invoice_id": h.invoice_id, "where": h.where, "snippet": h.snippet}
                    for h in hits])
    elif hits:
        for h in hits:
            print(f"invoice {h.invoice_id:>6}  {h.where:12}  {display_name(h.snippet, 200)}")
    else:
        print(f"no case matches {args.text!r}")
    return 0
