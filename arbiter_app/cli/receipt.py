"""``arbiter-app receipt``: verify a ruling receipt, offline or against the chain; render its PDF.

``receipt verify FILE [--online] [--arbiter ADDRESS]`` checks the log proofs, that every
field makes sense and agrees with the logged entries, and the SIP-018 signature; it exits 0
only when the signer's identity was checked: against ``--arbiter``, or with ``--online``,
against the chain, which must hold this escrow's ``resolve-dispute`` transaction for this
invoice by that arbiter, successful at the stated block, with the receipt's award and
rationale hash. ``receipt pdf FILE -o OUT`` writes the PDF of a verified receipt.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from arbiter_app.records.receipt_checks import ReceiptFacts


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
    verify.set_defaults(handler=run_verify)
    pdf = sub.add_parser("pdf", help="write the PDF of a verified receipt")
    pdf.add_argument("file", metavar="FILE", help="the receipt .json file")
    pdf.add_argument("-o", "--output", required=True, metavar="PDF", help="file to write")
    pdf.set_defaults(handler=run_pdf)


def _read(name: str) -> str:
    from arbiter_app.errors import InputError

    try:
        return Path(name).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as e:
        raise InputError(f"cannot read the receipt {name}: {e}") from e


def run_verify(args: argparse.Namespace) -> int:
    """Verify and print one verdict; exit 0 only when the signer's identity was checked
    (``--arbiter``, or ``--online`` where the chain names the arbiter)."""
    from arbiter_app.cli import report
    from arbiter_app.records import receipt

    result = receipt.verify(_read(args.file), arbiter=args.arbiter)
    facts = (f"invoice {result.invoice_id}, {result.ruling} by {result.arbiter} in tx "
             f"{result.txid} (block {result.block_height})")
    if args.online:
        _verify_online(args, result)
        report(f"ok: {facts}; signature, log proofs and the chain's record verified")
        return 0
    if args.arbiter is None:
        report(f"NOT VERIFIED: the receipt is intact and signed by {result.arbiter}, but "
               "nothing checked that this address is the invoice's arbiter; pass "
               "--arbiter ADDRESS or --online")
        return 1
    report(f"ok: {facts}; signature and log proofs verified")
    return 0


def _verify_online(args: argparse.Namespace, result: ReceiptFacts) -> None:
    """Ask the chain of the configured network; a receipt of another chain is refused."""
    from arbiter_app import config
    from arbiter_app.errors import VerificationError
    from arbiter_app.records import receipt_checks
    from arbiter_app.services.session import Session

    settings = config.load(Path(args.config) if args.config else None)
    if settings.chain.chain_id != result.chain_id:
        raise VerificationError(f"the receipt is for chain id {result.chain_id}, but the "
                                f"settings use {settings.network} (chain id "
                                f"{settings.chain.chain_id}); it cannot be checked there")
    with Session(settings) as session:
        receipt_checks.verify_online(result, session.api, session.contract_id)


def run_pdf(args: argparse.Namespace) -> int:
    """Render the PDF of a verified receipt."""
    from arbiter_app.cli import report
    from arbiter_app.records import pdf

    out = Path(args.output)
    pdf.render(_read(args.file), out)
    report(f"wrote {out}")
    return 0
