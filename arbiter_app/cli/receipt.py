"""``arbiter-app receipt``: verify a ruling receipt, offline or against the chain; render its PDF.

``receipt verify FILE [--online] [--arbiter ADDRESS]`` checks the log proofs, that every
field makes sense and agrees with the logged entries, and the SIP-018 signature; it exits 0
only when the signer's identity was checked: against ``--arbiter``, or with ``--online``,
against the chain, which must hold this escrow's ``resolve-dispute`` transaction for this
invoice by that arbiter, successful at the stated block, with the receipt's award and
rationale hash; ``--json`` then prints what was verified. ``receipt pdf FILE -o OUT`` writes
the PDF of a verified receipt; ``receipt export ID [-o FILE] [--pdf [PDF]]`` writes the receipt
the case store keeps for a case (``receipt-ID.json`` and ``receipt-ID.pdf`` unless named); its
PDF prints the rationale's text and a QR code of the receipt's CID. ``receipt issue ID`` asks
the signer again for a receipt whose signature was refused or interrupted at execution.
``-`` as a file name means standard output.

``verify`` and ``pdf`` are the offline verifiers a party or an auditor runs: the case store
and the network clients are imported only by the actions that open them (``--online``,
``export``, ``issue``), which keeps the offline ones at a third of the start-up time.
"""

from __future__ import annotations

import argparse
import dataclasses
from pathlib import Path
from typing import Any

from arbiter_app import config
from arbiter_app.cli import print_json, report
from arbiter_app.cli.output import describe, rendered_path, write_bytes
from arbiter_app.errors import InputError
from arbiter_app.progress import run_to_end
from arbiter_app.records import pdf, receipt
from arbiter_app.records.receipt_checks import ReceiptFacts
from arbiter_app.wallet.signer import StderrPrompt


def register(subparsers: Any) -> None:
    """Add the ``receipt`` command group."""
    parser = subparsers.add_parser("receipt", help="verify a ruling receipt or render its PDF",
                                   description="Verify a ruling receipt, or render it as PDF.")
    sub = parser.add_subparsers(dest="receipt_command", metavar="ACTION", required=True)
    verify = sub.add_parser("verify", help="verify a receipt (offline unless --online)")
    verify.add_argument("file", metavar="FILE", help="the receipt .json file")
    verify.add_argument("--online", action="store_true",
                        help="also check the transaction and the on-chain rationale hash")
    verify.add_argument("--arbiter", metavar="ADDRESS",
                        help="the address the invoice's arbiter must be")
    verify.add_argument("--json", action="store_true",
                        help="print what was verified as JSON (when it verified)")
    verify.set_defaults(handler=run_verify)
    pdf = sub.add_parser("pdf", help="write the PDF of a verified receipt")
    pdf.add_argument("file", metavar="FILE", help="the receipt .json file")
    pdf.add_argument("-o", "--output", required=True, metavar="PDF",
                     help="file to write (- for standard output)")
    pdf.set_defaults(handler=run_pdf)
    export = sub.add_parser("export", help="write a case's stored receipt (and its PDF)",
                            description="Write the receipt the case store keeps for case ID "
                                        "(after 'arbiter-app execute'), verified first.")
    export.add_argument("case", type=int, metavar="ID", help="the invoice id")
    export.add_argument("-o", "--output", metavar="FILE",
                        help="the receipt's JSON (- for standard output; default "
                             "receipt-ID.json)")
    export.add_argument("--pdf", metavar="PDF", nargs="?", const="",
                        help="also write its PDF, with the rationale's text and a QR code of "
                             "the receipt's CID, here (default receipt-ID.pdf)")
    export.set_defaults(handler=run_export)
    issue = sub.add_parser("issue", help="sign a case's receipt that was refused or interrupted",
                           description="Issue the receipt of case ID's executed ruling when its "
                                       "signature was refused or interrupted at execution: the "
                                       "configured signer is asked again.")
    issue.add_argument("case", type=int, metavar="ID", help="the invoice id")
    issue.set_defaults(handler=run_issue)


def _read(name: str) -> str:
    try:
        return Path(name).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as e:
        raise InputError(f"cannot read the receipt {name}: {e}") from e


def run_verify(args: argparse.Namespace) -> int:
    """Verify and print one verdict; exit 0 only when the signer's identity was checked
    (``--arbiter``, or ``--online`` where the chain names the arbiter)."""
    result = receipt.verify(_read(args.file), arbiter=args.arbiter)
    facts = (f"invoice {result.invoice_id}, {result.ruling} by {result.arbiter} in tx "
             f"{result.txid} (block {result.block_height})")
    if args.online:
        _verify_online(args, result)
        report(f"ok: {facts}; signature, log proofs and the chain's record verified")
    elif args.arbiter is None:
        report(f"NOT VERIFIED: the receipt is intact and signed by {result.arbiter}, but "
               "nothing checked that this address is the invoice's arbiter; pass "
               "--arbiter ADDRESS or --online")
        return 1
    else:
        report(f"ok: {facts}; signature and log proofs verified")
    if args.json:
        print_json({**dataclasses.asdict(result), "online": bool(args.online)})
    return 0


def _verify_online(args: argparse.Namespace, result: ReceiptFacts) -> None:
    """Ask the chain of the configured network; a receipt of another chain is refused."""
    from arbiter_app.services import receipts
    from arbiter_app.services.session import Session

    settings = config.load(Path(args.config) if args.config else None)
    with Session(settings) as session:
        receipts.verify_online(session, result)


def run_pdf(args: argparse.Namespace) -> int:
    """Render the PDF of a verified receipt."""
    with rendered_path(args.output, ".pdf") as out:
        pdf.render(_read(args.file), out)
    report(f"wrote {describe(args.output)}")
    return 0


def run_export(args: argparse.Namespace) -> int:
    """Write the stored receipt of a case (verified first), and its PDF with ``--pdf``."""
    from arbiter_app.services import queries
    from arbiter_app.services.session import Session

    with Session(config.load(Path(args.config) if args.config else None)) as session:
        stored = queries.load_receipt(session, args.case)
        case = queries.load_case(session, args.case) if stored is not None else None
    if stored is None:
        raise InputError(f"the case store holds no receipt for invoice {args.case}; a receipt "
                         "is issued when 'arbiter-app execute' confirms the ruling")
    receipt.verify(stored.document)
    output = args.output or f"receipt-{args.case}.json"
    write_bytes(output, stored.document.encode("utf-8"))
    report(f"wrote the receipt of invoice {args.case} to {describe(output)}")
    if args.pdf is not None:
        target = args.pdf or f"receipt-{args.case}.pdf"
        rationale = case.ruling.rationale if case is not None and case.ruling else None
        with rendered_path(target, ".pdf") as out:
            pdf.render(stored.document, out, rationale)
        report(f"wrote its PDF to {describe(target)}")
    return 0


def run_issue(args: argparse.Namespace) -> int:
    """Ask the signer again for a receipt that was not signed at execution."""
    from arbiter_app.cli.ruling import open_session
    from arbiter_app.services.ruling import issue_pending_receipt

    with open_session(args) as session:
        run_to_end(issue_pending_receipt(session, args.case, prompt=StderrPrompt()))
    report(f"receipt of invoice {args.case} issued (write it with 'arbiter-app receipt export "
           f"{args.case}')")
    return 0
