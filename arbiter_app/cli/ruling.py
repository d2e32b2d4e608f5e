"""``arbiter-app rule`` (step 5) and ``arbiter-app execute`` (step 6) from the command line.

``rule ID (--release|--refund|--split SHARE) --rationale FILE [--cite CID ...]
[--confirm FLAG ...]`` finalizes the ruling under the same rules as the GUI (rationale
length, cited evidence of this case, every manual-review flag confirmed, a split's share
more than nothing and less than everything), each unmet one named. ``execute ID [--yes]``
prints the final review — the decoded transaction with its post-conditions and every
signature the device will be asked for — and asks for confirmation on the terminal unless
``--yes``; without a terminal and without ``--yes`` it refuses (exit 2) rather than sign
unasked. Then the service signs on the configured signer, broadcasts, waits for the outcome
and issues the receipt, naming each signature on stderr as the device asks for it.
"""

from __future__ import annotations

import argparse
import sys
import time
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from arbiter_app import config
from arbiter_app.case.framework import RulingProposal
from arbiter_app.case.models import Decision, ReviewFlag
from arbiter_app.cli import report
from arbiter_app.errors import Cancelled, InputError, LimitExceeded, UsageError
from arbiter_app.progress import Progress, run_to_end
from arbiter_app.services import queries, receipts, steps
from arbiter_app.services.ruling import RulingPreview, execute_ruling, preview_ruling
from arbiter_app.services.session import Session
from arbiter_app.wallet.signer import StderrPrompt

MAX_RATIONALE_BYTES = 1024 * 1024


def register(subparsers: Any) -> None:
    """Add the ``rule`` and ``execute`` commands."""
    rule = subparsers.add_parser(
        "rule", help="step 5: finalize the ruling with its rationale",
        description="Finalize the ruling of case ID: release (to the payee), refund (to the "
                    "payer) or split (a share to the payee, the rest to the payer), with a "
                    "written rationale citing this case's evidence.")
    rule.add_argument("case", type=int, metavar="ID", help="the invoice id")
    decision = rule.add_mutually_exclusive_group(required=True)
    decision.add_argument("--release", action="store_true", help="funds to the payee")
    decision.add_argument("--refund", action="store_true", help="funds to the payer")
    decision.add_argument("--split", metavar="SHARE",
                          help="the payee's share, in sBTC (0.3) or percent (60%%); the rest "
                               "goes to the payer")
    rule.add_argument("--rationale", required=True, metavar="FILE",
                      help="the rationale's text, UTF-8 (- for standard input)")
    rule.add_argument("--cite", action="append", default=[], metavar="CID",
                      help="an evidence manifest CID the rationale cites (repeat for more)")
    rule.add_argument("--confirm", action="append", default=[], metavar="FLAG",
                      choices=[f.value for f in ReviewFlag],
                      help="confirm a manual-review flag 'case show' lists: "
                           + ", ".join(f.value for f in ReviewFlag))
    rule.set_defaults(handler=run_rule)
    execute = subparsers.add_parser(
        "execute", help="step 6: review, sign, broadcast, confirm, issue the receipt",
        description="Print the final review of case ID's ruling transaction, ask for "
                    "confirmation (unless --yes), sign it on the configured signer, "
                    "broadcast it, wait for the outcome and issue the receipt.")
    execute.add_argument("case", type=int, metavar="ID", help="the invoice id")
    execute.add_argument("--yes", action="store_true",
                         help="sign without asking (needed when there is no terminal)")
    execute.set_defaults(handler=run_execute)


def open_session(args: argparse.Namespace) -> Session:
    """A session on the settings in use."""
    return Session(config.load(Path(args.config) if args.config else None))


def read_rationale(name: str) -> str:
    """The rationale's text from ``name`` (``-``: standard input), at most 1 MiB of UTF-8.

    :raises InputError: unreadable, too large, or not UTF-8
    """
    try:
        if name == "-":
            data = sys.stdin.buffer.read(MAX_RATIONALE_BYTES + 1)
        else:
            with open(name, "rb") as f:
                data = f.read(MAX_RATIONALE_BYTES + 1)
    except OSError as e:
        raise InputError(f"cannot read the rationale {name}: {e.strerror}") from e
    if len(data) > MAX_RATIONALE_BYTES:
        raise LimitExceeded("rationale size in bytes", len(data), MAX_RATIONALE_BYTES)
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as e:
        raise InputError(f"the rationale {name} is not UTF-8 text (byte {e.start})") from e


