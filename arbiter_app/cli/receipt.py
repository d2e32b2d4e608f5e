"""``arbiter-app receipt``: verify a ruling receipt, offline or against the chain; render its PDF.

``receipt verify FILE [--online]`` checks the log proofs, that every field agrees with the
logged entries, and the arbiter's SIP-018 signature; ``--online`` also asks the Stacks API
that the transaction succeeded at the stated block and that the escrow stored this ruling
with this rationale hash. ``receipt pdf FILE -o OUT`` writes the PDF of a verified receipt.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any


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
    """Verify; print what was proven, or fail naming the bad field."""
    from arbiter_app.cli import report
    from arbiter_app.records import receipt

    result = receipt.verify(_read(args.file), arbiter=args.arbiter)
    report(f"ok: invoice {result.invoice_id}, {result.ruling} by {result.arbiter} in tx "
           f"{result.txid} (block {result.block_height}); signature and log proofs verified")
    if args.online:
        from arbiter_app import config
        from arbiter_app.services.session import Session

        settings = config.load(Path(args.config) if args.config else None)
        if settings.chain.chain_id != result.chain_id:
            from arbiter_app.errors import UsageError

            raise UsageError(f"the receipt is for chain id {result.chain_id}, but the settings "
                             f"use {settings.network}")
        with Session(settings) as session:
            receipt.verify_online(result, session.api, session.contract_id)
        report("ok: the chain confirms the transaction and the rationale hash")
    return 0


def run_pdf(args: argparse.Namespace) -> int:
    """Render the PDF of a verified receipt."""
    from arbiter_app.cli import report
    from arbiter_app.records import pdf

    out = Path(args.output)
    pdf.render(_read(args.file), out)
    report(f"wrote {out}")
    return 0
