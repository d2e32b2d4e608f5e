"""``arbiter-app publish retry``: pin again every published document still queued.

A document whose publication failed (Kubo unreachable, a pinning service answering 401 or 5xx
or not in time) is kept with its bytes and queued; this tries each again and says which are
pinned now and which are still queued, with why. Exit status 1 while any is still queued.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from arbiter_app import config
from arbiter_app.services import publication
from arbiter_app.services.session import Session


def register(subparsers: Any) -> None:
    """Add the ``publish`` command group."""
    parser = subparsers.add_parser("publish", help="retry publications still queued",
                                   description="Pin the rationales and receipts whose "
                                               "publication is still queued.")
    sub = parser.add_subparsers(dest="publish_command", metavar="ACTION", required=True)
    retry = sub.add_parser("retry", help="try every queued publication again")
    retry.set_defaults(handler=run_retry)


def run_retry(args: argparse.Namespace) -> int:
    """Retry, then print each publication that was queued as pinned or still queued."""
    with Session(config.load(Path(args.config) if args.config else None)) as session:
        done = publication.retry_queued(session)
        left = publication.queued(session)
    for p in done + left:
        print(publication.describe(p))
    if not done and not left:
        print("nothing is queued")
    return 1 if left else 0
