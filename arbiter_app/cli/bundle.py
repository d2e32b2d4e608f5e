"""``arbiter-app bundle``: write a ruled case's bundle (one CAR file), or verify one.

``bundle export ID [-o FILE]`` writes the case bundle (``bundle-ID.car`` unless named; ``-``
for standard output): the one published after the receipt, or built from the store when
none was; it is verified before it is written. ``bundle verify FILE [--online] [--arbiter
ADDRESS] [--json]`` checks every block's CID, every signature (log checkpoint, receipt,
transaction), every inclusion proof and the agreement of the parts, with no store and no
network; like ``receipt verify`` it exits 0 only when the signer's identity was checked:
against ``--arbiter``, or with ``--online`` against the chain (the transaction, its outcome,
the on-chain rationale hash and log root, each evidence item's submitting transaction).
``--json`` then prints what was verified.

``verify`` is the offline verifier a party or an auditor runs: the case store and the network
clients are imported only by the actions that open them (``export``, ``--online``).
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from arbiter_app import config
from arbiter_app.cli import print_json, report
from arbiter_app.cli.output import describe, write_bytes
from arbiter_app.progress import run_to_end
from arbiter_app.records.bundle_verify import BundleFacts, verify_file


def register(subparsers: Any) -> None:
    """Add the ``bundle`` command group."""
    parser = subparsers.add_parser("bundle", help="write or verify a ruled case's bundle",
                                   description="Write a ruled case's bundle (one CAR file "
                                               "proving the whole outcome), or verify one.")
    sub = parser.add_subparsers(dest="bundle_command", metavar="ACTION", required=True)
    export = sub.add_parser("export", help="write a ruled case's bundle as a CAR file",
                            description="Write the bundle of case ID (after its receipt is "
                                        "issued), verified first.")
    export.add_argument("case", type=int, metavar="ID", help="the invoice id")
    export.add_argument("-o", "--output", metavar="FILE",
                        help="file to write (- for standard output; default bundle-ID.car)")
    export.set_defaults(handler=run_export)
    check = sub.add_parser("verify", help="verify a case bundle (offline unless --online)")
    check.add_argument("file", metavar="FILE", help="the bundle .car file")
    check.add_argument("--online", action="store_true",
                       help="also check the transaction, its outcome and the on-chain "
                            "rationale hash and log root")
    check.add_argument("--arbiter", metavar="ADDRESS",
                       help="the address the invoice's arbiter must be")
    check.add_argument("--json", action="store_true",
                       help="print what was verified as JSON (when it verified)")
    check.set_defaults(handler=run_verify)


def run_export(args: argparse.Namespace) -> int:
    """Write the case's bundle, verified first."""
    from arbiter_app.services import bundle
    from arbiter_app.services.session import Session

    with Session(config.load(Path(args.config) if args.config else None)) as session:
        facts, data = run_to_end(bundle.verified(session, args.case))
    output = args.output or f"bundle-{args.case}.car"
    write_bytes(output, data)
    report(f"wrote the bundle {facts.root} of invoice {args.case} ({facts.blocks} blocks, "
           f"{len(data)} bytes) to {describe(output)}")
    return 0


def run_verify(args: argparse.Namespace) -> int:
    """Verify and print one verdict; exit 0 only when the signer's identity was checked."""
    facts = verify_file(Path(args.file), arbiter=args.arbiter)
    receipt = facts.receipt
    what = (f"bundle {facts.root}: invoice {receipt.invoice_id}, {facts.award['text']} "
            f"Ruled by {receipt.arbiter} in tx {receipt.txid} (block {receipt.block_height})")
    if args.online:
        _verify_online(args, facts)
        report(f"ok: {what}; every block, signature and proof, and the chain's record "
               "verified")
    elif args.arbiter is None:
        report(f"NOT VERIFIED: the bundle is intact and signed by {receipt.arbiter}, but "
               "nothing checked that this address is the invoice's arbiter; pass "
               "--arbiter ADDRESS or --online")
        return 1
    else:
        report(f"ok: {what}; every block, signature and proof verified")
    if args.json:
        print_json(_json(facts, bool(args.online)))
    return 0


def _verify_online(args: argparse.Namespace, facts: BundleFacts) -> None:
    """Ask the chain of the configured network."""
    from arbiter_app.services import bundle
    from arbiter_app.services.session import Session

    with Session(config.load(Path(args.config) if args.config else None)) as session:
        bundle.verify_online(session, facts)


def _json(facts: BundleFacts, online: bool) -> dict[str, Any]:
    r, award = facts.receipt, facts.award
    return {"root": facts.root, "invoice_id": r.invoice_id, "ruling": r.ruling,
            "arbiter": r.arbiter, "payer": r.payer, "payee": r.payee, "amount": r.amount,
            "token": r.token, "payee_amount": award["payee"]["amount"],
            "payer_amount": award["payer"]["amount"], "award": award["text"],
            "txid": r.txid, "block_height": r.block_height,
            "rationale_hash": r.rationale_hash, "log_root": facts.log_root,
            "chain_id": r.chain_id, "escrow_contract": r.escrow_contract,
            "evidence": facts.evidence, "documents": facts.documents, "blocks": facts.blocks,
            "online": online}
