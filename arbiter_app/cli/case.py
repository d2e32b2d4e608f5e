"""``arbiter-app case``: one case's facts, and steps 1–4 done from the command line.

``case show ID [--json]`` prints everything the store knows about the case. ``case step ID N``
completes step N the way the GUI does, doing what the step needs first: 1 shows the terms and
the past dealings and takes ``--declare-no-conflict``; 2 fetches, verifies and records as
opened every evidence item not yet examined (``--unavailable INDEX=REASON`` marks one that
cannot be had); 3 reads the chain checks, prints them, and acknowledges them after reading
them again; 4 fetches, verifies and prints the dispute's reason and the terms document.
``case reopen ID N`` takes step N (and every later step) back. Every change is logged. The
first ``show`` or ``step`` of a case fetches and verifies its terms document and evidence,
which the sync leaves to the case's first opening.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path
from typing import Any

from arbiter_app import config
from arbiter_app.case.framework import CaseFile
from arbiter_app.case.models import Step
from arbiter_app.cli import case_steps, print_json, report
from arbiter_app.cli.case_document import case_document, case_text
from arbiter_app.errors import PolicyError, UsageError
from arbiter_app.progress import Progress, run_to_end
from arbiter_app.services import opening, publication, queries, steps
from arbiter_app.services.listing import dispute_row
from arbiter_app.services.session import Session
from arbiter_app.text import display_name


def register(subparsers: Any) -> None:
    """Add the ``case`` command group."""
    parser = subparsers.add_parser("case", help="show a case, complete or reopen steps 1-4",
                                   description="Show one case, or work through steps 1-4.")
    sub = parser.add_subparsers(dest="case_command", metavar="ACTION", required=True)
    show = sub.add_parser("show", help="everything the store knows about a case")
    show.add_argument("case", type=int, metavar="ID", help="the invoice id")
    show.add_argument("--json", action="store_true", help="print a JSON object")
    show.set_defaults(handler=run_show)
    step = sub.add_parser("step", help="complete step N (1-4) of a case",
                          description="Complete step N: 1 terms and no-conflict declaration, "
                                      "2 evidence, 3 chain checks, 4 off-chain documents. "
                                      "Step 5 is 'arbiter-app rule', 6 'arbiter-app execute'.")
    step.add_argument("case", type=int, metavar="ID", help="the invoice id")
    step.add_argument("step", type=int, choices=(1, 2, 3, 4), metavar="N", help="1, 2, 3 or 4")
    step.add_argument("--declare-no-conflict", action="store_true",
                      help="step 1: declare no conflict of interest with either party")
    step.add_argument("--unavailable", action="append", default=[], metavar="ITEM=REASON",
                      help="step 2: evidence #ITEM cannot be examined, because REASON")
    step.set_defaults(handler=run_step)
    reopen = sub.add_parser("reopen", help="take step N and every later step back")
    reopen.add_argument("case", type=int, metavar="ID", help="the invoice id")
    reopen.add_argument("step", type=int, choices=(1, 2, 3, 4, 5), metavar="N", help="1 to 5")
    reopen.set_defaults(handler=run_reopen)


def open_session(args: argparse.Namespace) -> Session:
    """A session on the settings in use."""
    return Session(config.load(Path(args.config) if args.config else None))


def fetch_on_opening(session: Session, invoice_id: int) -> None:
    """Fetch the case's terms document and evidence if the sync left them for the first
    opening; say on stderr what is fetched, each evidence item as it comes, and what could
    not be verified (what could not be had stays pending; the case is shown anyway)."""
    what = opening.what_is_fetched(queries.load_case(session, invoice_id))
    if not what:
        return
    report(f"fetching {what} of invoice {invoice_id}…")
    last = [""]

    def say(step: Progress) -> None:  # each evidence item once (its downloads repeat it)
        if step.label != last[0] and step.label.startswith("fetching evidence"):
            report(step.label)
        last[0] = step.label

    fetched = run_to_end(opening.fetch_on_opening(session, invoice_id), say)
    for problem in fetched.problems():  # reasons quote manifests and servers
        report(display_name(problem, 1000))
    if opening.needs_fetch(queries.load_case(session, invoice_id)):
        report("what could not be fetched is fetched again the next time the case is opened")


def run_show(args: argparse.Namespace) -> int:
    """Print the case."""
    with open_session(args) as session:
        fetch_on_opening(session, args.case)
        case = queries.load_case(session, args.case)
        listed = dispute_row(case, session.settings.sla_hours, int(time.time()))
        document = case_document(case, queries.review_flags(session, case),
                                 queries.load_receipt(session, args.case), listed,
                                 publication.for_case(session, args.case))
    if args.json:
        print_json(document)
    else:
        print(case_text(document))
    return 0


def run_step(args: argparse.Namespace) -> int:
    """Do what step N needs, then complete it."""
    unavailable = case_steps.parse_unavailable(args.unavailable)
    if unavailable and args.step != 2:
        raise UsageError("--unavailable belongs to step 2")
    if args.declare_no_conflict and args.step != 1:
        raise UsageError("--declare-no-conflict belongs to step 1")
    step = Step(args.step)
    with open_session(args) as session:
        fetch_on_opening(session, args.case)
        case = queries.load_case(session, args.case)
        if case.current is not step:
            raise PolicyError(order_problem(case, step))
        doers = {Step.TERMS: lambda: case_steps.terms(session, case, args.declare_no_conflict),
                 Step.EVIDENCE: lambda: case_steps.evidence(session, case, unavailable),
                 Step.CHAIN: lambda: case_steps.chain(session, case),
                 Step.DOCUMENTS: lambda: case_steps.documents(session, case)}
        doers[step]()
    report(f"step {args.step} of invoice {args.case} completed (logged)")
    return 0


def order_problem(case: CaseFile, step: Any) -> str:
    """Why ``step`` cannot be completed now (it is done, or an earlier one is not)."""
    if step in case.completed:
        return (f"step {int(step)} of invoice {case.invoice.id} is already completed; "
                f"'arbiter-app case reopen {case.invoice.id} {int(step)}' takes it back")
    if case.current is None or case.transaction is not None:
        return f"invoice {case.invoice.id}'s ruling is signed; its steps can no longer change"
    return (f"step {int(step)} cannot be completed: complete step {int(case.current)} of "
            f"invoice {case.invoice.id} first (steps are done in order)")


def run_reopen(args: argparse.Namespace) -> int:
    """Reopen step N."""
    with open_session(args) as session:
        steps.reopen_step(session, args.case, Step(args.step), now=int(time.time()))
    report(f"step {args.step} of invoice {args.case} and every later step reopened (logged)")
    return 0