def parse_share(text: str, amount: int) -> int:
    """A split's payee share, ``0.3`` (sBTC) or ``60%`` of ``amount``, in base units.

    :raises UsageError: for anything else, or a share with more than 8 decimals
    """
    percent = text.endswith("%")
    try:
        value = Decimal(text[:-1] if percent else text)
    except InvalidOperation as e:
        raise UsageError(f"--split takes sBTC (0.3) or a percentage (60%), not {text!r:.40}") \
            from e
    units = value * amount / 100 if percent else value * 10**8
    if not value.is_finite() or units != units.to_integral_value():
        raise UsageError(f"--split {text!r:.40} is not a whole number of base units of the "
                         f"amount {amount}")
    return int(units)


def run_rule(args: argparse.Namespace) -> int:
    """Finalize the ruling (step 5)."""
    text = read_rationale(args.rationale)
    decision = Decision.RELEASE if args.release else Decision.REFUND if args.refund \
        else Decision.SPLIT
    with open_session(args) as session:
        share = None if args.split is None else \
            parse_share(args.split, queries.load_case(session, args.case).invoice.amount)
        proposal = RulingProposal(decision, text, tuple(args.cite),
                                  tuple(ReviewFlag(f) for f in args.confirm),
                                  payee_amount=share)
        ruling = steps.finalize_ruling(session, args.case, proposal, now=int(time.time()))
    award = "" if share is None else f" ({share} to the payee, the rest to the payer)"
    report(f"ruling of invoice {args.case} finalized: {ruling.decision.value}{award} (logged); "
           f"next: 'arbiter-app execute {args.case}'")
    return 0


def run_execute(args: argparse.Namespace) -> int:
    """Review, confirm, sign, broadcast, confirm on chain, issue the receipt (step 6)."""
    if not args.yes and not sys.stdin.isatty():
        raise UsageError("execute signs a transaction that moves funds: run it on a terminal "
                         "to confirm, or pass --yes")

    def show(p: Progress) -> None:
        report(f"{p.label}…")

    with open_session(args) as session:
        case = queries.load_case(session, args.case)
        preview = None
        if case.transaction is None:
            preview = preview_ruling(session, args.case)
            print(review_text(preview))
        else:
            print(f"resuming the stored transaction {case.transaction.txid} "
                  f"({case.transaction.status.value}): it is re-sent unchanged")
            print(signatures_text(resumed_signatures(session, args.case)))
        sys.stdout.flush()
        if preview is not None and preview.fee_warning and args.yes:
            raise UsageError(f"{preview.fee_warning} --yes does not confirm a fee above the "
                             "setting: run execute on a terminal to confirm it")
        if not args.yes:
            confirm()
        result = run_to_end(execute_ruling(session, args.case, prompt=StderrPrompt(),
                                           reviewed=preview), show)
    print(f"confirmed: transaction {result.txid} in block {result.block_height}; receipt "
          f"issued (write it with 'arbiter-app receipt export {args.case} -o FILE')")
    return 0


def confirm() -> None:
    """Ask on the terminal; anything but ``yes`` cancels (nothing signed)."""
    try:
        answer = input("Type 'yes' to sign this on the device: ")
    except EOFError:
        answer = ""
    if answer.strip().lower() != "yes":
        print("not signed", file=sys.stderr)
        raise Cancelled()


def review_text(preview: RulingPreview) -> str:
    """The final review: the ruling in words, the decoded transaction, the signatures."""
    d = preview.described
    payload = d["payload"]
    lines = [
        f"FINAL REVIEW of invoice {preview.invoice_id}: {preview.words}",
        f"  network   {d['network_name']} (chain id {d['chain_id']})",
        f"  sender    {d['sender']}  nonce {d['nonce']}  fee {d['fee']} µSTX",
        f"  call      {payload.get('contract_id')}::{payload.get('function_name')}",
    ]
    lines += [f"    arg {a['repr']}" for a in payload.get("args", [])]
    lines.append(f"  post-conditions ({d['post_condition_mode']} mode):")
    lines += [f"    {pc['text']}" for pc in d["post_conditions"]]
    lines.append(signatures_text(preview.signatures))
    if preview.fee_warning:
        lines.append(f"FEE ABOVE YOUR SETTING: {preview.fee_warning}")
    return "\n".join(lines)


def resumed_signatures(session: Session, invoice_id: int) -> tuple[str, ...]:
    """What a resumed execution still asks the device for: the transaction is signed
    already, the log-key binding (if not yet made) and the receipt are not."""
    return receipts.signatures_to_come(session, invoice_id)


def signatures_text(signatures: tuple[str, ...]) -> str:
    """Every signature the device will be asked for, numbered in order."""
    return "signatures to come on the device:\n" + "\n".join(
        f"  {n}. {what}" for n, what in enumerate(signatures, 1))
