"""``arbiter-app log``: export the decision log (JSONL or CSV) and verify an export offline.

``log export [--case ID] [--format jsonl|csv] -o FILE`` signs a fresh checkpoint and writes
the whole log or one case (``-o -``: to standard output); ``log verify FILE`` checks the
header's signatures, the key's binding to the arbiter's address and every inclusion proof
without touching the network, and exits 1 naming the first bad line. It exits 0 only with
``--arbiter ADDRESS``: without it, it says who signed and that nobody checked who that is;
``--json`` prints what was verified. ``log rotate-key`` replaces the log key; the old key
signs the handover, so exports follow the chain of keys.

``verify`` is the auditor's offline check: the case store and the network clients are
imported only by the actions that open them (``export``, ``verify --online``, ``rotate-key``).
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from arbiter_app import config
from arbiter_app.cli import print_json, report
from arbiter_app.cli.output import describe, output_file
from arbiter_app.decisionlog.anchors import anchors
from arbiter_app.errors import InputError
from arbiter_app.records import export
from arbiter_app.wallet.signer import StderrPrompt


def register(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Add the ``log`` command group."""
    parser = subparsers.add_parser("log", help="export or verify the decision log",
                                   description="Export the decision log, or verify an export "
                                               "offline.")
    sub = parser.add_subparsers(dest="log_command", metavar="ACTION", required=True)
    export = sub.add_parser("export", help="write the decision log (or one case) to a file")
    export.add_argument("--case", type=int, metavar="ID", help="only this invoice's entries")
    export.add_argument("--format", choices=("jsonl", "csv"), default="jsonl",
                        help="jsonl (verifiable, default) or csv (for spreadsheets)")
    export.add_argument("-o", "--output", required=True, metavar="FILE",
                        help="file to write (- for standard output)")
    export.set_defaults(handler=run_export)
    verify = sub.add_parser("verify", help="verify a JSONL export offline")
    verify.add_argument("file", metavar="FILE", help="the exported .jsonl file")
    verify.add_argument("--previous", metavar="OLD",
                        help="an export from an earlier audit: its checkpoint must be extended "
                             "by this log (catches rewritten history and split views)")
    verify.add_argument("--arbiter", metavar="ADDRESS",
                        help="the Stacks address the log key must be bound to")
    verify.add_argument("--allow-unbound", action="store_true",
                        help="accept a log key not yet bound to an arbiter address")
    verify.add_argument("--online", action="store_true",
                        help="also compare each ruling's log root on chain with the export "
                             "(a whole-log export)")
    verify.add_argument("--json", action="store_true",
                        help="print what was verified as JSON (when it verified)")
    verify.set_defaults(handler=run_verify)
    rotate = sub.add_parser("rotate-key", help="replace the decision-log key (the old key "
                                               "signs the handover; asks the signer twice)")
    rotate.set_defaults(handler=run_rotate)


def run_export(args: argparse.Namespace) -> int:
    """Write the export; print where and how many entries."""
    from arbiter_app.services import logs
    from arbiter_app.services.session import Session

    settings = config.load(Path(args.config) if args.config else None)
    with Session(settings) as session, \
            output_file(args.output, text=args.format == "csv") as out:
        if args.format == "csv":
            count = logs.write_csv(session, out, invoice_id=args.case)
        else:
            count = logs.write_jsonl(session, out, invoice_id=args.case, now=int(time.time()),
                                     prompt=StderrPrompt())
    report(f"wrote {count} log entries to {describe(args.output)}")
    return 0


def run_rotate(args: argparse.Namespace) -> int:
    """Make a new log key, bind it on the signer, log the old key's handover to it."""
    from arbiter_app.services import logkey
    from arbiter_app.services.session import Session

    settings = config.load(Path(args.config) if args.config else None)
    with Session(settings) as session:
        handover = logkey.rotate_key(session, now=int(time.time()), prompt=StderrPrompt())
    report(f"rotated the decision-log key: {handover.old.hex()[:16]}… handed over to "
           f"{handover.new.hex()[:16]}… at log size {handover.size}; earlier checkpoints "
           "and receipts keep verifying through the handover")
    return 0


def run_verify(args: argparse.Namespace) -> int:
    """Verify the export; print a one-line summary, or fail naming the first bad line."""
    lines = export.read_lines(_read(args.file))
    result = export.verify_jsonl(lines,
                                 require_attestation=not args.allow_unbound,
                                 arbiter=args.arbiter)
    extends, old = "", None
    if args.previous:
        old = export.verify_header(export.read_lines(_read(args.previous))[0])
        export.check_previous(result, old)
        extends = f", extending the checkpoint of size {old.size} from {args.previous}"
    scope = "whole log" if result.case is None else f"case {result.case}"
    facts = (f"{result.entries} entries ({scope}) under the checkpoint of size "
             f"{result.checkpoint.size}{extends}")
    if args.arbiter is None:
        who = f"the log key bound to {result.arbiter}" if result.arbiter else \
            "a log key bound to no address"
        report(f"NOT VERIFIED: {facts} are intact and signed by {who}, but nothing checked "
               "who that is; pass --arbiter ADDRESS")
        return 1
    report(f"ok: {facts}, signed by the log key bound to {result.arbiter}")
    if args.online:
        for line in _check_online(args, lines, args.arbiter):
            report(line)
    if args.json:
        print_json({"entries": result.entries, "case": result.case, "arbiter": result.arbiter,
                    "checkpoint": result.checkpoint.to_json(),
                    "previous_size": None if old is None else old.size})
    return 0


def _check_online(args: argparse.Namespace, lines: list[bytes], arbiter: str) -> list[str]:
    """Each confirmed ruling's on-chain log root against the export (configured network)."""
    from arbiter_app.services import logs
    from arbiter_app.services.session import Session

    found = anchors(lines)
    with Session(config.load(Path(args.config) if args.config else None)) as session:
        return logs.check_anchors(session, found, arbiter)


def _read(name: str) -> bytes:
    try:
        return Path(name).read_bytes()
    except OSError as e:
        raise InputError(f"cannot read {name}: {e.strerror}") from e
